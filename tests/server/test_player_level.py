"""The player (account) level (issue 16): shown by /auth/profile, fed by the cats' XP and by quest
XP claimed without a cat, which lands there visibly."""

from __future__ import annotations

import httpx

from tests.server.conftest import adopt, idem


async def profile(client: httpx.AsyncClient) -> dict[str, int]:
    r = await client.get("/api/v1/auth/profile")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    return {k: data[k] for k in ("player_level", "player_xp", "player_xp_to_next")}


async def test_quest_xp_without_a_cat_lands_in_the_player_level(client: httpx.AsyncClient) -> None:
    assert await profile(client) == {"player_level": 1, "player_xp": 0, "player_xp_to_next": 1000}
    cat = await adopt(client)
    fed = await client.post(f"/api/v1/cats/{cat['id']}/feed", json={}, headers=idem())
    cat_xp = fed.json()["data"]["cat"]["experience"]
    assert cat_xp > 0
    shown = await profile(client)
    assert shown["player_xp"] == cat_xp and shown["player_xp_to_next"] == 1000 - cat_xp
    r = await client.post("/api/v1/quests/first_meal/claim", json={}, headers=idem())
    assert r.status_code == 200, r.text
    claimed = r.json()["data"]
    quest_xp = claimed["rewards"]["xp"]
    assert quest_xp > 0 and claimed["xp_to"] == "player"
    assert claimed["player_xp"] == cat_xp + quest_xp
    after = await profile(client)
    assert after["player_xp"] == cat_xp + quest_xp
    assert after["player_level"] == (cat_xp + quest_xp) // 1000 + 1
    # the cat did not get it
    again = (await client.get(f"/api/v1/cats/{cat['id']}")).json()["data"]
    assert again["experience"] == cat_xp
