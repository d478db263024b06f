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
from purrr_cli.tui.widgets.records import Column, RecordTable, records_of, shorten

GAME_COLUMNS: list[Column] = [
    ("Game", "name"),
    ("Pays", "kind"),
    ("Energy", "energy_cost"),
    ("Entry", lambda g: f"${g['entry_fee_usd']}" if g.get("entry_fee_usd") else "free"),
]
QUEST_COLUMNS: list[Column] = [
    ("Quest", "name"),
    ("Type", "type"),
    ("Progress", lambda q: quest_progress(q)),
    ("Reward", lambda q: reward_text(q.get("rewards") or {})),
]
CRYPTO = ("BTC", "ETH", "USDC", "SOL", "XRP")


def quest_progress(quest: dict[str, Any]) -> Any:
    """`done`/`claimed`, or a bar plus the first requirement's `current/target`."""
    if quest.get("claimed"):
        return "claimed"
    if quest.get("complete"):
        return "done — claim (l)"
    requirements = [r for r in quest.get("requirements") or [] if isinstance(r, dict)]
    if not requirements:
        return ""
    first = requirements[0]
    current, target = float(first.get("current") or 0), float(first.get("target") or 1)
    text = bar_text(int(100 * min(1.0, current / target)), 4, number=False, warn=False)
    text.append(f" {first.get('current')}/{first.get('target')}")
    return text


def reward_text(rewards: dict[str, Any]) -> str:
    parts = [f"{rewards[k]} {k}" for k in ("xp", "coins") if rewards.get(k)]
    parts += [f"{v} {k}" for k, v in (rewards.get("currency") or {}).items()]
    parts += [f"{v}× {k.replace('_', ' ')}" for k, v in (rewards.get("items") or {}).items()]
    return ", ".join(parts)


class GamesScreen(PurrrScreen):
    """Outcomes are decided (and recorded, replayable) by the server."""

    HELP = """\
# Games & quests

Pick a game and press **p** (or Enter) to play it with one of your cats. Coin games cost energy
and pay coins; crypto games take an entry fee and pay by multiplier. Every result is recorded
by the server and replayable from its seed. Quests advance from what you do anywhere
(dashboard, CLI, API); select a completed quest and press **l** to claim its rewards.
"""
    MODE = "games"
    LIVE_EVENTS = ("quest.", "game.", "quests.", "games.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play", id="games.play"),
        Binding("l", "claim", "Claim quest", id="games.claim"),
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
        self.purrr.remember_cats(self.cats)
        self.query_one("#games", RecordTable).set_records(records_of(data["games"], "games"))
        self.query_one("#quests", RecordTable).set_records(records_of(data["quests"], "quests"))

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
        fields = [cat_field(self.cats)]
        if game.get("kind") == "crypto":
            stakes = (("Practice (free)", ""), *((c, c) for c in CRYPTO))
            fields.append(FormField("crypto_type", "Stake", "", stakes, required=False))

        def play(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.call(self.api.play_game(str(game["type"]), values), self._played)

        dialog = FormDialog(f"Play {game.get('name', game['type'])}", fields, "Play")
        self.app.push_screen(dialog, play)

    def action_claim(self) -> None:
        quest = self.query_one("#quests", RecordTable).selected()
        if quest is None or not quest.get("claimable"):
            self.notify("Select a completed, unclaimed quest.", severity="warning")
            return
        name = str(quest.get("name") or "the quest")
        if not self.cats or not (quest.get("rewards") or {}).get("xp"):
            self.call(self.api.claim_quest(str(quest["id"]), {}), self._claimed)
            return

        def claim(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.call(self.api.claim_quest(str(quest["id"]), values), self._claimed)

        rewards = reward_text(quest.get("rewards") or {})
        choices = (
            *((shorten(c["name"]), c["id"]) for c in self.cats),
            ("Your account (no cat)", ""),
        )
        field = FormField("cat_id", "XP goes to", choices=choices, required=False)
        dialog = FormDialog(f"Claim {name} ({rewards})", [field], "Claim")
        self.app.push_screen(dialog, claim)

    def _claimed(self, result: dict[str, Any]) -> None:
        rewards = reward_text(result.get("rewards") or {}) or "done"
        self.notify(f"Quest reward claimed: {rewards}.")
        self.reload()

    def _played(self, result: dict[str, Any]) -> None:
        summary = game_summary(result)
        self.query_one("#game-result", Static).update(summary)
        self.notify(summary)
        self.reload()


def cat_field(cats: list[dict[str, Any]]) -> FormField:
    """Choose one of your cats (names cut with … so the dialog keeps its width)."""
    return FormField("cat_id", "Cat", choices=tuple((shorten(c["name"]), c["id"]) for c in cats))


def game_summary(result: dict[str, Any]) -> str:
    """`Ball toss: win · score 168 · +3 coins · +5 XP`."""
    parts = [
        f"{str(result.get('game_id', 'game')).replace('_', ' ').capitalize()}: {result.get('result', 'played')}"
    ]
    if result.get("score") is not None:
        parts.append(f"score {result['score']}")
    if result.get("coins"):
        parts.append(f"+{result['coins']} coins")
    if result.get("crypto_type"):
        parts.append(f"net {result.get('net')} {result['crypto_type']}")
    if result.get("xp_gained"):
        parts.append(f"+{result['xp_gained']} XP")
    if result.get("found_item"):
        parts.append(f"found {result['found_item']}")
    return " · ".join(parts)
