"""Cats over HTTP: adopt, read, edit with optimistic locking, delete, care actions, history."""

from __future__ import annotations

import httpx
import pytest

from tests.server.conftest import GENOTYPE, adopt, idem

CARE_BODIES = {
    "feed": {"food_item": "salmon", "quantity": 1},
    "play": {"game": "yarn_chase", "duration": 5},
    "groom": {"kind": "brushing"},
    "pet": {},
    "train": {"command": "sit"},
    "treat": {"kind": "catnip"},
}


async def test_adopt_returns_201_with_the_cat_brought_to_now(client: httpx.AsyncClient) -> None:
    cat = await adopt(client, "  Tom  ", sex="male", breed="tabby")
    assert cat["name"] == "Tom" and cat["sex"] == "male" and cat["breed"] == "tabby"
    assert cat["genotype"] == GENOTYPE and cat["level"] == 1 and cat["version"] == 1
    assert cat["mood_label"] and cat["care"]["care_band"] == "excellent"
    assert cat["level_progress"]["level"] == 1
    assert cat["phenotype"]["name"]
    assert "decay_carry" not in cat and "decayed_at" not in cat


async def test_adopt_without_genotype_rolls_one(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/cats", json={"name": "Rolled", "personality_type": "lazy"}, headers=idem()
    )
    assert r.status_code == 201
    assert r.json()["data"]["genotype"]


async def test_list_paginates_and_counts(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await adopt(client, f"Cat{n}")
    r = await client.get("/api/v1/cats", params={"limit": 2, "offset": 1})
    assert r.status_code == 200
    assert [c["name"] for c in r.json()["data"]] == ["Cat1", "Cat2"]
    assert r.headers["X-Total-Count"] == "3"


async def test_get_cat_and_etag(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.get(f"/api/v1/cats/{cat['id']}")
    assert r.status_code == 200 and r.json()["data"]["id"] == cat["id"]
    assert r.headers["ETag"] == '"1"'


async def test_edit_with_if_match_and_stale_version(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    url = f"/api/v1/cats/{cat['id']}"
    r = await client.put(
        url,
        json={"name": "Renamed", "description": "fluffy", "is_public": True},
        headers={"If-Match": '"1"', **idem()},
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert (data["name"], data["description"], data["is_public"], data["version"]) == (
        "Renamed",
        "fluffy",
        True,
        2,
    )
    stale = await client.put(url, json={"name": "Again"}, headers={"If-Match": '"1"', **idem()})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "CONFLICT"
    by_body = await client.put(url, json={"name": "Body", "version": 2}, headers=idem())
    assert by_body.status_code == 200 and by_body.json()["data"]["version"] == 3
    bad = await client.put(url, json={"name": "X"}, headers={"If-Match": "abc", **idem()})
    assert bad.status_code == 400


async def test_delete_then_404(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.delete(f"/api/v1/cats/{cat['id']}", headers=idem())
    assert r.status_code == 200 and r.json()["data"] == {"id": cat["id"], "deleted": True}
    assert (await client.get(f"/api/v1/cats/{cat['id']}")).status_code == 404
    again = await client.delete(f"/api/v1/cats/{cat['id']}", headers=idem())
    assert again.status_code == 404


async def test_feed_returns_the_documented_fields(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/feed",
        json={"food_item": "salmon", "quantity": 1},
        headers=idem(),
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    for field in ("hunger_restored", "happiness_gained", "energy_gained", "new_stats", "cat"):
        assert field in data
    assert data["hunger_restored"] == 32
    assert data["cat"]["hunger"] == data["new_stats"]["hunger"] == cat["hunger"] + 32
    assert data["cat"]["version"] == 2


@pytest.mark.parametrize("name", sorted(CARE_BODIES))
async def test_every_care_action(client: httpx.AsyncClient, name: str) -> None:
    cat = await adopt(client)
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/{name}", json=CARE_BODIES[name], headers=idem()
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["action"] == name


async def test_rest_needs_a_tired_cat_then_works(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    url = f"/api/v1/cats/{cat['id']}"
    assert (await client.post(f"{url}/rest", headers=idem())).status_code == 409
    await client.post(f"{url}/play", json={"game": "mouse_hunt", "duration": 30}, headers=idem())
    r = await client.post(f"{url}/rest", headers=idem())
    assert r.status_code == 200 and r.json()["data"]["resting"] is True


async def test_legacy_field_names(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    url = f"/api/v1/cats/{cat['id']}"
    fed = await client.post(
        f"{url}/feed", json={"food_type": "tuna_fish", "amount": 1}, headers=idem()
    )
    assert fed.status_code == 200 and fed.json()["data"]["hunger_restored"] == 30
    played = await client.post(
        f"{url}/play", json={"game_type": "laser_pointer", "duration": 5}, headers=idem()
    )
    assert played.status_code == 200 and played.json()["data"]["duration"] == 5
    groomed = await client.post(f"{url}/groom", json={"grooming_type": "bath"}, headers=idem())
    assert groomed.status_code == 200
    assert groomed.json()["data"]["interaction"]["activity"] == "bath"


async def test_tired_cat_is_a_conflict(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/play",
        json={"game": "mouse_hunt", "duration": 120},
        headers=idem(),
    )
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "CONFLICT" and "too tired" in error["message"]


async def test_history_lists_the_cats_actions_newest_first(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    other = await adopt(client, "Other")
    await client.post(f"/api/v1/cats/{cat['id']}/feed", json={}, headers=idem())
    await client.post(f"/api/v1/cats/{cat['id']}/pet", headers=idem())
    await client.post(f"/api/v1/cats/{other['id']}/pet", headers=idem())
    r = await client.get(f"/api/v1/cats/{cat['id']}/history")
    names = [a["name"] for a in r.json()["data"]]
    assert names == ["cats.pet", "cats.feed", "cats.adopt"]
    entry = r.json()["data"][0]
    assert entry["seed"] is not None and entry["result"]["action"] == "pet"
    assert r.headers["X-Total-Count"] == "3"


async def test_status_lists_care_of_every_cat(client: httpx.AsyncClient) -> None:
    await adopt(client, "A")
    await adopt(client, "B")
    r = await client.get("/api/v1/cats/status")
    data = r.json()["data"]
    assert [c["name"] for c in data] == ["A", "B"]
    assert {"care", "mood_label", "stats", "level"} <= set(data[0])


async def test_care_interactions_are_stored(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    await client.post(f"/api/v1/cats/{cat['id']}/pet", headers=idem())
    export = (await client.get("/api/v1/account/export")).json()["data"]["tables"]
    assert [(i["type"], i["cat_id"]) for i in export["interactions"]] == [("pet", cat["id"])]
