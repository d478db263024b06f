"""Breeding lab (`b`): pick sire and dam, see compatibility, COI and the exact kitten distribution."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from rich.console import Group
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Select, Static

from purrr_cli.tui import clock
from purrr_cli.tui.screens.base import PurrrScreen, optional
from purrr_cli.tui.widgets.info import kv_table, records_table
from purrr_cli.tui.widgets.records import Column, RecordTable, records_of, shorten

METHODS = (
    ("Natural (free)", "natural"),
    ("AI assisted", "ai_assisted"),
    ("Genetic enhancement", "genetic_enhancement"),
)
PAIR_COLUMNS: list[Column] = [
    ("Sire", "sire_name"),
    ("Dam", "dam_name"),
    ("Fit", "compatibility"),
    ("Now", lambda p: "ready" if p.get("can_breed", True) else "blocked"),
]
BREEDING_COLUMNS: list[Column] = [
    ("Sire", "sire_name"),
    ("Dam", "dam_name"),
    ("Method", "method"),
    ("Status", "status"),
    ("Ready", lambda b: clock.short(b.get("estimated_completion"), compact=True)),
]


class BreedingScreen(PurrrScreen):
    """Predictions come from the server's genetics engine; nothing is computed here."""

    HELP = """\
# Breeding lab

Choose a **sire** (male) and a **dam** (female): the lab shows their compatibility (0–100,
**Fit** in the pairs table; breeding is blocked below 20), the kittens' inbreeding coefficient (COI) and the exact
distribution of kitten coats. Choose a method (natural is free; the others cost coins and
succeed more often) and press **s** to start. Kittens arrive when the breeding completes;
the list below updates by itself. The suggested pairs table ranks your best matches, the
ones that can breed now first (**Now** says ready or blocked; the prediction says why):
select one with **Enter** to load it.
"""
    MODE = "breeding"
    LIVE_EVENTS = ("breeding.", "cat.adopted", "cat.born")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "breed", "Start breeding", id="breeding.start"),
        Binding("enter", "use_pair", "Use pair", id="breeding.use_pair", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cats: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="breed-pick"):
            with Vertical():
                yield Label("Sire")
                yield Select([], prompt="choose a male", id="sire")
            with Vertical():
                yield Label("Dam")
                yield Select([], prompt="choose a female", id="dam")
            with Vertical():
                yield Label("Method")
                yield Select(METHODS, value="natural", allow_blank=False, id="method")
        with Horizontal(id="breed-body"):
            yield Static("Choose a pair to see the prediction.", id="prediction")
            with Vertical(id="breed-lists"):
                yield Label("Suggested pairs", classes="section")
                yield RecordTable(PAIR_COLUMNS, key="rank", max_width=11, id="pairs")
                yield Label("Breedings", classes="section")
                yield RecordTable(BREEDING_COLUMNS, max_width=11, id="breedings")

    async def fetch(self) -> dict[str, Any]:
        cats, pairs, breedings = await asyncio.gather(
            self.api.cats(), optional(self.api.breeding_pairs), optional(self.api.breedings)
        )
        return {"cats": cats, "pairs": pairs, "breedings": breedings}

    def show(self, data: dict[str, Any]) -> None:
        self.cats = data["cats"]
        self.purrr.remember_cats(self.cats)
        names = {cat["id"]: cat["name"] for cat in self.cats}
        for select_id, sex in (("#sire", "male"), ("#dam", "female")):
            select = self.query_one(select_id, Select)
            current = select.value
            options = [(shorten(c["name"]), c["id"]) for c in self.cats if c.get("sex") == sex]
            select.set_options(options)
            if any(value == current for _, value in options):
                select.value = current
        pairs = [
            {
                **pair,
                "rank": index,
                "sire_name": names.get(pair.get("sire_id"), pair.get("sire_id")),
                "dam_name": names.get(pair.get("dam_id"), pair.get("dam_id")),
            }
            for index, pair in enumerate(ranked_pairs(records_of(data["pairs"], "pairs")))
        ]
        self.query_one("#pairs", RecordTable).set_records(pairs)
        breedings = [
            {
                **b,
                "sire_name": names.get(b.get("sire_id"), b.get("sire_id")),
                "dam_name": names.get(b.get("dam_id"), b.get("dam_id")),
            }
            for b in records_of(data["breedings"], "breedings")
        ]
        self.query_one("#breedings", RecordTable).set_records(breedings)

    def _pair(self) -> tuple[int, int] | None:
        sire, dam = self.query_one("#sire", Select).value, self.query_one("#dam", Select).value
        if isinstance(sire, int) and isinstance(dam, int):
            return sire, dam
        return None

    def on_select_changed(self, event: Select.Changed) -> None:
        pair = self._pair()
        if event.select.id in ("sire", "dam", "method") and pair:
            method = str(self.query_one("#method", Select).value)
            self.call(self.api.predict(*pair, method), self._show_prediction)

    def _show_prediction(self, prediction: dict[str, Any]) -> None:
        self.query_one("#prediction", Static).update(prediction_view(prediction))

    def action_use_pair(self) -> None:
        pair = self.query_one("#pairs", RecordTable).selected()
        if pair:
            self.query_one("#sire", Select).value = pair["sire_id"]
            self.query_one("#dam", Select).value = pair["dam_id"]

    def on_data_table_row_selected(self) -> None:
        self.action_use_pair()

    def action_breed(self) -> None:
        pair = self._pair()
        if pair is None:
            self.notify("Choose a sire and a dam first.", severity="warning")
            return
        body = {
            "sire_id": pair[0],
            "dam_id": pair[1],
            "method": self.query_one("#method", Select).value,
        }
        self.call(self.api.breed(body), self._started)

    def _started(self, result: dict[str, Any]) -> None:
        ready = clock.short(result.get("estimated_completion"))
        self.notify(f"Breeding started; kittens expected {ready or 'soon'}.")
        self.reload()


def ranked_pairs(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs that can breed now first (in the server's order), blocked ones after them."""
    return sorted(pairs, key=lambda pair: not pair.get("can_breed", True))


def prediction_view(prediction: dict[str, Any]) -> Any:
    """Compatibility, COI, success and the exact kitten distribution, as the server computed them."""
    rows: list[tuple[str, Any]] = [
        ("Pair", f"{prediction.get('sire_name', '')} × {prediction.get('dam_name', '')}"),
        ("Compatibility", f"{prediction.get('compatibility', '?')}/100"),
        (
            "Kitten COI",
            f"{prediction.get('coi_fraction', '0')} ({float(prediction.get('coi') or 0):.4f})",
        ),
        (
            "Success",
            f"{float(prediction.get('success_rate') or 0):.0%} ({prediction.get('method', '')})",
        ),
        ("Cost", f"{prediction.get('cost', 0)} coins"),
    ]
    if not prediction.get("can_breed", True):
        rows.append(("Blocked", prediction.get("blocked_reason") or "yes"))
    traits = [
        {"name": t.get("name"), "chance": f"{t.get('probability')} ({float(t.get('p') or 0):.1%})"}
        for t in prediction.get("predicted_traits") or []
    ]
    return Group(
        kv_table(rows), records_table(traits, [("Kitten coat", "name"), ("Chance", "chance")])
    )
