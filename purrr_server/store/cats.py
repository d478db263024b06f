"""Cats: one row per cat, the full `Cat` model as JSON plus the columns we filter on."""

from __future__ import annotations

import sqlite3

from purrr_core import Cat
from purrr_server.store.base import Pending, Repository

__all__ = ["CatRepository", "Pending"]

#: Whether the player has breedings under way and unsettled patrols: what a read of their cats
#: may have to catch up first (`purrr_server.lazy`). Asked in the same query as the cats.
_PENDING = (
    "EXISTS (SELECT 1 FROM breedings WHERE user_id = ? AND status = 'pending'),"
    " EXISTS (SELECT 1 FROM night_patrols WHERE user_id = ? AND settled = 0)"
)


def _cat(row: sqlite3.Row) -> Cat:
    return _parse(row["data"])


#: Stored cat JSON → the `Cat` it is (see `_parse`), oldest first.
_PARSED: dict[str, Cat] = {}
#: Texts `_PARSED` holds before it forgets the oldest.
PARSED_SIZE = 2048


def _parse(data: str) -> Cat:
    """A stored cat's JSON as a `Cat`, parsed once per distinct text (a `Cat` is frozen, so
    readers can share it): a list of 20 cats spent a third of its time validating them again.
    A cat this process wrote is known without parsing (`_remember`)."""
    cat = _PARSED.get(data)
    if cat is None:
        cat = Cat.model_validate_json(data)
        _remember(data, cat)
    return cat


def _remember(data: str, cat: Cat) -> None:
    """`cat` is what `data`, its `model_dump_json()`, parses to (a `Cat`'s JSON round trip is
    exact: `tests/server/test_cat_memo.py`). A cat saved by an action is then loaded by the
    next action on it without a parse, and is the same object its response was presented
    from, so the presenters' memo of it (`presenters.cat_json`) serves the reads that follow.
    Whether the transaction commits does not matter: the text and the cat stay equal."""
    if len(_PARSED) >= PARSED_SIZE:
        del _PARSED[next(iter(_PARSED))]
    _PARSED[data] = cat


class CatRepository(Repository):
    async def pending(self, user_id: int) -> Pending:
        """The player's lazy work (one query)."""
        row = await self.fetchone(f"SELECT {_PENDING}", (user_id, user_id))
        return Pending(bool(row[0]), bool(row[1])) if row else Pending(False, False)

    async def get_checked(self, user_id: int, cat_id: int) -> tuple[Cat | None, Pending]:
        """`get` and `pending` in one query (the hot path of `GET /cats/{id}`)."""
        row = await self.fetchone(
            f"SELECT (SELECT data FROM cats WHERE id = ? AND user_id = ?) AS data, {_PENDING}",
            (cat_id, user_id, user_id, user_id),
        )
        if row is None:
            return None, Pending(False, False)
        return (_cat(row) if row["data"] else None), Pending(bool(row[1]), bool(row[2]))

    async def page(self, user_id: int, limit: int, offset: int) -> tuple[list[Cat], int]:
        """A page of the player's cats by id and how many they have in all: one query (the
        count is a scalar subquery, see `page_checked`), two when the page is empty."""
        rows = await self.fetchall(
            "SELECT data, (SELECT COUNT(*) FROM cats WHERE user_id = ?) AS total"
            " FROM cats WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?",
            (user_id, user_id, limit, offset),
        )
        if not rows:
            return [], await self.count(user_id)
        return [_cat(row) for row in rows], int(rows[0]["total"])

    async def page_checked(
        self, user_id: int, limit: int, offset: int
    ) -> tuple[list[Cat], int, Pending]:
        """`page` and `pending` in one query (the hot path of `GET /cats`); two when the page
        is empty (then the count and the pending work come from one more)."""
        # The total as a scalar subquery (asked once; SQLite answers it from the index): as a
        # window, `COUNT(*) OVER ()`, SQLite copied every row into a temporary table and sorted
        # it again, three times the cost of the statement.
        rows = await self.fetchall(
            "SELECT data, (SELECT COUNT(*) FROM cats WHERE user_id = ?) AS total,"
            f" {_PENDING} FROM cats WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?",
            (user_id, user_id, user_id, user_id, limit, offset),
        )
        if rows:
            first = rows[0]
            pending = Pending(bool(first[2]), bool(first[3]))
            return [_cat(row) for row in rows], int(first["total"]), pending
        row = await self.fetchone(
            f"SELECT (SELECT COUNT(*) FROM cats WHERE user_id = ?), {_PENDING}",
            (user_id, user_id, user_id),
        )
        if row is None:
            return [], 0, Pending(False, False)
        return [], int(row[0]), Pending(bool(row[1]), bool(row[2]))

    async def get(self, user_id: int, cat_id: int) -> Cat | None:
        """The user's cat `cat_id`; another user's cat is as absent as a missing one.

        In a unit of work holding the player's lock this is `get_checked`, and what it says of
        their pending work is kept for the transaction (`Session.known_pending`): an action on
        a cat then checks the cat's patrols and the due breedings without another statement."""
        if self.session.locked_player == user_id:
            cat, pending = await self.get_checked(user_id, cat_id)
            self.session.known_pending[user_id] = pending
            return cat
        row = await self.fetchone(
            "SELECT data FROM cats WHERE id = ? AND user_id = ?", (cat_id, user_id)
        )
        return _cat(row) if row else None

    async def for_user(self, user_id: int, limit: int = 1000, offset: int = 0) -> list[Cat]:
        rows = await self.fetchall(
            "SELECT data FROM cats WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [_cat(row) for row in rows]

    async def count(self, user_id: int) -> int:
        row = await self.fetchone("SELECT COUNT(*) FROM cats WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0

    async def pending_kittens(self, user_id: int, per_breeding: int) -> int:
        """Room to keep for the kittens of the player's breedings under way (at most
        `per_breeding` each)."""
        row = await self.fetchone(
            "SELECT COUNT(*) FROM breedings WHERE user_id = ? AND status = 'pending'", (user_id,)
        )
        return (int(row[0]) if row else 0) * per_breeding

    async def add(self, user_id: int, cat: Cat) -> Cat:
        """Insert a new cat; its id is assigned here and written into its data."""
        stamp = cat.created_at.isoformat()
        cat_id = await self.insert(
            "INSERT INTO cats (user_id, name, data, version, created_at, updated_at, row_version)"
            " VALUES (?, ?, '{}', ?, ?, ?, ?) RETURNING id",
            (user_id, cat.name, cat.version, stamp, stamp, self.version),
        )
        saved = cat.model_copy(update={"id": cat_id})
        data = saved.model_dump_json()
        await self.execute("UPDATE cats SET data = ? WHERE id = ?", (data, cat_id))
        _remember(data, saved)
        return saved

    async def save(self, user_id: int, cat: Cat) -> None:
        """Write the cat's new state (the caller has checked ownership and version)."""
        data = cat.model_dump_json()
        changed = await self.execute(
            "UPDATE cats SET name = ?, data = ?, version = ?, updated_at = ?, row_version = ?"
            " WHERE id = ? AND user_id = ?",
            (
                cat.name,
                data,
                cat.version,
                cat.updated_at.isoformat(),
                self.version,
                cat.id,
                user_id,
            ),
        )
        if changed != 1:
            raise LookupError(f"cat {cat.id} vanished during the transaction")
        _remember(data, cat)

    async def delete(self, user_id: int, cat_id: int, now: str) -> bool:
        deleted = await self.execute(
            "DELETE FROM cats WHERE id = ? AND user_id = ?", (cat_id, user_id)
        )
        if deleted:
            await self.tombstone("cats", cat_id, user_id, now)
        return deleted > 0
