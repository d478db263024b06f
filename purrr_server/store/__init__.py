"""The SQLite store: every SQL statement of the server lives in this package.

`Store` opens the database (`database.py`); `Session`/`UnitOfWork` expose one typed attribute per
repository (`session.cats.get(...)`, `uow.actions.append(...)`, see `base.py`); migrations are
numbered SQL files run at start-up (`migrate.py`). A new repository is a `Repository` subclass in
its own module plus one attribute on `Session`.
"""

from purrr_server.store.base import Repository, Session, dumps
from purrr_server.store.database import Store, UnitOfWork
from purrr_server.store.migrate import migrate

__all__ = [
    "Repository",
    "Session",
    "Store",
    "UnitOfWork",
    "dumps",
    "migrate",
]
