"""The SQLite store: every SQL statement of the server lives in this package.

`Store` opens the database (`database.py`); `Session`/`UnitOfWork` expose repositories by name
(`session.cats.get(...)`, `uow.actions.append(...)`); migrations are numbered SQL files run at
start-up (`migrate.py`). A new repository is a `@repository("name")` class in its own module,
imported below so that it registers.
"""

from purrr_server.store import (  # noqa: F401 - imported to register their repositories
    accounts,
    actions,
    cats,
    credentials,
    events,
    idempotency,
    interactions,
    security,
    sync,
    users,
)
from purrr_server.store.base import REPOSITORIES, Repository, Session, dumps, repository
from purrr_server.store.database import Store, UnitOfWork
from purrr_server.store.migrate import migrate

__all__ = [
    "REPOSITORIES",
    "Repository",
    "Session",
    "Store",
    "UnitOfWork",
    "dumps",
    "migrate",
    "repository",
]
