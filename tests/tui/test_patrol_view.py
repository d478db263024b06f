"""The one patrol renderable, shared by `purrr nightwatch status` and the dashboard."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from purrr_cli.render.patrol import PatrolView, event_line, local_clock

PATROL: dict[str, Any] = {
    "id": 4,
    "status": "completed",
    "area": "park",
    "utc_offset_minutes": -300,
    "ends_at": "2025-04-13T11:00:00Z",
    "ticks_done": 16,
    "ticks_total": 16,
    "night": {"weather": "clear", "season": "spring"},
    "summary": {"encounters": 1, "deterred": 1, "strays_saved": 2, "coins_earned": 45},
    "results": [
        {
            "name": "A cat with a very long name that goes on and on",
            "role": "guardian",
            "xp": 30,
            "role_xp": 12,
            "bobcats_deterred": 1,
            "strays_saved": 0,
            "injuries": 0,
        }
    ],
    "events": [
        {"at": "2025-04-13T02:00:00Z", "kind": "deployed", "message": "Deployed 1 cat(s)."},
        {"at": "2025-04-13T03:30:00Z", "kind": "encounter", "message": "Bobcat — deterred"},
        {"at": "2025-04-13T11:00:00Z", "kind": "completed", "message": "Patrol complete."},
    ],
}


def plain(renderable: Any, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_times_are_the_servers_local_time() -> None:
    assert local_clock("2025-04-13T02:00:00Z", -300) == "21:00"
    assert local_clock("2025-04-12T23:30:00+00:00", 90) == "01:00"
    assert local_clock(None) == ""


def test_every_event_kind_is_a_whole_word() -> None:
    shown = plain(PatrolView(PATROL))
    assert "21:00 OUT" in shown and "22:30 BOBCAT" in shown and "06:00 HOME" in shown
    assert "COMPLE" not in shown and "ends 06:00" in shown
    assert event_line({"kind": "rescue_party", "at": None, "message": "x"}).plain.startswith(
        "      RESCUE_PARTY x"
    )


def test_long_cat_names_are_cut_not_wrapped() -> None:
    lines = plain(PatrolView(PATROL), width=60).splitlines()
    row = next(line for line in lines if line.startswith("A cat"))
    assert "…" in row and "guardian" in row
