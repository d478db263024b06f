"""`purrr account timezone` (issue 16): the clock every time-of-day rule reads. Unset it is the
server's zone, on your own computer the machine's (`TZ`); set, the night window follows it."""

from __future__ import annotations

from pathlib import Path

from tests.cli.user import ok_json, run_purrr, user_env

#: 22:30 in Berlin (summer time), 16:30 in New York.
SUMMER_EVENING = "2026-07-15T20:30:00Z"


def test_the_machine_zone_by_default_and_the_cli_sets_and_shows_it(tmp_path: Path) -> None:
    env = user_env(tmp_path, PURRR_NOW=SUMMER_EVENING, TZ="Europe/Berlin")

    clock = ok_json(run_purrr(env, "account", "timezone", "--json"))
    assert clock["timezone"] is None and clock["effective_timezone"] == "Europe/Berlin"
    assert clock["local_time"] == "2026-07-15T22:30:00+02:00"
    window = ok_json(run_purrr(env, "nightwatch", "status", "--json"))["window"]
    assert window["open"] is True and window["local_time"] == "22:30"

    done = run_purrr(env, "account", "timezone", "America/New_York")
    assert done.returncode == 0, done.stderr
    assert "Your time zone is America/New_York." in done.stderr
    assert "effective_timezone\tAmerica/New_York" in done.stdout
    window = ok_json(run_purrr(env, "nightwatch", "status", "--json"))["window"]
    assert window["open"] is False and window["local_time"] == "16:30"
    shown = run_purrr(env, "account", "timezone")
    assert shown.returncode == 0 and "timezone\tAmerica/New_York" in shown.stdout

    refused = run_purrr(env, "account", "timezone", "Mars/Base")
    assert refused.returncode == 1 and "unknown time zone 'Mars/Base'" in refused.stderr
    both = run_purrr(env, "account", "timezone", "UTC", "--clear")
    assert both.returncode == 2 and "--clear" in both.stderr

    cleared = ok_json(run_purrr(env, "account", "timezone", "--clear", "--json"))
    assert cleared["timezone"] is None and cleared["effective_timezone"] == "Europe/Berlin"


def test_the_server_zone_setting_and_its_old_name(tmp_path: Path) -> None:
    for name in ("PURRR_TIMEZONE", "PURRR_QUEST_TIMEZONE"):
        (tmp_path / name).mkdir()
        env = user_env(tmp_path / name, PURRR_NOW=SUMMER_EVENING, **{name: "Europe/Berlin"})
        clock = ok_json(run_purrr(env, "account", "timezone", "--json"))
        assert clock["server_timezone"] == "Europe/Berlin", name
