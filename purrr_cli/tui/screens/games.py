"""Games & quests (`g`): play a mini-game with a cat, follow quest progress."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Label, Static

from purrr_cli.tui.screens.base import PurrrScreen
from purrr_cli.tui.screens.form import FormDialog, FormField
from purrr_cli.tui.widgets.bars import bar_text
from purrr_cli.tui.widgets.info import describe_changes
from purrr_cli.tui.widgets.records import RecordTable

GAME_COLUMNS = [
    ("Game", "name"),
    ("Kind", "kind"),
    ("Energy", "energy_cost"),
    ("Entry", lambda g: g.get("entry_fee") or "free"),
]
QUEST_COLUMNS = [
    ("Quest", "name"),
    ("Type", "type"),
    ("Progress", lambda q: quest_progress(q)),
    ("Reward", lambda q: q.get("rewards") or q.get("reward")),
]


def _items(data: Any, key: str) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        data = data.get(key, [])
    return [item for item in data or [] if isinstance(item, dict)]


def quest_progress(quest: dict[str, Any]) -> Any:
    """A bar of overall progress, or `done`."""
    if quest.get("completed") or quest.get("status") == "completed":
        return "done"
    percent = quest.get("percent")
    if percent is None:
        requirements = quest.get("requirements") or quest.get("progress") or []
        parts = [r for r in requirements if isinstance(r, dict) and r.get("required")]
        percent = (
            100 * sum(min(1, r.get("current", 0) / r["required"]) for r in parts) / len(parts)
            if parts
            else 0
        )
    return bar_text(int(percent), 5)


class GamesScreen(PurrrScreen):
    """Outcomes are decided (and recorded, replayable) by the server."""

    HELP = """\
# Games & quests

Pick a game and press **p** (or Enter) to play it with one of your cats. Coin games cost energy
and pay coins; crypto games take an entry fee and pay by multiplier. Every result is recorded
by the server and replayable from its seed. Quests advance from what you do anywhere
(dashboard, CLI, API); rewards are paid when a quest completes.
"""
    LIVE_EVENTS = ("quest.", "game.", "quests.", "games.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play", id="games.play"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cats: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="game-result", classes="summary")
        yield Label("Games", classes="section")
        yield RecordTable(GAME_COLUMNS, id="games")
        yield Label("Quests", classes="section")
        yield RecordTable(QUEST_COLUMNS, id="quests")

    async def fetch(self) -> dict[str, Any]:
        games, quests, cats = await asyncio.gather(
            self.api.games(), self.api.quests(), self.api.cats()
        )
        return {"games": games, "quests": quests, "cats": cats}

    def show(self, data: dict[str, Any]) -> None:
        self.cats = data["cats"]
        self.query_one("#games", RecordTable).set_records(_items(data["games"], "games"))
        self.query_one("#quests", RecordTable).set_records(_items(data["quests"], "quests"))

    def on_data_table_row_selected(self, event: Any) -> None:
        if event.data_table.id == "games":
            self.action_play()

    def action_play(self) -> None:
        game = self.query_one("#games", RecordTable).selected()
        if game is None:
            self.notify("No game selected.", severity="warning")
            return
        if not self.cats:
            self.notify("Adopt a cat first.", severity="warning")
            return
        fields = [
            FormField("cat_id", "Cat", choices=tuple((c["name"], c["id"]) for c in self.cats))
        ]
        currencies = game.get("currencies") or []
        if currencies:
            fields.append(
                FormField("currency", "Currency", choices=tuple((c, c) for c in currencies))
            )

        def play(values: dict[str, Any] | None) -> None:
            if values:
                self.call(self.api.play_game(str(game["id"]), values), self._played)

        self.app.push_screen(
            FormDialog(f"Play {game.get('name', game['id'])}", fields, "Play"), play
        )

    def _played(self, result: dict[str, Any]) -> None:
        summary = game_summary(result)
        self.query_one("#game-result", Static).update(summary)
        self.notify(summary)
        self.reload()


def game_summary(result: dict[str, Any]) -> str:
    outcome = result.get("outcome") or ("won" if result.get("won") else "played")
    parts = [
        f"{str(result.get('game') or result.get('game_id') or 'Game').replace('_', ' ')}: {outcome}"
    ]
    for key in ("score", "coins_won", "payout", "xp_gained"):
        if result.get(key) not in (None, 0, "0"):
            parts.append(f"{key.replace('_', ' ')} {result[key]}")
    if isinstance(result.get("changes"), dict):
        parts.append(describe_changes(result["changes"]))
    return " · ".join(parts)
