"""The session's repositories: one typed attribute per repository, none missing, none untyped."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from functools import cached_property
from pathlib import Path
from typing import get_type_hints

import purrr_server.store
from purrr_server.store import Repository, Session, Store, UnitOfWork
from purrr_server.store.migrate import migrate

ROOT = Path(__file__).resolve().parents[2]


def repository_classes() -> set[type[Repository]]:
    """Every `Repository` subclass defined in a module of purrr_server.store."""
    found: set[type[Repository]] = set()
    for module_info in pkgutil.iter_modules(purrr_server.store.__path__):
        module = importlib.import_module(f"purrr_server.store.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Repository) and cls is not Repository:
                if cls.__module__ == module.__name__:
                    found.add(cls)
    return found


def session_attributes() -> dict[str, type[Repository]]:
    """Session's repository attributes with the class each is annotated to return."""
    by_name = {cls.__name__: cls for cls in repository_classes()}
    out = {}
    for name, member in vars(Session).items():
        if isinstance(member, cached_property):
            returns = get_type_hints(member.func, localns=by_name)["return"]
            assert issubclass(returns, Repository), name
            out[name] = returns
    return out


def test_session_has_one_attribute_per_repository() -> None:
    attributes = session_attributes()
    assert sorted(attributes.values(), key=lambda c: c.__name__) == sorted(
        repository_classes(), key=lambda c: c.__name__
    )
    assert len(set(attributes.values())) == len(attributes), "two attributes, one repository"
    assert "__getattr__" not in vars(Session) and "__getattr__" not in vars(UnitOfWork)


async def test_each_attribute_builds_its_repository_once_per_session(tmp_path: Path) -> None:
    migrate(tmp_path / "s.db")
    store = Store(tmp_path / "s.db")
    await store.open()
    try:
        read = store.read
        async with store.write() as uow:
            for name, cls in session_attributes().items():
                repo = getattr(read, name)
                assert type(repo) is cls and getattr(read, name) is repo
                assert repo.session is read and repo.conn is read.conn
                written = getattr(uow, name)
                assert type(written) is cls and written is not repo and written.session is uow
    finally:
        await store.close()


async def test_every_table_is_reached_through_a_session_repository(tmp_path: Path) -> None:
    """Each table the migrations create is named in the SQL of a repository the session exposes
    (or of `Repository` itself: tombstones), so no table is left without its narrow door."""
    migrate(tmp_path / "t.db")
    store = Store(tmp_path / "t.db")
    await store.open()
    try:
        rows = await store.read.events.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_migrations'"
            " AND name NOT LIKE 'sqlite_%'"
        )
    finally:
        await store.close()
    sources = "\n".join(
        inspect.getsource(cls) for cls in {Repository, *session_attributes().values()}
    )
    named = set(re.findall(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+(\w+)", sources))
    assert {row[0] for row in rows} - named == set()


def test_mypy_rejects_an_unknown_repository_or_method(tmp_path: Path) -> None:
    snippet = tmp_path / "uses_store.py"
    snippet.write_text(
        "from purrr_server.store import UnitOfWork\n"
        "\n"
        "\n"
        "async def use(uow: UnitOfWork) -> None:\n"
        "    await uow.cats.get(1, 2)\n"
        "    await uow.nightwatch.no_such_method(1, 2, 3)\n"
        "    await uow.no_such_repository.get(1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), str(snippet)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 2, done.stdout
    assert '"NightWatchRepository" has no attribute "no_such_method"' in errors[0]
    assert '"UnitOfWork" has no attribute "no_such_repository"' in errors[1]
