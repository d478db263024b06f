"""Fixtures: an isolated home and config dir, the fake API, and `cli(...)` to run commands in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from purrr_cli import client, output
from purrr_cli.app import run
from tests.cli.fake_api import FakeApi


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own HOME, config dir and data dir, and default output options."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PURRR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PURRR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PURRR_NO_KEYRING", "1")
    for name in ("PURRR_SERVER", "NO_COLOR", "PURRR_TOKEN", "PURRR_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    output.options.__init__()  # type: ignore[misc]
    yield tmp_path
    client.default_transport = None


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    fake = FakeApi()
    monkeypatch.setattr(client, "default_transport", fake.transport())
    return fake


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        output.options.__init__()  # type: ignore[misc]
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
