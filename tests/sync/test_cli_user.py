"""Issue 18 as a player meets it: the real `purrr` CLI in subprocesses (a temporary HOME, config
and data dir each) against a started hosted remote process: an old or too-new sync protocol,
a local copy that disagrees with the remote, two devices of one account syncing at once, a
skewed clock, and the daemon syncing across restarts of the remote and of itself."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.sync.servers import Api, ServerProcess, device_env, hosted_remote, purrr, register
from tests.sync.soak import FaultProxy

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[ServerProcess]:
    yield from hosted_remote(tmp_path)


def device(tmp_path: Path, name: str) -> dict[str, Any]:
    """One player's computer: its own HOME, config and data directories."""
    home = tmp_path / name / "home"
    home.mkdir(parents=True)
    return {
        "config_dir": tmp_path / name / "config",
        "data_dir": tmp_path / name / "game",
        "HOME": str(home),
    }


def ok(*args: str, **env: Any) -> str:
    done = purrr(*args, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def status(**env: Any) -> dict[str, Any]:
    return dict(json.loads(ok("sync", "status", "--json", **env)))


def linked_device(tmp_path: Path, name: str, url: str, key: str, **link: str) -> dict[str, Any]:
    env = device(tmp_path, name)
    keep = ["--keep", link["keep"]] if "keep" in link else []
    ok("remote", "link", url, "--api-key", "-", *keep, stdin=key, **env)
    return env


def old_purrr(version: int, *args: str, env: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """`purrr` as a release that speaks sync protocol `version` would run."""
    code = (
        "import sys\n"
        "import purrr_server.sync.protocol as protocol\n"
        f"protocol.VERSION = protocol.MIN_VERSION = {version}\n"
        "from purrr_cli.__main__ import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    extra = {k: str(v) for k, v in env.items() if k not in ("config_dir", "data_dir")}
    environment = device_env(env["config_dir"], env["data_dir"], **extra)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_old_or_too_new_purrr_gets_the_documented_error(
    tmp_path: Path, remote: ServerProcess
) -> None:
    env = linked_device(tmp_path, "laptop", remote.url, register(remote.url))
    ok("cats", "adopt", "Mia", "--personality", "lazy", **env)
    for version, words in [
        (0, "upgrade purrr (pip install -U purrr) and sync again"),
        (2, "the server must be upgraded"),
    ]:
        done = old_purrr(version, "sync", env=env)
        assert done.returncode == 1, done.stderr
        assert "SYNC_PROTOCOL_UNSUPPORTED" in done.stderr or "sync protocol 1-1" in done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr
        assert status(**env)["pending"] == 1  # nothing lost: the action waits for an upgrade
    assert "1 pushed, 1 confirmed" in purrr("sync", **env).stderr


def test_a_local_copy_that_disagrees_is_backed_up_pulled_again_and_reported(
    tmp_path: Path, remote: ServerProcess
) -> None:
    key = register(remote.url)
    Api(remote.url, {"X-API-Key": key}).adopt("WebCat")
    env = linked_device(tmp_path, "laptop", remote.url, key)
    # A damaged copy: the confirmed state no longer says what the remote sent.
    with sqlite3.connect(env["data_dir"] / "purrr.db") as db:
        changed = db.execute(
            "UPDATE sync_confirmed SET data = replace(data, 'WebCat', 'Garbled')"
            " WHERE table_name = 'cats'"
        ).rowcount
    assert changed == 1
    done = purrr("sync", **env)
    assert done.returncode == 0, done.stderr
    assert "warning: this game's copy disagreed with the remote on cats" in done.stderr
    assert "pulled again from scratch" in done.stderr
    agreement = status(**env)["agreement"]
    assert agreement["agreed"] is True and agreement["mismatches"] == 1
    assert agreement["last_repull"]["tables"] == ["cats"]
    assert Path(agreement["last_repull"]["backup"]).exists()
    cats = json.loads(ok("cats", "list", "--json", **env))
    assert [c["name"] for c in cats] == ["WebCat"]


def test_two_devices_of_one_account_take_turns_through_the_lease(
    tmp_path: Path, remote: ServerProcess
) -> None:
    """The laptop's network drops as its sync ends (its lease release never arrives), so it
    holds the account's lease; the phone is told to wait (exit 5) with nothing lost, and gets
    its turn once the laptop has synced again and released the lease."""
    key = register(remote.url)
    proxy = FaultProxy(remote.port, random.Random(18))
    try:
        laptop = linked_device(tmp_path, "laptop", proxy.url, key)
        phone = linked_device(tmp_path, "phone", remote.url, key)
        ok("cats", "adopt", "Laptop", "--personality", "lazy", **laptop)
        ok("cats", "adopt", "Phone", "--personality", "lazy", **phone)
        proxy.cut = "/sync/release"
        assert purrr("sync", **laptop).returncode == 0
        busy = purrr("sync", **phone)
        assert busy.returncode == 5, busy.stderr
        assert "another device of this account" in busy.stderr, busy.stderr
        assert "sync again in a minute" in busy.stderr and "Traceback" not in busy.stderr
        assert status(**phone)["pending"] == 1
        proxy.cut = None
        assert purrr("sync", **laptop).returncode == 0  # renews its own lease, releases it
        done = purrr("sync", **phone)
        assert done.returncode == 0, done.stderr
        assert status(**phone)["pending"] == 0
        cats = sorted(c["name"] for c in json.loads(ok("cats", "list", "--json", **phone)))
        assert cats == ["Laptop", "Phone"]
    finally:
        proxy.close()


def test_a_skewed_clock_is_reported(tmp_path: Path, remote: ServerProcess) -> None:
    env = linked_device(tmp_path, "laptop", remote.url, register(remote.url))
    ahead = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    done = purrr("sync", PURRR_NOW=ahead, **env)
    assert done.returncode == 0, done.stderr
    assert "warning: this computer's clock is" in done.stderr and "ahead of" in done.stderr
    state = status(**env)
    assert state["clock_skew_seconds"] < -240
    assert any("clock" in warning for warning in state["warnings"])
    assert "warning: this computer's clock" not in purrr("sync", **env).stderr


def test_the_daemon_keeps_syncing_across_restarts(tmp_path: Path, remote: ServerProcess) -> None:
    key = register(remote.url)
    env = device(tmp_path, "laptop")
    ok("server", "start", **env)
    try:
        ok("remote", "link", remote.url, "--api-key", "-", stdin=key, **env)
        web = Api(remote.url, {"X-API-Key": key})
        ok("cats", "adopt", "Before", "--personality", "lazy", **env)
        _until(lambda: _names(web) == ["Before"])
        remote.kill()  # the remote dies (kill -9) and comes back on the same data
        ok("cats", "adopt", "WhileDown", "--personality", "lazy", **env)
        _until(lambda: status(**env)["failures"] >= 1)
        assert "cannot reach the remote" in status(**env)["last_error"]
        remote.start()
        _until(lambda: _names(web) == ["Before", "WhileDown"], timeout=60)
        ok("server", "stop", **env)  # the daemon itself restarts: the key is not in memory
        ok("server", "start", **env)
        ok("cats", "adopt", "AfterRestart", "--personality", "lazy", **env)
        _until(lambda: _names(web) == ["AfterRestart", "Before", "WhileDown"], timeout=60)
        assert status(**env)["pending"] == 0
    finally:
        purrr("server", "stop", **env)


def _names(api: Api) -> list[str]:
    return sorted(c["name"] for c in api.ok("GET", "cats"))


def _until(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
