"""Territory through the API (SPEC §1.6, docs/territory.md): claims, seeded challenges between
players, furniture from the inventory that changes rest and climbing, release."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from purrr_core.territory import claim as core_claim
from purrr_server.actions import execute
from tests.server.conftest import adopt, idem, register_and_login


async def grow(app: FastAPI, user_id: int | None, cat_id: int, **stats: Any) -> None:
    """Write grown stats straight into the store (what weeks of care would do)."""
    runtime = app.state.runtime
    if user_id is None:
        local = await runtime.store.read.users.local()
        assert local is not None
        user_id = local.id
    async with runtime.store.write(user_id) as uow:
        cat = await uow.cats.get(user_id, cat_id)
        await uow.cats.save(user_id, cat.model_copy(update={"level": 5, "energy": 90, **stats}))


async def claim(client: httpx.AsyncClient, cat_id: int, **body: Any) -> httpx.Response:
    body = {"cat_id": cat_id, "type": "garden", "location": "Back garden", **body}
    return await client.post("/api/v1/territories", json=body, headers=idem())


async def test_claim_needs_level_three_and_costs_energy(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    kitten = await adopt(client, "Kit")
    r = await claim(client, kitten["id"])
    assert r.status_code == 409 and "level 3" in r.json()["error"]["message"]
    await grow(app, None, kitten["id"])
    r = await claim(client, kitten["id"], type="moon")
    assert r.status_code == 422 and "garden" in r.json()["error"]["message"]
    r = await claim(client, kitten["id"])
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["won"] and not data["challenge"] and data["energy_spent"] == 15
    assert data["cat"]["energy"] == 75
    territory = data["territory"]
    assert territory["holder"] == {"cat_id": kitten["id"], "name": "Kit", "level": 5}
    assert territory["mine"] and territory["bonus_multiplier"] == 1.10
    assert territory["perks"] == {"rest": 1.1, "climbing": 1.1}
    listed = (await client.get("/api/v1/territories")).json()["data"]
    assert [t["id"] for t in listed] == [territory["id"]]
    # One territory per cat; the same place (any spelling) is held.
    r = await claim(client, kitten["id"], type="park", location="Elm park")
    assert r.status_code == 409 and "release one first" in r.json()["error"]["message"]
    other = await adopt(client, "Tom")
    await grow(app, None, other["id"])
    r = await claim(client, other["id"], location="  back   GARDEN ")
    assert r.status_code == 409
    assert f"purrr territory challenge {territory['id']}" in r.json()["error"]["message"]


async def test_furniture_comes_from_the_inventory_and_changes_rest_and_climbing(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    cat = await adopt(client, "Kit")
    twin = await adopt(client, "Twin")
    for c in (cat, twin):
        await grow(app, None, c["id"], energy=60)
    territory = (await claim(client, cat["id"])).json()["data"]["territory"]
    url = f"/api/v1/territories/{territory['id']}/furniture"
    r = await client.post(url, json={"item_id": "cat_bed"}, headers=idem())
    assert r.status_code == 409 and "purrr store buy cat_bed" in r.json()["error"]["message"]
    r = await client.post(url, json={"item_id": "catnip"}, headers=idem())
    assert r.status_code == 422 and "cat_tree" in r.json()["error"]["message"]
    for item in ("cat_bed", "cat_tree"):
        r = await client.post("/api/v1/store/purchase", json={"item_id": item}, headers=idem())
        assert r.status_code == 201, r.text
        r = await client.post(url, json={"item_id": item}, headers=idem())
        assert r.status_code == 200, r.text
    furnished = r.json()["data"]["territory"]
    assert furnished["furniture"] == ["cat_bed", "cat_tree"]
    assert furnished["perks"] == {"rest": 1.3, "climbing": 1.3}
    # The holder rests and climbs better than its twin without territory (same stats, same clock).
    gained = {}
    for c in (cat, twin):
        r = await client.post(f"/api/v1/cats/{c['id']}/rest", json={}, headers=idem())
        assert r.status_code == 200, r.text
        gained[c["name"]] = r.json()["data"]["energy_gained"]
    assert gained["Kit"] > gained["Twin"]
    xp = {}
    for c in (cat, twin):
        r = await client.post(
            f"/api/v1/cats/{c['id']}/play",
            json={"game": "cat_tower_climbing", "duration": 10},
            headers=idem(),
        )
        assert r.status_code == 200, r.text
        xp[c["name"]] = r.json()["data"]["xp_gained"]
    assert xp["Kit"] > xp["Twin"]
    # Releasing returns the furniture to the inventory.
    r = await client.delete(f"/api/v1/territories/{territory['id']}", headers=idem())
    assert r.status_code == 200, r.text
    assert r.json()["data"]["returned"] == ["cat_bed", "cat_tree"]
    owned = {
        i["item_id"]: i["quantity"]
        for i in (await client.get("/api/v1/store/inventory")).json()["data"]
    }
    assert owned == {"cat_bed": 1, "cat_tree": 1}
    assert (await client.get("/api/v1/territories")).json()["data"] == []


async def test_releasing_a_cat_releases_its_ground(client: httpx.AsyncClient, app: FastAPI) -> None:
    cat = await adopt(client, "Kit")
    await grow(app, None, cat["id"])
    assert (await claim(client, cat["id"])).status_code == 201
    r = await client.delete(f"/api/v1/cats/{cat['id']}", headers=idem())
    assert r.status_code == 200, r.text
    assert (await client.get("/api/v1/territories")).json()["data"] == []
    heir = await adopt(client, "Heir")
    await grow(app, None, heir["id"])
    assert (await claim(client, heir["id"])).status_code == 201


async def _player(anon: httpx.AsyncClient, bearer: Callable[[str], dict[str, str]], name: str):
    token = await register_and_login(anon, name)
    anon.headers.update(bearer(token))
    me = (await anon.get("/api/v1/auth/profile")).json()["data"]
    cat = await adopt(anon, f"{name}cat", personality_type="territorial")
    anon.headers.pop("Authorization")
    return bearer(token), me["id"], cat["id"]


async def test_a_challenge_between_players_is_seeded_and_moves_the_furniture(
    anon: httpx.AsyncClient,
    hosted_app: FastAPI,
    bearer: Callable[[str], dict[str, str]],
) -> None:
    alice, alice_id, alice_cat = await _player(anon, bearer, "alice")
    bob, bob_id, bob_cat = await _player(anon, bearer, "bob")
    await grow(hosted_app, alice_id, alice_cat, strength=10, agility=10)
    await grow(hosted_app, bob_id, bob_cat, level=30, strength=95, agility=95, energy=100)
    anon.headers.update(alice)
    held = (await claim(anon, alice_cat, type="alley", location="Fish alley")).json()["data"]
    await anon.post("/api/v1/store/purchase", json={"item_id": "window_perch"}, headers=idem())
    r = await anon.post(
        f"/api/v1/territories/{held['territory']['id']}/furniture",
        json={"item_id": "window_perch"},
        headers=idem(),
    )
    assert r.status_code == 200, r.text
    anon.headers.update(bob)
    seen = (await anon.get("/api/v1/territories?scope=all")).json()["data"]
    assert [(t["location"], t["mine"], t["holder"]["name"]) for t in seen] == [
        ("Fish alley", False, "alicecat")
    ]
    # Bob cannot release or furnish Alice's ground.
    r = await anon.delete(f"/api/v1/territories/{seen[0]['id']}", headers=idem())
    assert r.status_code == 404
    r = await anon.post(
        f"/api/v1/territories/{seen[0]['id']}/challenge", json={"cat_id": bob_cat}, headers=idem()
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["challenge"] and data["won"], data
    assert data["challenger_score"] > data["holder_score"]
    assert data["territory"]["furniture"] == ["window_perch"]
    assert data["territory"]["mine"] and data["territory"]["holder"]["cat_id"] == bob_cat
    anon.headers.update(alice)
    assert (await anon.get("/api/v1/territories")).json()["data"] == []
    polled = (await anon.get("/api/v1/events/poll", params={"since": 0})).json()["data"]
    lost = [e for e in polled["events"] if e["type"] == "territory.lost"]
    assert [e["payload"]["location"] for e in lost] == ["Fish alley"]
    seen = (await anon.get("/api/v1/territories?scope=all")).json()["data"]
    assert [(t["holder"]["name"], t["mine"]) for t in seen] == [("bobcat", False)]


async def test_the_challenge_outcome_is_fixed_by_the_actions_seed(
    anon: httpx.AsyncClient,
    hosted_app: FastAPI,
    bearer: Callable[[str], dict[str, str]],
) -> None:
    """Evenly matched cats: the action's seed decides, exactly as purrr_core replays it."""
    alice, alice_id, alice_cat = await _player(anon, bearer, "alice")
    bob, bob_id, bob_cat = await _player(anon, bearer, "bob")
    for user_id, cat_id in ((alice_id, alice_cat), (bob_id, bob_cat)):
        await grow(hosted_app, user_id, cat_id, strength=50, agility=50, energy=100)
    anon.headers.update(alice)
    held = (await claim(anon, alice_cat)).json()["data"]["territory"]["id"]
    runtime = hosted_app.state.runtime
    read = runtime.store.read
    before = (await read.cats.get(bob_id, bob_cat), await read.cats.get(alice_id, alice_cat))
    outcome = await execute(
        runtime,
        await read.users.get(bob_id),
        "territory.challenge",
        {"cat_id": bob_cat, "territory_id": held},
        seed=7,
    )
    replay = core_claim(
        before[0], "garden", "Back garden", before[1], random.Random(7), runtime.settings.now()
    )
    assert outcome.result["challenger_score"] == replay["challenger_score"]
    assert outcome.result["holder_score"] == replay["holder_score"]
    assert outcome.result["won"] == replay["won"]
    logged = await read.actions.get(outcome.action_id)
    assert logged is not None and logged["seed"] == 7 and logged["name"] == "territory.challenge"
