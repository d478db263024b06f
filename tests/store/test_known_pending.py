"""What a unit of work learns about its player's pending work with a cat (`CatRepository.get`),
and when it must forget it (`Session.known_pending`)."""

from __future__ import annotations

from datetime import datetime
from random import Random

from purrr_core import adopt
from purrr_server.store import Store

NOW = "2026-12-01T12:00:00+00:00"
LATER = "2026-12-02T12:00:00+00:00"


async def _player_with_a_cat(store: Store) -> tuple[int, int]:
    async with store.write() as uow:
        user = await uow.users.create(username="keeper", email=None, password_hash=None, now=NOW)
        user_id = user.id
        cat = await uow.cats.add(
            user_id, adopt("Tom", "playful", now=datetime.fromisoformat(NOW), rng=Random(1))
        )
    return user_id, cat.id


async def _add_breeding(uow: object, user_id: int, cat_id: int) -> None:
    await uow.breedings.insert(  # type: ignore[attr-defined]
        "INSERT INTO breedings (user_id, sire_id, dam_id, method, seed, success_probability,"
        " compatibility, coi, started_at, estimated_completion, created_at, updated_at)"
        " VALUES (?, ?, ?, 'natural', 1, '0.5', 50, '0', ?, ?, ?, ?) RETURNING id",
        (user_id, cat_id, cat_id, NOW, LATER, NOW, NOW),
    )


async def test_a_write_knows_there_is_nothing_pending_until_it_writes_some(store: Store) -> None:
    user_id, cat_id = await _player_with_a_cat(store)
    async with store.write(user_id) as uow:
        await uow.cats.get_checked(user_id, cat_id)  # warms nothing: reads only
        assert uow.known_pending == {}
        await uow.cats.get(user_id, cat_id)
        assert uow.knows_none_pending(user_id, "breedings")
        assert uow.knows_none_pending(user_id, "patrols")
        assert await uow.breedings.pending(user_id) == []
        assert await uow.nightwatch.unsettled_patrols(user_id) == []

        await _add_breeding(uow, user_id, cat_id)

        assert uow.known_pending == {}
        assert len(await uow.breedings.pending(user_id)) == 1


async def test_a_pending_breeding_is_known_and_asked_for(store: Store) -> None:
    user_id, cat_id = await _player_with_a_cat(store)
    async with store.write(user_id) as uow:
        await _add_breeding(uow, user_id, cat_id)
    async with store.write(user_id) as uow:
        await uow.cats.get(user_id, cat_id)
        assert not uow.knows_none_pending(user_id, "breedings")
        assert uow.knows_none_pending(user_id, "patrols")
        assert len(await uow.breedings.pending(user_id)) == 1


async def test_reads_and_other_players_learn_nothing(store: Store) -> None:
    user_id, cat_id = await _player_with_a_cat(store)
    await store.read.cats.get(user_id, cat_id)
    assert store.read.known_pending == {}
    async with store.write(bump_version=False) as uow:
        await uow.cats.get(user_id, cat_id)  # not the locked player: nothing kept
        assert uow.known_pending == {}
