"""One cat: stats, portrait, genetics, pedigree, insights and history; care actions."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Static, TabbedContent, TabPane

from purrr_cli.errors import CliError
from purrr_cli.tui.forms import care_fields, humanize
from purrr_cli.tui.screens.base import PurrrScreen
from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.widgets.bars import StatBar
from purrr_cli.tui.widgets.info import describe_changes, kv_table, records_table
from purrr_cli.tui.widgets.portrait import Portrait

CORE = (
    ("Happiness", "happiness"),
    ("Energy", "energy"),
    ("Fed", "hunger"),
    ("Mood", "mood"),
    ("Health", "health"),
    ("Cleanliness", "cleanliness"),
)
ADVANCED = (
    ("Intelligence", "intelligence"),
    ("Strength", "strength"),
    ("Agility", "agility"),
    ("Charisma", "charisma"),
    ("Training", "training"),
    ("Social", "social"),
)


class CatScreen(PurrrScreen):
    """Pushed over the cats home; Esc goes back."""

    HELP = """\
# Cat

Everything about one cat. **Fed** is satiation (100 = full, 0 = starving).
Care actions follow the same rules as the CLI (`purrr cats feed …`): a full cat refuses food,
a tired cat cannot play, and so on; the server explains any refusal.
The tabs below show genetics, pedigree, learned insights and the care history.
"""
    LIVE_EVENTS = ("cat.", "cats.")
    CARE_ACTIONS: ClassVar[tuple[str, ...]] = (
        "feed",
        "play",
        "groom",
        "pet",
        "rest",
        "train",
        "treat",
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="cat.back"),
        Binding("f", "care('feed')", "Feed", id="cat.feed"),
        Binding("p", "care('play')", "Play", id="cat.play"),
        Binding("o", "care('groom')", "Groom", id="cat.groom"),
        Binding("e", "care('pet')", "Pet", id="cat.pet"),
        Binding("s", "care('rest')", "Rest", id="cat.rest"),
        Binding("t", "care('train')", "Train", id="cat.train"),
        Binding("x", "care('treat')", "Treat", id="cat.treat"),
        Binding("u", "use_item", "Use item", id="cat.use_item"),
    ]

    def __init__(self, cat_id: int) -> None:
        super().__init__()
        self.cat_id = cat_id
        self.cat: dict[str, Any] = {}

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="cat-body"):
            with Horizontal(id="cat-top"):
                with Vertical(id="cat-side"):
                    yield Portrait(id="portrait")
                    yield Static(id="cat-identity")
                with Vertical(id="cat-stats"):
                    for label, field in CORE:
                        yield StatBar(label, id=f"stat-{field}")
                    yield Label("Advanced", classes="section")
                    for label, field in ADVANCED:
                        yield StatBar(label, id=f"stat-{field}")
            with TabbedContent(id="cat-tabs"):
                with TabPane("Genetics", id="tab-genetics"):
                    yield Static(id="cat-genetics")
                with TabPane("Pedigree", id="tab-pedigree"):
                    yield Static(id="cat-pedigree")
                with TabPane("Insights", id="tab-insights"):
                    yield Static(id="cat-insights")
                with TabPane("History", id="tab-history"):
                    yield Static(id="cat-history")

    async def fetch(self) -> dict[str, Any]:
        cat = await self.api.cat(self.cat_id)
        history, insights, sire, dam = await asyncio.gather(
            self._optional(self.api.history(self.cat_id)),
            self._optional(self.api.insights(self.cat_id)),
            self._optional(self.api.cat(cat["sire_id"])) if cat.get("sire_id") else _none(),
            self._optional(self.api.cat(cat["dam_id"])) if cat.get("dam_id") else _none(),
        )
        return {"cat": cat, "history": history, "insights": insights, "sire": sire, "dam": dam}

    @staticmethod
    async def _optional(request: Any) -> Any:
        """A secondary panel's data; its failure must not hide the cat."""
        try:
            return await request
        except CliError as exc:
            return {"error": exc.message}

    def show(self, data: dict[str, Any]) -> None:
        cat = self.cat = data["cat"]
        self.sub_title = str(cat.get("name", ""))
        self.query_one(Portrait).show_cat(cat)
        self.query_one("#cat-identity", Static).update(identity(cat))
        for _, field in CORE + ADVANCED:
            self.query_one(f"#stat-{field}", StatBar).value = int(cat.get(field, 0))
        self.query_one("#cat-genetics", Static).update(genetics(cat))
        self.query_one("#cat-pedigree", Static).update(pedigree(cat, data["sire"], data["dam"]))
        self.query_one("#cat-insights", Static).update(insights_view(data["insights"]))
        self.query_one("#cat-history", Static).update(history_view(data["history"]))

    # --- actions ------------------------------------------------------------------------

    def action_care(self, action: str) -> None:
        fields = care_fields(action)
        if not fields:
            self._send_care(action, {})
            return

        def chosen(values: dict[str, Any] | None) -> None:
            if values is not None:
                self._send_care(action, values)

        name = self.cat.get("name", "cat")
        self.app.push_screen(
            FormDialog(f"{humanize(action)} {name}", fields, humanize(action)), chosen
        )

    def _send_care(self, action: str, body: dict[str, Any]) -> None:
        def done(result: dict[str, Any]) -> None:
            self.notify(care_summary(action, self.cat.get("name", "cat"), result))
            self.reload()

        self.call(self.api.care(self.cat_id, action, body), done)

    def action_use_item(self) -> None:
        self.purrr.use_item_on(self.cat_id, self.reload)


async def _none() -> None:
    return None


def care_summary(action: str, name: str, result: dict[str, Any]) -> str:
    """One line a player reads: what the action did."""
    effects = result.get("effects", result)
    text = f"{humanize(action)} {name}: {describe_changes(effects.get('changes') or {})}"
    if effects.get("xp_gained"):
        text += f" (+{effects['xp_gained']} XP)"
    if effects.get("leveled_up") or effects.get("level_up"):
        text += " — level up!"
    return text


def identity(cat: dict[str, Any]) -> Any:
    care = cat.get("care_status") or {}
    return kv_table(
        [
            ("Name", cat.get("name", "")),
            ("Breed", humanize(cat.get("breed", ""))),
            ("Personality", humanize(cat.get("personality_type", ""))),
            ("Sex", cat.get("sex", "")),
            ("Level", f"{cat.get('level', 1)} ({cat.get('experience', 0)} XP)"),
            ("Mood", cat.get("mood_label", "")),
            ("Care", f"{care.get('care_score', '')} {care.get('care_band', '')}".strip()),
        ]
    )


def genetics(cat: dict[str, Any]) -> Any:
    phenotype = cat.get("phenotype") or {}
    return kv_table(
        [
            ("Genotype", cat.get("genotype") or "unknown"),
            ("Coat", phenotype.get("name", "") if isinstance(phenotype, dict) else str(phenotype)),
            ("Generation", cat.get("generation", 0)),
            ("COI", f"{float(cat.get('coi', 0.0)):.4f}"),
            ("Mutations", ", ".join(cat.get("mutations") or []) or "none"),
            ("Stimulant", humanize(cat.get("stimulant_response", ""))),
        ]
    )


def pedigree(cat: dict[str, Any], sire: Any, dam: Any) -> Any:
    def parent(record: Any, parent_id: Any) -> str:
        if not parent_id:
            return "unknown (founder)"
        if isinstance(record, dict) and "name" in record:
            return f"{record['name']} (#{parent_id}, {humanize(record.get('breed', ''))})"
        return f"#{parent_id}"

    return kv_table(
        [
            ("Sire", parent(sire, cat.get("sire_id"))),
            ("Dam", parent(dam, cat.get("dam_id"))),
            ("Generation", cat.get("generation", 0)),
        ]
    )


def insights_view(data: Any) -> Any:
    if not isinstance(data, dict):
        return "No insights yet."
    if "error" in data:
        return f"Insights unavailable: {data['error']}"
    rows = [(humanize(k), _plain(v)) for k, v in data.items() if k not in ("cat_id",)]
    return kv_table(rows) if rows else "No insights yet: care for the cat to teach the server."


def history_view(data: Any) -> Any:
    if isinstance(data, dict) and "error" in data:
        return f"History unavailable: {data['error']}"
    records = data.get("items", data.get("history", [])) if isinstance(data, dict) else data or []
    if not records:
        return "No care recorded yet."
    columns = [("When", "created_at"), ("Action", "name"), ("Changes", "changes")]
    return records_table([_flatten(r) for r in records], columns)


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    result = record.get("result") if isinstance(record.get("result"), dict) else {}
    return {
        "created_at": str(record.get("created_at", ""))[:16].replace("T", " "),
        "name": record.get("name") or record.get("action") or record.get("type"),
        "changes": record.get("changes") or result.get("changes"),
    }


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{humanize(k)}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
