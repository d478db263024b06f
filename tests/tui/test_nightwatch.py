"""Night Watch screen: window line, deploy with roles, live timeline, zones, errors."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Select, Static

from purrr_cli.tui.screens.deploy import DeployDialog
from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.screens.nightwatch import NightWatchScreen
from purrr_cli.tui.widgets.records import RecordTable
from tests.tui.conftest import text_of
from tests.tui.pilot import settle


async def test_window_and_empty_patrol(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NightWatchScreen)
        window = text_of(app.screen.query_one("#nw-window", Static))
        assert "Window OPEN" in window and "closes in 8h 00m" in window
        assert app.screen.query_one("#nw-zones", RecordTable).row_count == 1  # Home Base


@pytest.mark.parametrize(
    "server_settings",
    [{"night_watch": {"start_hour": 20, "end_hour": 4, "utc_offset_minutes": 60}}],
)
async def test_window_line_is_the_servers(make_app, cats, client) -> None:
    """The server's window is configurable: the line shows the one its status reports."""
    window = client.get("night-watch/status")["window"]
    assert (window["start"], window["end"], window["local_time"]) == ("20:00", "04:00", "23:00")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        line = text_of(app.screen.query_one("#nw-window", Static))
        assert "Window OPEN (20:00–04:00, your time 23:00)" in line
        assert "closes in 5h 00m" in line


async def test_deploy_with_a_chosen_role(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, DeployDialog)
        app.screen.query_one(f"#pick-{cats[0]['id']}", Checkbox).value = True
        app.screen.query_one(f"#pick-{cats[2]['id']}", Checkbox).value = True
        app.screen.query_one(f"#role-{cats[2]['id']}", Select).value = "healer"
        app.screen.query_one("#area", Select).value = "alley"
        await pilot.press("ctrl+s")
        await settle(pilot)
        status = client.get("night-watch/status")
        assert status["patrol"]["area"] == "alley"
        assert status["patrol"]["roles"][str(cats[2]["id"])] == "healer"
        assert "OUT" in text_of(app.screen.query_one("#nw-patrol"))  # the deployed event


async def test_deploy_needs_a_cat(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("d", "ctrl+s")
        assert isinstance(app.screen, DeployDialog)
        assert "at least one cat" in text_of(app.screen.query_one("#form-error"))


async def test_zone_purchase_and_refusal(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        client.post(
            "night-watch/zones",
            {"type": "cat_condo", "name": "Condo", "location": "garden", "radius": 50},
        )
        for name in ("Sensor", "Condo 2"):  # 500 + 200 spent, 300 left: a second condo is refused
            await pilot.press("z")
            assert isinstance(app.screen, FormDialog)
            kind = "motion_sensor" if name == "Sensor" else "cat_condo"
            app.screen.query_one("#field-type", Select).value = kind
            await pilot.click("#field-name")
            await pilot.press(*name, "ctrl+s")
            await settle(pilot)
        zones = [z["name"] for z in client.get("night-watch/zones")]
        assert "Sensor" in zones and "Condo" in zones and "Condo 2" not in zones
        assert [n for n in app._notifications if n.severity == "error"]


async def test_recall_without_patrol_warns(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("x")
        assert any("No active patrol" in n.message for n in app._notifications)


async def test_deploy_with_keyboard_only(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("d", "tab", "space", "tab", "tab", "space", "ctrl+s")
        await settle(pilot)
        patrol = client.get("night-watch/status")["patrol"]
        assert [c["name"] for c in patrol["cats"]] == ["Mittens", "Bandit"]


async def test_a_second_patrol_is_refused_naming_the_first(make_app, cats, client) -> None:
    first = client.post("night-watch/deploy", {"cat_ids": [cats[0]["id"]]})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("d")
        assert isinstance(app.screen, DeployDialog)
        app.screen.query_one(f"#pick-{cats[2]['id']}", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert any(
            f"patrol #{first['id']} is already under way with Mittens" in m for m in errors
        ), errors
        patrols = client.get("night-watch/status")["patrols"]
        assert [p["id"] for p in patrols] == [first["id"]]
