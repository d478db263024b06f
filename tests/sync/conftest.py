"""Fixtures: a linked pair of in-process servers (tests/sync/harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from purrr_server.sync.engine import SyncEngine
from tests.server.conftest import temporary_action  # noqa: F401 - the fixture, for tests here
from tests.sync.harness import FaultTransport, Local, Remote, pair


@dataclass
class Linked:
    remote: Remote
    local: Local
    transport: FaultTransport

    @property
    def engine(self) -> SyncEngine:
        engine: SyncEngine = self.local.app.state.sync_engine
        return engine


@pytest.fixture
async def linked(tmp_path: Path) -> AsyncIterator[Linked]:
    remote, local, transport = await pair(tmp_path)
    await local.app.state.sync_engine.link("http://remote.test", remote.key)
    try:
        yield Linked(remote, local, transport)
    finally:
        await local.close()
        await remote.close()
