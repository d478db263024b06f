"""The daemon's side of sync: the background loop and the remote's stored API key."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import pytest

from purrr_cli import client, config
from purrr_server.sync.engine import SyncFailure
from tests.sync.conftest import Linked
from tests.sync.harness import adopt


async def test_a_failed_start_up_recovery_is_logged_and_the_loop_still_syncs(
    linked: Linked, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = linked.engine

    async def broken_recover() -> None:
        raise OSError("disk unavailable")

    monkeypatch.setattr(engine, "recover", broken_recover)
    await adopt(linked.local, "Night")
    assert (await engine.status())["pending"] == 1
    caplog.set_level(logging.ERROR, logger="purrr.sync")
    task = asyncio.create_task(engine.run_forever())
    try:
        for _ in range(200):  # bounded: at most ~10 s
            if (await engine.status())["pending"] == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert (await engine.status())["pending"] == 0, "the loop went on to sync"
    [record] = [r for r in caplog.records if "interrupted rebuild" in r.getMessage()]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert isinstance(record.exc_info[1], OSError)


async def test_the_engine_reads_the_key_the_cli_kept_in_its_0600_file(
    linked: Linked, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a working keyring the CLI keeps the remote's key in `secrets.json`; a daemon that
    restarted (no key in memory) still syncs with it."""
    monkeypatch.setenv("PURRR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PURRR_NO_KEYRING", "1")
    monkeypatch.delenv("PURRR_REMOTE_API_KEY", raising=False)
    engine = linked.engine
    engine.api_key = None
    await adopt(linked.local, "Filed")
    with pytest.raises(SyncFailure) as missing:
        await engine.sync()
    assert missing.value.code == "REMOTE_UNAUTHORIZED"
    url = (await engine.status())["remote"]["url"]
    config.set_secret(client.secret_name("api_key", url), linked.remote.key)
    assert (tmp_path / "config" / "secrets.json").exists()
    await engine.sync()
    assert (await engine.status())["pending"] == 0
