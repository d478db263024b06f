"""The one settings object: built once per app from keyword arguments and the environment, its
sections (`night_watch`, `economy`) read from their own variables, and never read again."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi import FastAPI

from purrr_server.settings import Settings, variable_for
from tests.server.conftest import _serve, make_settings


def test_sections_read_their_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PURRR_NIGHT_WATCH_START_HOUR", "20")
    monkeypatch.setenv("PURRR_USD_RATES", '{"BTC": "70000"}')
    monkeypatch.setenv("PURRR_QUEST_TIMEZONE", "Europe/Paris")
    settings = Settings(data_dir=tmp_path, night_watch={"max_cats": 2})
    # keyword arguments and the environment merge within a section
    assert settings.night_watch.config().start_hour == 20
    assert settings.night_watch.config().max_cats == 2
    assert settings.night_watch.config().end_hour == 6  # the rules table's
    assert settings.economy.rates["BTC"] == Decimal("70000")
    assert settings.timezone == "Europe/Paris"  # PURRR_QUEST_TIMEZONE: the old name
    # read once: later changes to the environment do not reach a built object
    monkeypatch.setenv("PURRR_NIGHT_WATCH_START_HOUR", "22")
    assert settings.night_watch.config().start_hour == 20
    assert Settings(data_dir=tmp_path).night_watch.config().start_hour == 22


def test_error_locations_name_the_variable() -> None:
    assert variable_for(("night_watch", "max_cats")) == "PURRR_NIGHT_WATCH_MAX_CATS"
    assert variable_for(("economy", "usd_rates")) == "PURRR_USD_RATES"
    assert variable_for(("usd_rates",)) == "PURRR_USD_RATES"
    assert variable_for(("pinned_now",)) == "PURRR_NOW"
    assert variable_for(("port",)) == "PURRR_PORT"


async def test_the_app_keeps_the_settings_it_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., FastAPI]
) -> None:
    settings = make_settings(tmp_path / "data", night_watch={"start_hour": 19})
    app = make_app(settings)
    monkeypatch.setenv("PURRR_NIGHT_WATCH_START_HOUR", "3")
    token = settings.token_path.read_text().strip()
    async for client in _serve(app, {"Authorization": f"Bearer {token}"}):
        r = await client.get("/api/v1/night-watch/status")
        assert r.status_code == 200, r.text
        assert r.json()["data"]["window"]["start"] == "19:00"


def test_one_time_zone_setting_with_its_old_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from purrr_server.services.timezones import server_zone

    monkeypatch.delenv("PURRR_QUEST_TIMEZONE", raising=False)
    monkeypatch.setenv("TZ", "America/New_York")
    assert str(server_zone(Settings(data_dir=tmp_path))) == "America/New_York"  # the machine's
    monkeypatch.setenv("PURRR_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("PURRR_NIGHT_WATCH_UTC_OFFSET_MINUTES", "60")
    settings = Settings(data_dir=tmp_path)
    assert str(server_zone(settings)) == "Europe/Berlin"  # named zones win over the old offset
    assert settings.night_watch.config(server_zone(settings)).tz == server_zone(settings)
    monkeypatch.delenv("PURRR_TIMEZONE")
    assert str(server_zone(Settings(data_dir=tmp_path))) == "UTC+01:00"  # the old fixed offset
    assert Settings(data_dir=tmp_path, timezone="UTC-05:30").timezone == "UTC-05:30"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        Settings(data_dir=tmp_path, timezone="Mars/Base")
    assert variable_for(("timezone",)) == "PURRR_TIMEZONE"
    monkeypatch.setenv("PURRR_QUEST_TIMEZONE", "Mars/Base")
    assert variable_for(("timezone",)) == "PURRR_QUEST_TIMEZONE"


def test_the_environment_under_keyword_arguments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`PURRR_<FIELD>` in any case, `PURRR_NOW` for the pinned clock, lists and mappings as
    JSON; keyword arguments win, mappings merge key by key; a variable that is not JSON where
    JSON is needed is a SettingsError naming the field (the CLI turns it into a usage error)."""
    from purrr_server.settings import SettingsError

    monkeypatch.setenv("purrr_port", "9000")
    monkeypatch.setenv("PURRR_NOW", "2026-03-01T12:00:00")
    monkeypatch.setenv("PURRR_TIER_LIMITS", '{"free": 7, "premium": 70}')
    monkeypatch.setenv("PURRR_CORS_ORIGINS", '["https://a.example"]')
    settings = Settings(data_dir=tmp_path, tier_limits={"free": 5}, hosted=True)
    assert settings.port == 9000 and settings.hosted
    assert settings.now().isoformat() == "2026-03-01T12:00:00+00:00"
    assert settings.tier_limits == {"free": 5, "premium": 70}
    assert settings.cors_origins == ["https://a.example"]
    assert Settings(data_dir=tmp_path, port=1).port == 1
    assert Settings(data_dir=tmp_path, PURRR_NOW="2027-01-01T00:00:00Z").now().year == 2027
    monkeypatch.setenv("PURRR_CORS_ORIGINS", "https://a.example")
    with pytest.raises(SettingsError, match='field "cors_origins"'):
        Settings(data_dir=tmp_path)
