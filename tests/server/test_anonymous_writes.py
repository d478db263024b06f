"""The executor's rule for anonymous writes (purrr_server.actions, docs/architecture.md): an
anonymous call writes on the system counter unless its action binds its player; a player an
anonymous handler turns out to act for gets a version of their own for their log row and events;
`lock_players` moves every locked player's counter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from purrr_server.actions import ActionContext, NoArgs, execute
from purrr_server.store.database import SYSTEM_PLAYER
from tests.server.conftest import idem, register_and_login
from tests.server.test_oauth import add_client, bearer, tokens_for


async def counter(app: FastAPI, user_id: int) -> int:
    return int(await app.state.runtime.store.player_version(user_id))


async def test_an_anonymous_action_that_binds_no_player_writes_on_the_system_counter(
    hosted_app: FastAPI, temporary_action: Callable[..., Any]
) -> None:
    @temporary_action("test.anonymous_write", args=NoArgs, anonymous=True, syncs=False)
    async def write(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
        # No special case here: the handler writes as soon as it likes.
        client = await ctx.store.oauth.add_client(
            client_id="pci_rule",
            name="Rule",
            secret_hash=None,
            redirect_uris=["https://rule.example/cb"],
            scopes=["read"],
            user_id=None,
            now=ctx.stamp,
        )
        return {"ref": client.ref, "version": ctx.version}

    runtime = hosted_app.state.runtime
    await runtime.ensure_open()
    before = await counter(hosted_app, SYSTEM_PLAYER)
    outcome = await execute(runtime, None, "test.anonymous_write", {}, via="internal")
    assert await counter(hosted_app, SYSTEM_PLAYER) == before + 1
    assert outcome.result["version"] == before + 1
    row = await runtime.store.read.oauth.fetchone(
        "SELECT row_version FROM oauth_clients WHERE client_id = 'pci_rule'"
    )
    assert row[0] == before + 1
    logged = await runtime.store.read.actions.fetchone(
        "SELECT user_id FROM actions WHERE id = ?", (outcome.action_id,)
    )
    assert logged[0] is None


async def test_an_action_that_binds_its_player_leaves_the_system_counter_alone(
    hosted_app: FastAPI, anon: httpx.AsyncClient
) -> None:
    await hosted_app.state.runtime.ensure_open()
    before = await counter(hosted_app, SYSTEM_PLAYER)
    session = await register_and_login(anon, "binder")  # register, then login: both bind
    me = (await anon.get("/api/v1/auth/profile", headers=bearer(session))).json()["data"]
    assert await counter(hosted_app, SYSTEM_PLAYER) == before
    assert await counter(hosted_app, me["id"]) == 2


async def test_a_grant_owners_events_carry_versions_of_their_own(
    hosted_app: FastAPI, anon: httpx.AsyncClient
) -> None:
    """oauth.token writes on the system counter, then acts for the grant's owner: the owner's
    log row and events come at a version new to the owner, so their live stream, which resumes
    after the last version it saw, misses none of their later events."""
    client = await add_client(hosted_app)
    # Many anonymous writes first: the system counter runs far ahead of the player's.
    for n in range(5):
        await add_client(hosted_app, name=f"Other {n}")
    session = await register_and_login(anon, "owner")
    me = (await anon.get("/api/v1/auth/profile", headers=bearer(session))).json()["data"]
    system_before = await counter(hosted_app, SYSTEM_PLAYER)
    assert system_before > await counter(hosted_app, me["id"])

    await tokens_for(anon, session, client)
    owner_version = await counter(hosted_app, me["id"])
    assert await counter(hosted_app, SYSTEM_PLAYER) >= system_before + 1
    events = (await anon.get("/api/v1/events/poll", headers=bearer(session))).json()["data"][
        "events"
    ]
    token_events = [e for e in events if e["payload"].get("name") == "oauth.token"]
    assert token_events and token_events[-1]["version"] == owner_version
    seen = max(e["version"] for e in events)
    assert seen == owner_version

    # The owner's next write lands above everything their stream has seen.
    r = await anon.post(
        "/api/v1/cats",
        headers={**bearer(session), **idem()},
        json={"name": "After", "personality_type": "playful"},
    )
    assert r.status_code == 201, r.text
    later = (
        await anon.get("/api/v1/events/poll", headers=bearer(session), params={"since": seen})
    ).json()["data"]["events"]
    assert any(e["payload"].get("name") == "cats.adopt" for e in later), later


async def test_locking_another_player_moves_their_counter_past_what_it_wrote(
    hosted_app: FastAPI, anon: httpx.AsyncClient
) -> None:
    """A player far ahead locks one behind: the row written for the one behind carries a version
    their counter now has, so their own next write comes after it."""
    runtime = hosted_app.state.runtime
    await runtime.ensure_open()
    ahead_token = await register_and_login(anon, "ahead")
    behind_token = await register_and_login(anon, "behind")
    ids = []
    for token in (ahead_token, behind_token):
        ids.append(
            (await anon.get("/api/v1/auth/profile", headers=bearer(token))).json()["data"]["id"]
        )
    ahead, behind = ids
    for n in range(4):
        async with runtime.store.write(ahead) as uow:
            await uow.counters.add(ahead, "bumps", n)
    assert await counter(hosted_app, ahead) > await counter(hosted_app, behind)
    async with runtime.store.write(ahead) as uow:
        await uow.lock_players(behind)
        event = await uow.events.append(behind, "test.touched", {}, "2026-11-23T12:00:00+00:00")
        written = uow.version
    assert await counter(hosted_app, behind) == written
    assert await counter(hosted_app, ahead) == written
    async with runtime.store.write(behind) as uow:
        assert uow.version == written + 1
    assert event > 0
