"""Which database a server opens: SQLite unless a hosted server is given a PostgreSQL URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from purrr_server.settings import Settings

URL = "postgresql://purrr@db.internal/purrr"


def test_sqlite_is_the_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, hosted=True)
    assert settings.database == tmp_path / "purrr.db"


def test_a_hosted_server_opens_the_postgresql_url(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, hosted=True, database_url=URL).database == URL


def test_the_environment_variable_selects_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PURRR_DATABASE_URL", URL)
    assert Settings(data_dir=tmp_path, hosted=True).database == URL


def test_the_local_game_stays_on_sqlite_whatever_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PURRR_DATABASE_URL", URL)
    assert Settings(data_dir=tmp_path).database == tmp_path / "purrr.db"


def test_another_scheme_is_refused_naming_the_form(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must start with postgresql://"):
        Settings(data_dir=tmp_path, hosted=True, database_url="mysql://db/purrr")


def test_run_refuses_database_without_hosted(capsys: pytest.CaptureFixture[str]) -> None:
    from purrr_cli.app import run

    assert run(["server", "run", "--database", URL]) == 2
    assert "--database is for hosted servers: add --hosted" in capsys.readouterr().err
