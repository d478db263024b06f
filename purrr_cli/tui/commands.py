"""Command palette (ctrl+p): every screen, every action of the current screen, and the care,
open and deploy actions for every cat ("Feed Whiskers", "Deploy Shadow")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: (title format, app method, its argument) offered for every cat.
CAT_COMMANDS = (
    ("Open {name}", "open_cat", None),
    ("Feed {name}", "care_for", "feed"),
    ("Pet {name}", "care_for", "pet"),
    ("Play with {name}", "care_for", "play"),
    ("Groom {name}", "care_for", "groom"),
    ("Give a treat to {name}", "care_for", "treat"),
    ("Deploy {name} on Night Watch", "deploy", None),
)


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
            # Only the game's own keys (they have ids); widget keys such as "Cursor up" are not
            # actions a player looks for, and the screen switches are listed above.
            if not binding.id or binding.id.startswith("app.") or not title or title in seen:
                continue
            seen.add(title)
            key = app.get_key_display(binding)
            callback = partial(app.run_action, binding.action, active.node)
            yield title, f"key: {key}" if key else "", callback
        for cat in getattr(app, "cats", []):
            for title_format, method, argument in CAT_COMMANDS:
                args = (cat["id"],) if argument is None else (cat["id"], argument)
                title = title_format.format(name=cat.get("name", cat["id"]))
                yield title, f"cat #{cat['id']}", partial(getattr(app, method), *args)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
