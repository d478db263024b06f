"""The dashboard's server child (`purrr_cli.tui.companion`): started at once, used, stopped, and
never needed (the dashboard falls back to serving in its own process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from purrr_cli.client import Client
from purrr_cli.tui import companion as companion_module
from purrr_cli.tui.companion import Companion, CompanionClient
from purrr_cli.tui.run import build_app
from purrr_cli.tui.widgets.cat_table import CatTable
from tests.tui.pilot import settle


def _gone(process: subprocess.Popen[bytes], timeout: float = 15.0) -> bool:
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


async def test_dashboard_serves_from_a_child_and_stops_it(
    purrr_env: Path, cats: Any, client: Client
) -> None:
    before = len(client.get(f"cats/{cats[0]['id']}/history"))
    app = build_app()
    app.live = False
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        served = app.api._client
        assert isinstance(served, CompanionClient) and served.in_child
        companion = served._companion
        assert companion is not None and companion.alive()
        socket_dir = companion.socket_path.parent
        assert socket_dir.stat().st_mode & 0o777 == 0o700
        names = [cat["name"] for cat in app.screen.query_one(CatTable).cats]
        assert names == ["Mittens", "Bandit", "Luna"]
        # A write through the child lands in the same database as every command's.
        await app.api.care(cats[0]["id"], "feed", {"food_item": "salmon"})
    assert _gone(companion.process), "the server child outlived the dashboard"
    assert not socket_dir.exists()
    assert len(client.get(f"cats/{cats[0]['id']}/history")) == before + 1


async def test_child_that_cannot_start_falls_back_to_this_process(
    purrr_env: Path, cats: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child that exits at once without serving (as a broken install would).
    monkeypatch.setattr(companion_module.sys, "executable", "/bin/false")
    app = build_app()
    app.live = False
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        client = app.api._client
        assert isinstance(client, CompanionClient) and not client.in_child
        assert len(app.screen.query_one(CatTable).cats) == 3


def test_reads_fall_back_when_the_child_dies(purrr_env: Path, cats: Any) -> None:
    companion = Companion(purrr_env)
    companion.serve()
    client = CompanionClient(companion, purrr_env)
    try:
        assert len(client.get("cats")) == 3 and client.in_child
        companion.process.kill()
        companion.process.wait()
        assert len(client.get("cats")) == 3  # served in this process now
        assert not client.in_child
    finally:
        client.close()


def test_a_named_server_starts_no_child(purrr_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Path] = []
    monkeypatch.setattr(companion_module.Companion, "__init__", lambda self, d: started.append(d))
    app = build_app(server="http://127.0.0.1:9")
    assert started == [] and not isinstance(app.api._client, CompanionClient)


def test_an_unneeded_child_exits_without_importing_the_server(purrr_env: Path) -> None:
    companion = Companion(purrr_env)
    companion.stop(wait=False)  # the dashboard chose another server
    assert _gone(companion.process, 10)
    assert companion.process.returncode == 0


def test_child_stops_when_the_dashboard_is_killed(purrr_env: Path) -> None:
    """kill -9 of the dashboard closes the child's stdin: the child stops by itself."""
    script = textwrap.dedent(
        """
        import sys, time
        from purrr_cli.tui.companion import Companion, CompanionClient
        from purrr_cli import config
        companion = Companion(config.data_dir())
        companion.serve()
        CompanionClient(companion, companion.data_dir).get("cats")
        print(companion.process.pid, companion.socket_path.parent, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, env=dict(os.environ)
    )
    try:
        assert parent.stdout is not None
        pid, socket_dir = parent.stdout.readline().split()
        child_pid = int(pid)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _running(child_pid):
            time.sleep(0.05)
        assert not _running(child_pid), "the server child outlived a killed dashboard"
        assert not Path(socket_dir.decode()).exists()
    finally:
        parent.kill()
        parent.wait()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_dashboard_process_does_not_import_fastapi(purrr_env: Path) -> None:
    script = textwrap.dedent(
        """
        import asyncio, sys
        from purrr_cli.tui.run import build_app
        from purrr_cli.tui.widgets.cat_table import CatTable

        app = build_app()
        app.live = False

        async def main():
            async with app.run_test() as pilot:
                while not app.screen.query(CatTable) or app.screen.query_one(CatTable).cats is None:
                    await pilot.pause(0.01)
                while app.screen.loads_finished == 0:
                    await pilot.pause(0.01)
        asyncio.run(main())
        print(sorted(m for m in ("fastapi", "aiosqlite", "uvicorn") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
