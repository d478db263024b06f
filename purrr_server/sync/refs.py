"""References from a mutation's arguments to rows that earlier mutations create.

An action played offline may name a row that exists only provisionally (feed the cat adopted two
actions ago). Its local id means nothing to the remote, and even locally it changes whenever the
pending actions are re-applied on top of new confirmed state. So the outbox keeps such an argument
symbolically, ``{"$ref": [mutation_id, table, n]}`` — "the n-th row of `table` that mutation
`mutation_id` created" — and each side resolves it against its own application of that mutation.

Which arguments hold ids is declared by the syncable tables (`refs`, purrr_server.store.sync).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from purrr_server.store.sync import SYNC_TABLES, table_for_ref

REF = "$ref"
#: (mutation id, table, ordinal) → the id that row has on this side, or None when it has none.
Lookup = Callable[[int, str, int], Awaitable[int | None]]
#: (table, id) → the reference to store instead of the id, or None when the id is confirmed.
Symbolize = Callable[[str, int], Awaitable[list[Any] | None]]
#: An id no row has: what a reference to a row that was never created resolves to.
MISSING = 0


def created_rows(inserted: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(table, id, ordinal) of the rows an action inserted into syncable tables with ids."""
    counts: dict[str, int] = {}
    out = []
    for table, row_id in inserted:
        spec = SYNC_TABLES.get(table)
        if spec is None or not spec.integer_id:
            continue
        ordinal = counts.get(table, 0)
        counts[table] = ordinal + 1
        out.append((table, row_id, ordinal))
    return out


def is_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {REF}


async def _walk(value: Any, key: str | None, leaf: Callable[[str, Any], Awaitable[Any]]) -> Any:
    if isinstance(value, dict) and not is_ref(value):
        return {k: await _walk(v, k, leaf) for k, v in value.items()}
    if isinstance(value, list):
        return [await _walk(v, key, leaf) for v in value]
    if key is not None and table_for_ref(key) is not None:
        return await leaf(key, value)
    return value


async def symbolize(args: dict[str, Any], provisional: Symbolize) -> dict[str, Any]:
    """`args` with every id of a provisional row replaced by its reference."""

    async def leaf(key: str, value: Any) -> Any:
        table = table_for_ref(key)
        if table is None or not isinstance(value, int) or isinstance(value, bool):
            return value
        ref = await provisional(table.name, value)
        return {REF: ref} if ref is not None else value

    result: dict[str, Any] = await _walk(args, None, leaf)
    return result


async def resolve(args: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    """`args` with every reference replaced by the id its row has here (`MISSING` if none)."""

    async def leaf(key: str, value: Any) -> Any:
        if not is_ref(value):
            return value
        mutation_id, table, ordinal = value[REF]
        found = await lookup(int(mutation_id), str(table), int(ordinal))
        return MISSING if found is None else found

    result: dict[str, Any] = await _walk(args, None, leaf)
    return result


def has_refs(value: Any) -> bool:
    """Whether `value` holds any reference (a cheap check before resolving)."""
    if is_ref(value):
        return True
    if isinstance(value, dict):
        return any(has_refs(v) for v in value.values())
    if isinstance(value, list):
        return any(has_refs(v) for v in value)
    return False
