"""Games, store, quests and insights over HTTP."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal

import httpx

from purrr_core import Cat
from purrr_core.games import play_game
from tests.server.conftest import adopt, idem
from tests.server.economy_helpers import assert_ledger_matches, balance, data, fund


async def test_list_games(client: httpx.AsyncClient) -> None:
    games = await data(await client.get("/api/v1/games"))
    paw = next(g for g in games if g["type"] == "paw_match")
    assert paw["entry_fee_usd"] == "1.00" and paw["max_win_multiplier"] == "2.0"


async def test_crypto_game_without_funds_changes_nothing(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    before = await balance(client)
    r = await client.post(
        "/api/v1/games/paw_match/play",
        headers=idem(),
        json={"cat_id": cat["id"], "crypto_type": "BTC"},
    )
    assert r.status_code == 409 and "not enough BTC" in r.json()["error"]["message"]
    assert await balance(client) == before
    again = await data(await client.get(f"/api/v1/cats/{cat['id']}"))
    assert again["energy"] == cat["energy"] and again["version"] == cat["version"]
    assert await data(await client.get("/api/v1/games/history")) == []


async def test_play_records_a_replayable_result(client: httpx.AsyncClient, app: object) -> None:
    cat = await adopt(client)
    await fund(client, "USDC", "5")
    played = await data(
        await client.post(
            "/api/v1/games/paw_match/play",
            headers=idem(),
            json={"cat_id": cat["id"], "crypto_type": "USDC"},
        ),
        201,
    )
    assert played["entry_fee"] == "1.00000000"
    expected = Decimal("4") + (Decimal("2") if played["result"] == "win" else 0)
    assert Decimal(played["balance"]["USDC"]) == expected
    history = await data(await client.get("/api/v1/games/history"))
    assert history[0]["id"] == played["id"] and history[0]["seed"] == played["seed"]
    # replay from the stored seed, cat snapshot and time
    runtime = app.state.runtime  # type: ignore[attr-defined]
    stored = await runtime.store.read.game_results.replay_data(1, played["id"])
    replay = play_game(
        Cat.model_validate_json(stored["cat_snapshot"]),
        stored["game_type"],
        datetime.fromisoformat(stored["created_at"]),
        random.Random(stored["seed"]),
        currency=stored["crypto_type"],
        rates={k: Decimal(v) for k, v in __import__("json").loads(stored["rates"]).items()},
    )
    assert (replay.score, replay.result) == (stored["score"], stored["result"])
    board = await data(await client.get("/api/v1/games/leaderboard"))
    assert board[0]["plays"] == 1 and board[0]["rank"] == 1
    await assert_ledger_matches(client)


async def test_coin_games_and_unlock_progress(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    played = await data(
        await client.post(
            "/api/v1/games/exploration/play", headers=idem(), json={"cat_id": cat["id"]}
        ),
        201,
    )
    assert 3 <= played["coins"] <= 10 and played["balance"]["coins"] == 1000 + played["coins"]
    progress = await data(await client.get("/api/v1/special-cats"))
    luna = next(p for p in progress if p["id"] == "luna")
    assert luna["current"] == 1 and luna["required"] == 50 and luna["percent"] == 2


async def test_unknown_game_and_cat(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post("/api/v1/games/chess/play", headers=idem(), json={"cat_id": cat["id"]})
    assert r.status_code == 422 and "unknown game 'chess'" in r.json()["error"]["message"]
    r = await client.post("/api/v1/games/ball_toss/play", headers=idem(), json={"cat_id": 999})
    assert r.status_code == 404


async def test_store_buy_use_and_refusals(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    items = await data(await client.get("/api/v1/store/items", params={"category": "treats"}))
    assert {i["id"] for i in items} >= {"catnip", "honeysuckle", "dual_stimulant_pack"}
    for body in ({"item_id": "rocks"}, {"item_id": "catnip", "quantity": 0}):
        r = await client.post("/api/v1/store/purchase", headers=idem(), json=body)
        assert r.status_code == 422, r.text
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/use", headers=idem(), json={"item_id": "toy_mouse"}
    )
    assert r.status_code == 409 and "buy one with: purrr store buy toy_mouse" in r.text
    bought = await data(
        await client.post(
            "/api/v1/store/purchase", headers=idem(), json={"item_id": "toy_mouse", "quantity": 2}
        ),
        201,
    )
    assert bought["total"] == 20 and bought["coins"] == 980 and bought["owned"] == 2
    used = await data(
        await client.post(
            f"/api/v1/cats/{cat['id']}/use", headers=idem(), json={"item_id": "toy_mouse"}
        )
    )
    assert used["remaining"] == 1 and used["item"] == "toy_mouse"
    r = await client.post(
        "/api/v1/store/purchase", headers=idem(), json={"item_id": "jeweled_collar", "quantity": 2}
    )
    assert r.status_code == 409 and "short by 20" in r.json()["error"]["message"]
    assert (await balance(client))["coins"] == 980


async def test_quest_progress_from_every_source_and_claim(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    cid = cat["id"]
    await data(
        await client.post(f"/api/v1/cats/{cid}/feed", headers=idem(), json={"food_item": "milk"})
    )
    await data(await client.post(f"/api/v1/cats/{cid}/groom", headers=idem(), json={}))
    await data(
        await client.post("/api/v1/games/ball_toss/play", headers=idem(), json={"cat_id": cid}), 201
    )
    await data(
        await client.post(
            "/api/v1/store/purchase", headers=idem(), json={"item_id": "toy_mouse", "quantity": 2}
        ),
        201,
    )
    await fund(client, "USDC", "1")
    quests = {q["id"]: q for q in await data(await client.get("/api/v1/quests"))}
    assert quests["first_meal"]["complete"] and quests["first_meal"]["claimable"]
    assert quests["daily_caretaker"]["requirements"][0]["text"] == "feed_cat: 1/3"
    assert quests["daily_caretaker"]["requirements"][2]["text"] == "groom_cat: 1/1"
    assert quests["daily_player"]["requirements"][0]["text"] == "play_games: 1/3"
    assert quests["big_spender"]["requirements"][0]["text"] == "buy_items: 2/25"
    assert quests["playful_zoomies"]["personality"] == "playful"
    claimed = await data(
        await client.post("/api/v1/quests/first_meal/claim", headers=idem(), json={"cat_id": cid})
    )
    assert claimed["rewards"]["coins"] == 10 and claimed["xp_gained"] > 0
    again = await client.post("/api/v1/quests/first_meal/claim", headers=idem(), json={})
    assert again.status_code == 409
    incomplete = await client.post("/api/v1/quests/daily_feeder/claim", headers=idem())
    assert incomplete.status_code == 409 and "feed_cat: 1/5" in incomplete.text
    await assert_ledger_matches(client)


async def test_insights_learn_from_care_and_games(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    for food in ("milk", "salmon"):
        await data(await client.post(f"/api/v1/cats/{cat['id']}/pet", headers=idem(), json={}))
        await client.post(
            f"/api/v1/cats/{cat['id']}/feed", headers=idem(), json={"food_item": food}
        )
    result = await data(await client.get(f"/api/v1/cats/{cat['id']}/insights"))
    assert result["interactions"] >= 3 and result["preferences"]["foods"]
    assert len(result["predicted_mood"]) == 24
    assert (await client.get("/api/v1/cats/999/insights")).status_code == 404


def test_events_from_other_actions() -> None:
    from purrr_server.services.quests import events_for

    emitted = [
        ("quest.event", {"type": "breed"}),
        ("nightwatch.completed", {"patrol_id": 1, "summary": {"strays_rescued": 2, "deterred": 1}}),
    ]
    events = events_for("nightwatch.catch_up", {}, emitted)
    assert [(e.type, int(e.amount)) for e in events] == [
        ("breed", 1),
        ("patrol", 1),
        ("rescue", 2),
        ("deter", 1),
    ]
    care = events_for("cats.feed", {"cat": {"personality_type": "lazy"}, "leveled_up": {}}, [])
    assert [e.type for e in care] == ["feed"]
    assert care[0].attrs == {"personality": "lazy"}
