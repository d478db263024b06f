"""A saved cat is remembered as the `Cat` its stored JSON parses to (`store/cats.py`
`_remember`): the next action on it, and the reads after it, skip the parse and find the
presenters' memo of it. That is only right because a `Cat`'s JSON round trip is exact, which
these tests check on the cats the rules make (every care action, kittens' genetics, special
cats, offsets other than UTC) and through the store."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from purrr_core import ACTIONS, Cat, adopt, perform
from purrr_core.adoption import adopt_special
from purrr_server.presenters import cat_json, cat_json_bytes
from purrr_server.store import Store, migrate
from purrr_server.store.cats import _parse

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _cats() -> list[Cat]:
    """Cats as the rules leave them: adopted, cared for in every way, special, off UTC."""
    rng = random.Random(7)
    made: list[Cat] = []
    for n, personality in enumerate(("playful", "lazy", "curious", "aloof")):
        cat = adopt(f"Cat {n} ü 🐈‍⬛", personality, now=NOW, rng=rng).model_copy(update={"id": n})
        made.append(cat)
        for step, action in enumerate(ACTIONS):
            at = NOW + timedelta(minutes=37 * (step + 1) * (n + 1))
            try:
                cat, _ = perform(cat, action, {}, at, rng)
            except Exception:  # an action the cat may not take now (a rule's refusal)
                continue
            made.append(cat)
    made.append(adopt_special("bandit", {"mice_caught": 100}, set(), now=NOW, rng=rng))
    east = timezone(timedelta(hours=5, minutes=30))
    made.append(made[-2].evolve(updated_at=NOW.astimezone(east), description="tab\there"))
    return made


@pytest.mark.parametrize("cat", _cats(), ids=lambda c: f"{c.name}-v{c.version}")
def test_a_cats_json_round_trip_is_exact(cat: Cat) -> None:
    data = cat.model_dump_json()
    parsed = Cat.model_validate_json(data)
    assert parsed == cat and parsed.model_dump_json() == data
    later = NOW + timedelta(hours=30)
    assert cat_json(parsed, later) == cat_json(cat, later)
    assert cat_json_bytes(parsed, later) == cat_json_bytes(cat, later)


async def test_a_saved_cat_is_loaded_as_the_object_saved(tmp_path: Path) -> None:
    db = tmp_path / "memo.db"
    migrate(db)
    store = Store(db)
    try:
        async with store.write() as uow:
            user = await uow.users.create(
                username="memo", email=None, password_hash=None, now=NOW.isoformat()
            )
            added = await uow.cats.add(user.id, _cats()[3])
        async with store.write(user.id) as uow:
            loaded = await uow.cats.get(user.id, added.id)
            assert loaded is added  # no parse
            edited = added.evolve(description="sleepy", version=added.version + 1)
            await uow.cats.save(user.id, edited)
        assert await store.read.cats.get(user.id, added.id) is edited
        row = await store.read.cats.fetchone("SELECT data FROM cats WHERE id = ?", (added.id,))
        assert Cat.model_validate_json(row[0]) == _parse(row[0]) == edited
    finally:
        await store.close()
