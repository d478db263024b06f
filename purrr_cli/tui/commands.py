"""Command palette (ctrl+p): every key binding of the current screen, plus every screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


class PurrrCommands(Provider):
    """Lists what the player can do right now, so nothing needs a key to be discoverable."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        """(title, help, callback) for every action available on the current screen."""
        app: Any = self.app
        seen: set[str] = set()
        for mode, title in getattr(app, "SCREENS_MENU", ()):
            seen.add(title)
            yield f"Go to {title}", f"switch to the {title} screen", partial(app.action_go, mode)
        for active in self.screen.active_bindings.values():
            binding = active.binding
            title = binding.description
            if not title or title in seen or binding.action.startswith(("command_palette", "go(")):
                continue
            seen.add(title)
            key = app.get_key_display(binding)
            callback = partial(app.run_action, binding.action, active.node)
            yield title, f"key: {key}" if key else "", callback

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
