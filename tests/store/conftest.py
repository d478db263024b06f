"""A migrated, open `Store` on each database (the suite-wide `database` parameter)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from purrr_server.store import Store, migrate


@pytest.fixture
async def store(database: str | None, tmp_path: Path) -> AsyncIterator[Store]:
    target: Path | str = database if database is not None else tmp_path / "store.db"
    migrate(target)  # the PostgreSQL database is a copy of the migrated template: a no-op
    opened = Store(target)
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
