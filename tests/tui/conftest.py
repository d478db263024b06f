"""Dashboard fixtures: a real in-process server on a temporary data dir, a pinned clock, seeded cats.

Action seeds are pinned too (the server otherwise draws a fresh seed per action), so every run
adopts the same cats with the same traits and snapshots are stable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from purrr_cli import config
from purrr_cli.client import Client, ServerChoice, secret_name
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp

#: Saturday night, inside the Night Watch window (21:00–06:00).
NOW = "2025-04-12T22:00:00+00:00"
SEED = 20250412

#: (name, personality, sex, genotype) of the seeded cats.
CATS = (
    ("Mittens", "playful", "female", "O/o B/b"),
    ("Bandit", "territorial", "male", "o/Y B/B"),
    ("Luna", "curious", "female", "o/o B/B cs/cs"),
)


@pytest.fixture
def purrr_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated home, config and data dir; pinned clock and action seeds."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PURRR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PURRR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PURRR_NO_KEYRING", "1")
    monkeypatch.setenv("PURRR_NOW", NOW)
    # Times shown in this machine's zone (history, breedings) are UTC in every test run.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    for name in ("PURRR_SERVER", "PURRR_TOKEN", "PURRR_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    from purrr_server import actions

    monkeypatch.setattr(actions, "secrets", SimpleNamespace(randbits=lambda bits: SEED))
    return tmp_path / "data"


@pytest.fixture
def server_settings() -> dict[str, Any]:
    """Settings of the in-process server beyond the environment's, e.g. `{"night_watch":
    {"start_hour": 20}}`: a test that needs others parametrizes this name."""
    return {}


@pytest.fixture
def client(purrr_env: Path, server_settings: dict[str, Any]) -> Iterator[Client]:
    """A client on the in-process server (the same transport `purrr` uses with no daemon)."""
    from purrr_cli._inprocess import in_process_transport

    transport = in_process_transport(purrr_env, **server_settings)
    instance = Client(
        choice=ServerChoice("in-process", str(purrr_env), "in-process"), transport=transport
    )
    yield instance
    instance.close()
    transport.close()  # when the test never sent a request


def seed_cats(client: Client) -> list[dict[str, Any]]:
    return [
        client.post(
            "cats", {"name": name, "personality_type": kind, "sex": sex, "genotype": genotype}
        )
        for name, kind, sex, genotype in CATS
    ]


@pytest.fixture
def cats(client: Client) -> list[dict[str, Any]]:
    return seed_cats(client)


@pytest.fixture
def make_app(client: Client) -> Callable[..., PurrrApp]:
    """Build the dashboard on the test server; live polling off unless asked for."""

    def build(**options: Any) -> PurrrApp:
        options.setdefault("live", False)
        # as `purrr tui` does: Textual's own default theme follows TEXTUAL_THEME at import
        options.setdefault("theme", config.DEFAULTS["theme"])
        return PurrrApp(PurrrApi(client), **options)

    return build


def text_of(widget: Any) -> str:
    """The plain text a Static shows (Rich renderables included)."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(widget.content)
    return console.file.getvalue()  # type: ignore[attr-defined]


def screen_lines(svg: str, styled: bool = False) -> list[str]:
    """The text of a Rich SVG screenshot, one string per terminal line; with `styled`, each
    run of text carries its colours as `[fill]text` so style-only changes show up too."""
    import html
    import re

    colours = dict(re.findall(r"\.(terminal-[\w-]+) \{ ([^}]*) \}", svg))
    lines: dict[int, list[str]] = {}
    for klass, line, text in re.findall(
        r'<text class="([^"]*)"[^>]*clip-path="url\(#[\w-]*line-(\d+)\)"[^>]*>(.*?)</text>', svg
    ):
        run = html.unescape(text)
        if styled:
            run = f"[{colours.get(klass, klass).strip()}]{run}"
        lines.setdefault(int(line), []).append(run)
    return ["".join(lines[n]).rstrip() for n in sorted(lines)]


@pytest.fixture
def screen_matches(snap_compare: Any, request: pytest.FixtureRequest) -> Callable[..., bool]:
    """`snap_compare`, but a mismatch fails with a text diff of the screen (CI shows no report)."""
    import difflib
    import pickle

    from pytest_textual_snapshot import node_to_report_path

    def compare(app: PurrrApp, **options: Any) -> bool:
        if snap_compare(app, **options):
            return True
        data = pickle.loads(node_to_report_path(request.node).read_bytes())
        styled = screen_lines(data[1]) == screen_lines(data[2])
        expected, actual = screen_lines(data[1], styled), screen_lines(data[2], styled)
        diff = difflib.unified_diff(expected, actual, "snapshot", "actual", lineterm="")
        what = "styles" if styled else "text"
        raise AssertionError(f"the screen's {what} differ from its snapshot:\n" + "\n".join(diff))

    return compare


# --- a hosted server (multiplayer rooms) ----------------------------------------------------

#: Where the players' clients say the hosted server is; requests never leave the process.
HOSTED_URL = "http://purrr.remote"


class SharedTransport(httpx.BaseTransport):
    """One in-process hosted server for several players' clients: closing a client leaves it up."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        pass


@pytest.fixture
def hosted_settings() -> dict[str, Any]:
    """The hosted server's settings beyond the defaults below (a test overrides this fixture).
    Rate limits off by default: the tests' own clients make many quick requests."""
    return {"rate_limit": False}


@pytest.fixture
def hosted_transport(
    purrr_env: Path, hosted_settings: dict[str, Any]
) -> Iterator[httpx.BaseTransport]:
    """A hosted server (accounts, rooms) in-process on its own data dir, with the pinned clock
    and seeds of `purrr_env`."""
    from purrr_cli._inprocess import in_process_transport

    transport = in_process_transport(
        purrr_env.parent / "hosted",
        hosted=True,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        **hosted_settings,
    )
    yield transport
    transport.close()


@pytest.fixture
def hosted_player(hosted_transport: httpx.BaseTransport) -> Iterator[Callable[..., Client]]:
    """`hosted_player(name, cats=[(name, personality)…])`: a registered, logged-in player's
    client (as after `purrr --server URL auth login`), with those cats adopted and fed."""
    made: list[Client] = []

    def make(name: str, cats: tuple[tuple[str, str], ...] = ()) -> Client:
        url = f"http://{name}.purrr.remote" if made else HOSTED_URL
        choice = ServerChoice("remote", url, "--server")
        shared = SharedTransport(hosted_transport)
        with Client(choice=choice, transport=shared) as anonymous:
            account = {"username": name, "email": f"{name}@example.com", "password": "secret 123"}
            anonymous.post("auth/register", account)
            login = anonymous.post("auth/login", {"username": name, "password": "secret 123"})
        config.set_secret(secret_name("token", url), login["access_token"])
        player = Client(choice=choice, transport=shared)
        made.append(player)
        for cat_name, personality in cats:
            cat = player.post("cats", {"name": cat_name, "personality_type": personality})
            player.post(f"cats/{cat['id']}/feed", {})
        return player

    yield make
    for player in made:
        player.close()


@pytest.fixture
def make_hosted_app(hosted_player: Callable[..., Client]) -> Callable[..., PurrrApp]:
    """The dashboard of `alice` (cats Tom and Misty) on the hosted server; build it after the
    test's other players (`hosted_player`) exist if it needs them."""
    alice = hosted_player("alice", (("Tom", "territorial"), ("Misty", "curious")))

    def build(**options: Any) -> PurrrApp:
        options.setdefault("live", False)
        options.setdefault("theme", config.DEFAULTS["theme"])
        return PurrrApp(PurrrApi(alice), **options)

    return build
