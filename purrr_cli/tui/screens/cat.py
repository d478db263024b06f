"""One cat: stats, portrait, genetics, pedigree, insights and history; care actions."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Static, TabbedContent, TabPane

from purrr_cli.errors import CliError
from purrr_cli.tui import clock
from purrr_cli.tui.care import care
from purrr_cli.tui.forms import humanize
from purrr_cli.tui.screens.base import PurrrScreen, optional
from purrr_cli.tui.screens.wallet import choose_and_use_item
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
    MODE = "cats"
    LIVE_EVENTS = ("cat.", "cats.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="cat.back"),
        Binding("f", "care('feed')", "Feed", id="cat.feed"),
        Binding("p", "care('play')", "Play", id="cat.play"),
        Binding("o", "care('groom')", "Groom", id="cat.groom"),
        Binding("e", "care('pet')", "Pet", id="cat.pet"),
        Binding("s", "care('rest')", "Rest", id="cat.rest", show=False),
        Binding("t", "care('train')", "Train", id="cat.train", show=False),
        Binding("x", "care('treat')", "Treat", id="cat.treat", show=False),
        Binding("u", "use_item", "Use item", id="cat.use_item", show=False),
    ]

    def __init__(self, cat_id: int) -> None:
        super().__init__()
        self.cat_id = cat_id
        self.cat: dict[str, Any] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="last-result", classes="summary")
        with VerticalScroll(id="cat-body"):
            with Horizontal(id="cat-top"):
                with Vertical(id="cat-side"):
                    yield Portrait(id="portrait")
                    yield Static(id="cat-identity")
                with Vertical(id="cat-stats"):
                    for label, field in CORE:
                        yield StatBar(label, id=f"stat-{field}")
                    yield Label("Advanced", classes="section")
                    for label, field in ADVANCED:  # skills: low is not a care alert
                        yield StatBar(label, warn=False, id=f"stat-{field}")
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
        parents = {role: cat.get(f"{role}_id") for role in ("sire", "dam")}
        history, insights, sire, dam = await asyncio.gather(
            optional(lambda: self.api.history(self.cat_id)),
            optional(lambda: self.api.insights(self.cat_id)),
            *(optional(partial(self.api.cat, pid)) if pid else _none() for pid in parents.values()),
        )
        return {"cat": cat, "history": history, "insights": insights, "sire": sire, "dam": dam}

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

    def failed(self, exc: CliError) -> None:
        if not self.cat:  # never loaded: say so instead of showing empty bars
            self.query_one("#cat-identity", Static).update(
                f"Cat #{self.cat_id} could not be loaded."
            )

    def action_care(self, action: str) -> None:
        if not self.cat:
            self.notify("This cat has not loaded yet (press r to retry).", severity="warning")
            return
        care(self, self.cat, action, self._cared)

    def _cared(self, summary: str) -> None:
        self.query_one("#last-result", Static).update(summary)

    def action_use_item(self) -> None:
        choose_and_use_item(self, self.cat_id, self.reload)


async def _none() -> None:
    return None


def identity(cat: dict[str, Any]) -> Any:
    care = cat.get("care") or {}
    progress = cat.get("level_progress") or {}
    to_next = progress.get("xp_for_next")
    return kv_table(
        [
            ("Name", cat.get("name", "")),
            ("Breed", humanize(cat.get("breed", ""))),
            ("Personality", humanize(cat.get("personality_type", ""))),
            ("Sex", cat.get("sex", "")),
            (
                "Level",
                f"{cat.get('level', 1)} ({cat.get('experience', 0)} XP"
                + (f", {to_next} to next)" if to_next else ")"),
            ),
            ("Mood", cat.get("mood_label", "")),
            ("Care", f"{care.get('care_score', '')} {care.get('care_band', '')}".strip()),
            ("Needs", ", ".join(care.get("needs") or []) or "nothing"),
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


_PREFERENCE_LABELS = {"activities": "activity", "foods": "food", "times_of_day": "time_of_day"}


def insights_view(data: Any) -> Any:
    """What the server learned about the cat: a summary, top preferences, personality fit."""
    if not isinstance(data, dict) or not data:
        return "No insights yet."
    if "error" in data:
        return f"Insights unavailable: {data['error']}"
    rows: list[tuple[str, Any]] = [
        ("Summary", data.get("summary", "")),
        (
            "Confidence",
            f"{float(data.get('confidence') or 0):.0%} ({data.get('interactions', 0)} interactions)",
        ),
    ]
    if data.get("best_hour") is not None:
        rows.append(("Best hour", f"{int(data['best_hour']):02d}:00"))
    for kind, ranked in (data.get("preferences") or {}).items():
        label = _PREFERENCE_LABELS.get(kind, kind)
        top = [humanize(str(r.get(label, ""))) for r in ranked[:3]]
        if top:
            rows.append((humanize(kind), ", ".join(top)))
    fit = data.get("personality") or {}
    if fit.get("consistency") is not None:
        rows.append(
            (
                "Personality",
                f"{fit['consistency']}% consistent; behaves like {humanize(str(fit.get('behaves_like')))}",
            )
        )
    return kv_table(rows)


def history_view(data: Any) -> Any:
    if isinstance(data, dict) and "error" in data:
        return f"History unavailable: {data['error']}"
    records = data.get("items", data.get("history", [])) if isinstance(data, dict) else data or []
    if not records:
        return "No care recorded yet."
    columns = [("When", "created_at"), ("Action", "name"), ("Changes", "changes")]
    return records_table([_flatten(r) for r in records], columns)


def action_title(name: Any) -> str:
    """`cats.treat` → `Treat`: the action's own word, not the server's internal name."""
    return humanize(str(name or "").rsplit(".", 1)[-1])


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    result = record.get("result")
    changes = record.get("changes") or (result.get("changes") if isinstance(result, dict) else None)
    return {
        "created_at": clock.short(record.get("created_at")),
        "name": action_title(record.get("name") or record.get("action") or record.get("type")),
        "changes": describe_changes(changes) if isinstance(changes, dict) else "",
    }
