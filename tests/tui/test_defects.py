"""One Pilot test per defect of issue 20: what the player saw, now fixed (against the real server)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Checkbox, Footer, Select, Static

from purrr_cli import config
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp, event_notice
from purrr_cli.tui.run import build_app
from purrr_cli.tui.screens.cat import CatScreen
from purrr_cli.tui.screens.cats import CatsScreen
from purrr_cli.tui.screens.deploy import DeployDialog
from purrr_cli.tui.screens.form import FormDialog
from purrr_cli.tui.screens.help import HelpScreen
from purrr_cli.tui.widgets.bars import NO_COLOR_STYLES, StatBar, bar_text
from purrr_cli.tui.widgets.cat_table import CatTable
from purrr_cli.tui.widgets.records import RecordTable
from purrr_cli.tui.widgets.topbar import TopBar
from tests.tui.conftest import text_of
from tests.tui.pilot import settle
from tests.tui.test_app import FlakyClient

#: The longest kind of name the server accepts in practice (52 characters).
LONG_NAME = "Sir Reginald Fluffington the Third of Whiskerton Mano"


def column(table: CatTable, row: int, label: str) -> Any:
    """The cell of `row` under the column headed `label`."""
    labels = [str(c.label) for c in table.ordered_columns]
    return table.get_cell_at((row, labels.index(label)))


def notifications(app: PurrrApp, severity: str | None = None) -> list[str]:
    return [n.message for n in app._notifications if severity in (None, n.severity)]


# --- long names never push columns off screen ----------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_long_name_keeps_every_column_on_screen(make_app, cats, client, size) -> None:
    client.post("cats", {"name": LONG_NAME, "personality_type": "lazy"})
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CatTable)
        labels = [str(column.label) for column in table.ordered_columns]
        for label in ("Name", "Fed", "Health", "Clean", "Doing · needs"):
            assert label in labels
        used = sum(column.get_render_width(table) for column in table.ordered_columns)
        assert used <= table.size.width, f"{used} cells of columns in a {table.size.width} table"
        name = column(table, 3, "Name").plain
        assert name.endswith("…") and name[:-1] in LONG_NAME


async def test_long_names_are_cut_in_the_breeding_tables(make_app, client) -> None:
    client.post("cats", {"name": LONG_NAME, "personality_type": "lazy", "sex": "male"})
    client.post("cats", {"name": "Luna", "personality_type": "curious", "sex": "female"})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await settle(pilot)
        pairs = app.screen.query_one("#pairs", RecordTable)
        sire = pairs.get_cell_at((0, 0))
        assert str(sire).endswith("…") and len(str(sire)) == 11


async def test_a_table_is_as_wide_as_its_cells_in_the_frame_its_rows_arrive() -> None:
    """A busy machine painted a frame between a table's new rows and its idle-time measuring:
    every column cut to its header (a flaky snapshot of the games screen showed it). The
    widths now come with the rows."""
    from textual.app import App, ComposeResult

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield RecordTable([("Game", "name"), ("Pays", "currency")], id="t")

    app = One()
    async with app.run_test(size=(80, 10)):
        table = app.query_one("#t", RecordTable)
        table.set_records([{"id": 1, "name": "Enhanced Paw Match", "currency": "crypto"}])
        # no pause: the table has not been idle since
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        padding = 2 * table.cell_padding
        assert widths == [len("Enhanced Paw Match") + padding, len("crypto") + padding]
        table.set_records([{"id": 2, "name": "Yarn", "currency": "coins"}])
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert widths == [len("Game") + padding, len("coins") + padding]


# --- without colour --------------------------------------------------------------------------


def test_a_low_stat_is_marked_by_text_and_weight_without_colour() -> None:
    low = bar_text(12, 6, styles=NO_COLOR_STYLES)
    assert low.plain.endswith(" 12!")
    (warning,) = [span for span in low.spans if "!" in low.plain[span.start : span.end]]
    assert "bold" in str(warning.style) and "reverse" in str(warning.style)
    assert "dim" not in "".join(str(span.style) for span in low.spans)
    fine = bar_text(80, 6, styles=NO_COLOR_STYLES)
    assert not fine.plain.endswith("!")


async def test_no_color_app_uses_the_no_colour_styles(make_app, cats, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.no_color
        fed = column(app.screen.query_one(CatTable), 0, "Fed")  # hunger 0: a need
        assert fed.plain.endswith("0!")
        assert any("reverse" in str(span.style) for span in fed.spans)


async def test_bars_follow_the_theme(make_app, cats) -> None:
    app = make_app(theme="purrr-light")
    async with app.run_test() as pilot:
        await settle(pilot)
        fed = column(app.screen.query_one(CatTable), 0, "Fed")
        assert any("#c0282d" in str(span.style).lower() for span in fed.spans)  # the theme's error


# --- the deploy dialog at 80×24 ----------------------------------------------------------------


async def test_deploy_dialog_scrolls_and_always_shows_how_to_confirm(make_app, client) -> None:
    for index in range(10):
        client.post("cats", {"name": f"Cat {index}", "personality_type": "lazy"})
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DeployDialog)
        for widget_id in ("#form-ok", "#form-cancel", "#dialog-hint"):
            region = dialog.query_one(widget_id).region
            assert region.height and region.bottom <= 24, f"{widget_id} is off screen: {region}"
        assert "^s deploy" in text_of(dialog.query_one("#dialog-hint")).lower()
        assert "esc cancel" in text_of(dialog.query_one("#dialog-hint")).lower()
        body = dialog.query_one(".dialog-body")
        assert body.virtual_size.height > body.size.height  # more cats than room: it scrolls
        last = dialog.query(Checkbox).last()
        last.focus()
        await pilot.press("space")
        await pilot.pause()
        assert body.scroll_y > 0 and last.region.bottom <= body.region.bottom
        assert str(last.label).startswith("[x] Cat 9")  # the tick survives as text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [c["name"] for c in client.get("night-watch/status")["patrol"]["cats"]] == ["Cat 9"]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_long_name_in_the_deploy_dialog_keeps_its_energy_whole(
    make_app, client, size
) -> None:
    """Seen in tmux: a 52-character name pushed the energy out, "(energy 10…" for 100, when
    the list scrolls (its scroll bar takes two columns)."""
    name = "Sir Reginald Fluffington the Third of Whiskerton Hall"
    for cat in (name, "Whiskers", "Luna", "Shadow", "Pepper", "Biscuit", "Tiger"):
        client.post("cats", {"name": cat, "personality_type": "territorial"})
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        tick = app.screen.query(Checkbox).first()
        assert str(tick.label) == "[ ] Sir Reginald Fl… (energy 100)"
        # The toggle ("▐X▌ ") and the whole label fit the checkbox: nothing is cut.
        assert 4 + tick.label.cell_length <= tick.content_region.width, tick.content_region


async def test_busy_cats_cannot_be_deployed(make_app, cats, client) -> None:
    client.post("night-watch/deploy", {"cat_ids": [cats[0]["id"]]})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        busy = app.screen.query_one(f"#pick-{cats[0]['id']}", Checkbox)
        assert busy.disabled and "on patrol" in str(busy.label)
        assert not app.screen.query_one(f"#pick-{cats[1]['id']}", Checkbox).disabled


# --- Night Watch ------------------------------------------------------------------------------


async def test_running_patrol_replaces_the_empty_line(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert "No patrol tonight" in text_of(app.screen.query_one("#nw-patrol"))
        client.post("night-watch/deploy", {"cat_ids": [cats[1]["id"]]})
        await pilot.press("r")
        await settle(pilot)
        shown = text_of(app.screen.query_one("#nw-patrol"))
        assert "No patrol tonight" not in shown
        assert "22:00 OUT" in shown and "Bandit" in shown


@pytest.mark.parametrize("server_settings", [{"night_watch": {"utc_offset_minutes": 60}}])
async def test_patrol_times_are_server_local(make_app, cats, client) -> None:
    client.post("night-watch/deploy", {"cat_ids": [cats[1]["id"]]})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        window = text_of(app.screen.query_one("#nw-window"))
        shown = text_of(app.screen.query_one("#nw-patrol"))
        assert "your time 23:00" in window
        assert "23:00 OUT" in shown and "22:00 OUT" not in shown  # 22:00 UTC is 23:00 there


async def test_expired_alerts_are_not_offered(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        alerts = app.screen.query_one("#nw-alerts", RecordTable)
        expired = {
            "id": 7,
            "level": "high",
            "message": "Bobcat sighted in the park (high threat)",
            "raised_at": "2025-04-12T21:00:00Z",
            "open": False,
            "responded_at": None,
        }
        alerts.set_records([expired])
        assert str(alerts.get_cell_at((0, 0))) == "expired"
        await pilot.press("a")
        await settle(pilot)
        assert any("it has expired" in m for m in notifications(app, "warning"))
        assert client.get("night-watch/alerts") == []  # nothing was sent


async def test_zone_toast_names_the_zone(make_app, cats) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("z")
        app.screen.query_one("#field-type", Select).value = "motion_sensor"
        await pilot.click("#field-name")
        await pilot.press(*"Gate", "ctrl+s")
        await settle(pilot)
        assert any(m.startswith("Zone Gate (Motion sensor) built") for m in notifications(app)), (
            notifications(app)
        )


# --- honest states -----------------------------------------------------------------------------


async def test_a_gone_server_shows_no_false_zeros(client, cats) -> None:
    flaky = FlakyClient(client)
    app = PurrrApp(PurrrApi(flaky), live=False)
    async with app.run_test() as pilot:
        await settle(pilot)
        flaky.down = True
        app.open_cat(cats[0]["id"])
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatScreen)
        assert all(bar.value is None for bar in screen.query(StatBar))
        assert "not loaded" in screen.query_one("#stat-health", StatBar).render().plain
        assert "could not be loaded" in text_of(screen.query_one("#cat-identity"))
        assert "Server unreachable" in text_of(screen.query_one("#load-error"))
        await pilot.press("e")
        assert any("not loaded yet" in m for m in notifications(app, "warning"))
        await pilot.press("n")
        await settle(pilot)
        assert "could not be loaded" in text_of(app.screen.query_one("#nw-patrol"))
        assert "Loading" not in text_of(app.screen.query_one("#nw-patrol"))


async def test_unreachable_server_is_an_error_not_loading_forever(purrr_env) -> None:
    app = build_app(server="http://127.0.0.1:9")
    app.live = False
    async with app.run_test() as pilot:
        await settle(pilot)
        summary = text_of(app.screen.query_one("#cats-summary"))
        assert "Loading" not in summary and "could not be loaded" in summary
        error = app.screen.query_one("#load-error", Static)
        assert error.display and "Server unreachable" in text_of(error)
        assert "offline" in app.screen.query_one(TopBar).render().plain


async def test_a_failed_action_is_always_reported(client, cats) -> None:
    flaky = FlakyClient(client)
    app = PurrrApp(PurrrApi(flaky), live=False)
    async with app.run_test() as pilot:
        await settle(pilot)
        flaky.down = True
        await pilot.press("e")  # pet the highlighted cat, with the server gone
        await settle(pilot)
        assert any("Nothing was done" in m for m in notifications(app, "error"))


# --- help, palette, footer ---------------------------------------------------------------------


async def test_help_lists_game_keys_first_and_q_for_quit(make_app, cats) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app.screen.query_one("#help-keys"))
        assert keys.index("Feed") < keys.index("Everywhere") < keys.index("Night Watch")
        assert "Cursor" not in keys and "^q" not in keys
        assert any(line.split() == ["q", "Quit"] for line in keys.splitlines())


async def test_palette_finds_feed_for_every_cat_and_no_widget_keys(make_app, cats) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Feed Luna")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog) and app.screen.form_title == "Feed Luna"
        await pilot.press("escape")
        titles = [title for title, _, _ in _palette_commands(app)]
        assert "Deploy Bandit on Night Watch" in titles and "Play with Mittens" in titles
        assert not [t for t in titles if "Cursor" in t or "Scroll" in t]


def _palette_commands(app: PurrrApp) -> list[tuple[str, str, Any]]:
    from purrr_cli.tui.commands import PurrrCommands

    provider = PurrrCommands(app.screen)
    return list(provider._commands())


async def test_palette_deploys_a_cat(make_app, cats) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.deploy(cats[2]["id"])
        await settle(pilot)
        assert isinstance(app.screen, DeployDialog)
        assert app.screen.query_one(f"#pick-{cats[2]['id']}", Checkbox).value


@pytest.mark.parametrize("key", ["c", "n", "b", "g", "w", "cat"])
async def test_footer_fits_80_columns(make_app, cats, key) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if key == "cat":
            app.open_cat(cats[0]["id"])
        else:
            await pilot.press(key)
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        *keys, palette = list(footer.children)
        assert max(k.region.right for k in keys) <= palette.region.x
        assert any("Quit" in str(k.render()) for k in keys)


# --- words, not internal names -----------------------------------------------------------------


async def test_history_and_toasts_use_words(make_app, cats, client) -> None:
    cat_id = cats[0]["id"]
    client.post(f"cats/{cat_id}/treat", {"kind": "catnip"})
    client.post(f"cats/{cat_id}/feed", {"food_item": "salmon"})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_cat(cat_id)
        await settle(pilot)
        history = text_of(app.screen.query_one("#cat-history"))
        assert "Treat" in history and "cats.treat" not in history
        assert "satiation +" in history and "hunger" not in history
        assert "Sat 12 Apr 22:00" in history and "T22:00" not in history


async def test_charge_expiry_is_readable(make_app, cats) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("d")
        app.screen.query_one("#field-amount_usd").value = "10"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        charge = text_of(app.screen.query_one("#charge"))
        assert "Expires" in charge and "2025-04" not in charge


# --- choices that are the player's -----------------------------------------------------------


async def test_theme_choice_is_saved(purrr_env) -> None:
    app = build_app()
    app.live = False
    async with app.run_test() as pilot:
        await settle(pilot)
        assert config.load().get("theme") != "purrr-light"  # opening saves nothing
        app.theme = "purrr-light"
        await pilot.pause()
    assert config.load()["theme"] == "purrr-light"
    again = build_app()
    again.live = False
    async with again.run_test() as pilot:
        await pilot.pause()
        assert again.theme == "purrr-light"


async def test_quest_reward_asks_which_cat(make_app, cats, client) -> None:
    client.post(f"cats/{cats[0]['id']}/feed", {"food_item": "salmon"})  # completes "First Meal"
    before = client.get(f"cats/{cats[2]['id']}")["experience"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")
        await settle(pilot)
        quests = app.screen.query_one("#quests", RecordTable)
        quests.move_cursor(row=[q["id"] for q in quests.records].index("first_meal"))
        await pilot.press("l")
        assert isinstance(app.screen, FormDialog)
        assert app.screen.form_title.startswith("Claim First Meal")
        app.screen.query_one("#field-cat_id", Select).value = cats[2]["id"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert client.get(f"cats/{cats[2]['id']}")["experience"] > before
        claimed = {q["id"]: q["claimed"] for q in client.get("quests")}
        assert claimed["first_meal"]


# --- the home ----------------------------------------------------------------------------------


async def test_home_quick_actions_care_for_the_focused_cat(make_app, cats, client) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("down", "e")  # pet Bandit without opening him
        await settle(pilot)
        assert isinstance(app.screen, CatsScreen)
        names = [e["name"] for e in client.get(f"cats/{cats[1]['id']}/history")]
        assert "cats.pet" in names
        assert "Pet Bandit" in text_of(app.screen.query_one("#cats-summary"))
        await pilot.press("f")
        assert isinstance(app.screen, FormDialog) and app.screen.form_title == "Feed Bandit"


async def test_header_and_rows_show_what_is_happening(make_app, cats, client) -> None:
    client.post("night-watch/deploy", {"cat_ids": [cats[1]["id"]]})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await settle(pilot)
        header = app.screen.query_one(TopBar).render().plain
        assert "1000 coins" in header and "patrol out 0/16 (home 06:00)" in header
        row = app.screen.query_one(CatTable).get_row(str(cats[1]["id"]))
        assert row[-1].plain.startswith("on patrol")


def test_notices_for_what_happens_elsewhere() -> None:
    seen: dict[int, tuple[int, int]] = {}
    tick = {"patrol_id": 1, "so_far": {"deterred": 1, "strays_saved": 0}}
    assert event_notice("nightwatch.tick", tick, [], seen)[0] == (
        "Night Watch: 1 bobcat(s) deterred."
    )
    assert event_notice("nightwatch.tick", tick, [], seen)[0] == ""  # told once
    born = event_notice("cat.born", {"name": "Kitten 3"}, [], seen)
    assert born[0] == "A kitten is born: Kitten 3!"
    cats = [{"id": 4, "name": "Luna"}]
    sick = event_notice("cat.cared", {"cat_id": 4, "new_stats": {"health": 12}}, cats, seen)
    assert sick == ("Health alert: Luna is at 12 health.", "warning")
    assert "claim" in event_notice("quest.completed", {"quest_id": "x"}, [], seen)[0]


def test_pairs_that_can_breed_come_first() -> None:
    from purrr_cli.tui.screens.breeding import ranked_pairs

    pairs = [
        {"sire_id": 1, "dam_id": 2, "can_breed": False},
        {"sire_id": 3, "dam_id": 2, "can_breed": True},
        {"sire_id": 1, "dam_id": 4, "can_breed": True},
    ]
    assert [p["sire_id"] for p in ranked_pairs(pairs)] == [3, 1, 1]
    assert ranked_pairs(pairs)[-1]["can_breed"] is False


@pytest.mark.parametrize("mode", ["rooms", "nightwatch"])
async def test_a_screen_key_typed_after_quit_closes_cleanly(make_app, cats, mode) -> None:
    """Seen in tmux: `q` then `m` in one burst of input ended in a NoMatches traceback (the new
    screen resumed while the app closed, before it was composed)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_quit_purrr()
        app.action_go(mode)  # the next key of the burst, handled before the app is gone
        await pilot.pause(0.3)
    assert app.return_code == 0
