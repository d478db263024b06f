"""Health-device alerts (docs/devices.md) on the dashboard: in the cat's needs, on its card, and
as a toast when one arrives live."""

from __future__ import annotations

from typing import Any

from purrr_cli.client import Client
from purrr_cli.tui.widgets.cat_card import CatCard
from purrr_cli.tui.widgets.cat_table import CatTable
from tests.tui.conftest import text_of
from tests.tui.pilot import settle


def collar(client: Client, cat_id: int) -> tuple[int, str]:
    device = client.post(f"cats/{cat_id}/devices", {"device_type": "collar_sensor"})
    return int(device["id"]), str(device["device_key"])


def reading(client: Client, cat_id: int, device: tuple[int, str], heart_rate: int) -> Any:
    response = client.send(
        "POST",
        f"cats/{cat_id}/devices/{device[0]}/readings",
        json={"heart_rate_bpm": heart_rate, "temperature_f": 101.5},
        headers={"X-Device-Key": device[1]},
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def row_text(table: CatTable, cat_id: int) -> str:
    return " ".join(cell.plain for cell in table.get_row(str(cat_id)))


async def test_an_alert_raised_before_opening_shows_in_needs_and_card(
    make_app: Any, cats: Any, client: Client
) -> None:
    mittens, bandit = cats[0]["id"], cats[1]["id"]
    assert reading(client, mittens, collar(client, mittens), 231)["alerts"]
    reading(client, bandit, collar(client, bandit), 180)  # healthy: no alert
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CatTable)
        assert "⚠ heart rate" in row_text(table, mittens)  # cut with … at this width
        assert "heart rate" not in row_text(table, bandit)
        card = text_of(app.screen.query_one(CatCard))
        assert "heart rate 231 bpm is above 220" in card
        await pilot.press("down")  # Bandit's card has no alert
        await pilot.pause()
        assert "above 220" not in text_of(app.screen.query_one(CatCard))


async def test_a_live_alert_is_a_toast_and_marks_the_cat(
    make_app: Any, cats: Any, client: Client
) -> None:
    luna = cats[2]["id"]
    device = collar(client, luna)
    app = make_app(live=True, poll_interval=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        # The screen loaded and the live feed answered (from then on, events are news).
        while app.screen.loads_finished == 0 or app.connection is None:
            await pilot.pause(0.05)
        table = app.screen.query_one(CatTable)
        assert "heart rate" not in row_text(table, luna)
        reading(client, luna, device, 120)
        for _ in range(100):
            await pilot.pause(0.05)
            if "heart rate low" in row_text(table, luna):
                break
        assert "heart rate low" in row_text(table, luna)
        toasts = [n.message for n in app._notifications if n.severity == "warning"]
        assert "Health alert: Luna: heart rate 120 bpm is below 140 (collar sensor)." in toasts
