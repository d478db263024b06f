"""The background sync loop of the daemon."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

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
