"""Night Watch over HTTP: a whole night, refusals, zones and coins (wallet and ledger), patrol
rewards, quests, alerts, recall, settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.settings import Settings
from tests.server.conftest import _serve, adopt, idem, make_settings, register_and_login
from tests.server.economy_helpers import assert_ledger_matches

EVENING = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
API = "/api/v1/night-watch"


@pytest.fixture(autouse=True)
def fixed_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every action's seed is fixed, so each night is the same on every run."""
    monkeypatch.setattr("purrr_server.actions.secrets.randbits", lambda bits: 20261123)


@pytest.fixture
def night_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "night", pinned_now=EVENING)


@pytest.fixture
async def night(
    night_settings: Settings, make_app: Callable[..., FastAPI]
) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(night_settings)
    token = night_settings.token_path.read_text().strip()
    async for c in _serve(app, {"Authorization": f"Bearer {token}"}):
        yield c


def set_clock(settings: Settings, when: datetime) -> None:
    settings.pinned_now = when


async def team(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Four cats, fed first: a new cat arrives hungry, and a hungry cat patrols worse."""
    kinds = ("playful", "curious", "social_butterfly", "lazy")
    cats = [await adopt(client, f"Cat{i}", personality_type=p) for i, p in enumerate(kinds, 1)]
    for cat in cats:
        fed = await client.post(
            f"/api/v1/cats/{cat['id']}/feed", json={"quantity": 3}, headers=idem()
        )
        assert fed.status_code == 200, fed.text
    return cats


async def post(client: httpx.AsyncClient, path: str, body: Any = None) -> httpx.Response:
    return await client.post(f"{API}{path}", json=body, headers=idem())


def data(r: httpx.Response) -> Any:
    assert r.json()["success"], r.text
    return r.json()["data"]


def error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    return dict(err)


async def coin_ledger(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The player's COINS ledger entries, oldest first."""
    r = await client.get("/api/v1/economy/ledger", params={"currency": "COINS", "limit": 1000})
    return list(reversed(data(r)))


async def test_a_whole_night(night: httpx.AsyncClient, night_settings: Settings) -> None:
    cats = await team(night)
    ids = [c["id"] for c in cats]
    r = await post(
        night, "/deploy", {"cat_ids": ids, "area": "park", "roles": {str(ids[3]): "healer"}}
    )
    assert r.status_code == 201, r.text
    patrol = data(r)
    assert patrol["status"] == "active" and patrol["area"] == "park"
    assert patrol["roles"] == {
        str(ids[0]): "guardian",
        str(ids[1]): "scout",
        str(ids[2]): "healer",
        str(ids[3]): "healer",
    }
    assert patrol["ends_at"].startswith("2026-11-24T06:00")
    tired = data(await night.get(f"/api/v1/cats/{ids[0]}"))
    assert tired["energy"] < 100  # deploying costs energy

    set_clock(night_settings, EVENING + timedelta(minutes=90))
    status = data(await night.get(f"{API}/status"))
    assert status["active"] and status["window"]["open"]
    assert status["patrol"]["ticks_done"] == 3 and status["patrol"]["status"] == "active"
    assert status["patrol"]["events"][0]["kind"] == "deployed"
    before = {c: data(await night.get(f"/api/v1/cats/{c}"))["experience"] for c in ids}

    set_clock(night_settings, datetime(2026, 11, 24, 6, 30, tzinfo=UTC))
    status = data(await night.get(f"{API}/status"))
    done = status["patrol"]
    assert not status["active"] and done["status"] == "completed" and done["ticks_done"] == 16
    assert done["events"][-1]["kind"] == "completed"
    assert {r["cat_id"] for r in done["results"]} == set(ids)
    assert all(r["xp"] > 0 for r in done["results"])
    after = {c: data(await night.get(f"/api/v1/cats/{c}"))["experience"] for c in ids}
    assert all(after[c] > before[c] for c in ids)  # XP really reached the cats
    record = status["record"]
    assert record["patrols"] == 1 and record["encounters"] == done["summary"]["encounters"]
    assert record["cats_saved"] == done["summary"]["strays_saved"]
    earned = {a["id"] for a in status["achievements"] if a["earned"]}
    assert "first_night_watch" in earned and len(status["achievements"]) == 10
    # reading again changes nothing: the patrol was settled once
    again = data(await night.get(f"{API}/stats"))
    assert again["patrols"] == 1
    assert after == {c: data(await night.get(f"/api/v1/cats/{c}"))["experience"] for c in ids}
    history = await night.get(f"{API}/patrols")
    assert history.headers["X-Total-Count"] == "1"
    assert data(history)[0]["status"] == "completed"
    one = data(await night.get(f"{API}/patrols/{done['id']}"))
    assert one["summary"] == done["summary"]
    events = data(await night.get("/api/v1/events/poll"))["events"]
    kinds = [e["type"] for e in events if e["type"].startswith("nightwatch.")]
    assert "nightwatch.deployed" in kinds and "nightwatch.tick" in kinds
    settled = [e for e in events if "summary" in e["payload"]]  # quests count these as patrols
    assert [e["type"] for e in settled] == ["nightwatch.completed"]


async def test_a_cat_read_after_the_night_shows_the_patrol_xp(
    night: httpx.AsyncClient, night_settings: Settings
) -> None:
    cats = await team(night)
    ids = [c["id"] for c in cats]
    data(await post(night, "/deploy", {"cat_ids": ids}))
    before = {c["id"]: c["experience"] for c in data(await night.get("/api/v1/cats"))}
    set_clock(night_settings, datetime(2026, 11, 24, 6, 30, tzinfo=UTC))
    after = {c["id"]: c["experience"] for c in data(await night.get("/api/v1/cats"))}
    assert all(after[i] > before[i] for i in ids)  # no Night Watch read was needed
    assert after == {c["id"]: c["experience"] for c in data(await night.get("/api/v1/cats"))}
    assert data(await night.get(f"{API}/stats"))["patrols"] == 1  # settled exactly once


async def test_a_settled_patrol_pays_its_reward_once_through_the_ledger(
    night: httpx.AsyncClient, night_settings: Settings
) -> None:
    ids = [c["id"] for c in await team(night)]
    patrol = data(await post(night, "/deploy", {"cat_ids": ids}))
    assert patrol["summary"]["coins_earned"] == 0
    set_clock(night_settings, EVENING + timedelta(hours=4))
    so_far = data(await night.get(f"{API}/status"))["patrol"]["summary"]
    assert data(await night.get(f"{API}/stats"))["coins"] == 1000  # nothing paid before settling
    set_clock(night_settings, datetime(2026, 11, 24, 6, 30, tzinfo=UTC))
    done = data(await night.get(f"{API}/status"))
    summary = done["patrol"]["summary"]
    # 8 per bobcat deterred, 5 per stray saved, 10 for a night run to its end
    reward = 8 * summary["deterred"] + 5 * summary["strays_saved"] + 10
    assert summary["coins_earned"] == reward > so_far["coins_earned"]
    assert done["record"]["coins"] == 1000 + reward
    entries = await coin_ledger(night)
    assert [(e["reason"], int(e["amount"])) for e in entries] == [
        ("starting balance", 1000),
        (f"night watch patrol #{patrol['id']}", reward),
    ]
    assert entries[-1]["counterparty"] == "nightwatch"
    for _ in range(2):  # later reads find nothing to settle: paid exactly once
        assert data(await night.get(f"{API}/stats"))["coins"] == 1000 + reward
    assert len(await coin_ledger(night)) == 2
    shown = await assert_ledger_matches(night)  # balance = Σ entries
    assert shown["coins"] == 1000 + reward


async def test_a_recalled_patrol_earns_no_completion_bonus(
    night: httpx.AsyncClient, night_settings: Settings
) -> None:
    ids = [c["id"] for c in await team(night)]
    data(await post(night, "/deploy", {"cat_ids": ids, "area": "alley"}))
    set_clock(night_settings, EVENING + timedelta(hours=5, minutes=10))
    recalled = data(await post(night, "/recall"))["recalled"][0]
    summary = recalled["summary"]
    assert summary["coins_earned"] == 8 * summary["deterred"] + 5 * summary["strays_saved"]
    assert summary["coins_earned"] > 0, "this seed saves strays in five hours"
    assert data(await night.get(f"{API}/stats"))["coins"] == 1000 + summary["coins_earned"]
    assert [e["reason"] for e in await coin_ledger(night)] == [
        "starting balance",
        f"night watch patrol #{recalled['id']}",
    ]
    await assert_ledger_matches(night)


async def test_quests_advance_when_a_read_settles_the_patrol(
    night: httpx.AsyncClient, night_settings: Settings
) -> None:
    """The patrol ends unseen; the next read runs `nightwatch.catch_up`, which settles it, and
    the quest hook counts it once: a patrol, its rescues and the coins it earned."""
    december = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)  # Winter Watch: 10 patrols this winter
    set_clock(night_settings, december)
    ids = [c["id"] for c in await team(night)]
    data(await post(night, "/deploy", {"cat_ids": ids, "area": "alley"}))

    def progress(quests: list[dict[str, Any]], quest_id: str) -> str:
        quest = next(q for q in quests if q["id"] == quest_id)
        return str(quest["requirements"][0]["current"])

    set_clock(night_settings, december + timedelta(hours=3))
    assert progress(data(await night.get("/api/v1/quests")), "winter_watch") == "0"
    assert data(await night.get(f"{API}/status"))["active"]  # ticks caught up, not settled
    assert progress(data(await night.get("/api/v1/quests")), "winter_watch") == "0"

    set_clock(night_settings, december + timedelta(hours=9))
    summary = data(await night.get(f"{API}/patrols"))[0]  # this read settles the patrol
    assert summary["status"] == "completed" and summary["strays_rescued"] > 0
    quests = data(await night.get("/api/v1/quests"))
    assert progress(quests, "winter_watch") == "1"
    assert progress(quests, "stray_savior") == str(min(10, summary["strays_rescued"]))
    actions = data(await night.get("/api/v1/events/poll"))["events"]
    applied = [e["payload"]["name"] for e in actions if e["type"] == "action.applied"]
    assert applied[-1] == "nightwatch.catch_up"
    coins = [e["payload"] for e in actions if e["type"] == "quest.event"]
    assert coins == [{"type": "coins_earned", "amount": summary["coins_earned"]}]
    data(await night.get(f"{API}/status"))
    assert progress(data(await night.get("/api/v1/quests")), "winter_watch") == "1"


async def test_deploy_refusals(night: httpx.AsyncClient, night_settings: Settings) -> None:
    cats = await team(night)
    ids = [c["id"] for c in cats]
    set_clock(night_settings, EVENING.replace(hour=20, minute=59))
    err = error(await post(night, "/deploy", {"cat_ids": ids}), 409, "CONFLICT")
    assert "Night patrols can only be deployed between 21:00 and 06:00" in err["message"]
    set_clock(night_settings, EVENING)
    err = error(await post(night, "/deploy", {"cat_ids": [ids[0], 999, 998]}), 404, "NOT_FOUND")
    assert "999, 998" in err["message"] and err["details"]["missing"] == [999, 998]
    err = error(
        await post(night, "/deploy", {"cat_ids": ids, "roles": {str(ids[0]): "ninja"}}),
        422,
        "VALIDATION_ERROR",
    )
    assert "unknown role 'ninja'" in err["message"]
    error(await post(night, "/deploy", {"cat_ids": ids, "area": "moon"}), 422, "VALIDATION_ERROR")
    error(await post(night, "/deploy", {"cat_ids": []}), 422, "VALIDATION_ERROR")
    more = [(await adopt(night, f"Extra{i}"))["id"] for i in range(9)]
    err = error(await post(night, "/deploy", {"cat_ids": ids[2:] + more}), 422, "VALIDATION_ERROR")
    assert "at most 10 cats can go on one patrol (asked for 11)" in err["message"]
    assert (await post(night, "/deploy", {"cat_ids": ids[:2]})).status_code == 201
    err = error(await post(night, "/deploy", {"cat_ids": ids[1:]}), 409, "CONFLICT")
    assert "already under way with Cat1, Cat2" in err["message"]


async def test_one_patrol_at_a_time(night: httpx.AsyncClient, night_settings: Settings) -> None:
    """Splitting a team into one-cat patrols would draw strays and bobcats once per patrol and
    out-earn the same cats patrolling together: a second patrol is refused until the first ends."""
    ids = [c["id"] for c in await team(night)]
    first = data(await post(night, "/deploy", {"cat_ids": ids[:2]}))
    before = [data(await night.get(f"/api/v1/cats/{i}"))["energy"] for i in ids]
    for solo in ids[2:]:
        err = error(await post(night, "/deploy", {"cat_ids": [solo]}), 409, "CONFLICT")
        assert err["message"] == (
            f"patrol #{first['id']} is already under way with Cat1, Cat2 (until 06:00); recall it "
            "with `purrr nightwatch recall` or wait for it to end"
        )
        assert err["details"]["patrol_id"] == first["id"]
        assert err["details"]["cat_ids"] == ids[:2]
    # the refusals changed nothing: no new patrol, no energy spent
    assert [data(await night.get(f"/api/v1/cats/{i}"))["energy"] for i in ids] == before
    assert [p["id"] for p in data(await night.get(f"{API}/patrols"))] == [first["id"]]
    set_clock(night_settings, EVENING + timedelta(minutes=40))
    assert data(await post(night, "/recall"))["recalled"][0]["id"] == first["id"]
    second = data(await post(night, "/deploy", {"cat_ids": ids[2:]}))
    assert second["status"] == "active"
    status = data(await night.get(f"{API}/status"))
    assert [p["id"] for p in status["patrols"]] == [second["id"]]


async def test_on_guard_counts_patrols_with_a_territorial_cat(
    night: httpx.AsyncClient, night_settings: Settings
) -> None:
    """The settled patrol's quest event carries its cats' personalities: a patrol with a
    territorial cat advances the personality quest On Guard by one, a patrol without one does not."""

    def on_guard(quests: list[dict[str, Any]]) -> str:
        quest = next(q for q in quests if q["id"] == "territorial_guard")
        return str(quest["requirements"][0]["current"])

    ids = [c["id"] for c in await team(night)]
    data(await post(night, "/deploy", {"cat_ids": ids}))
    set_clock(night_settings, EVENING + timedelta(hours=9))
    patrol = data(await night.get(f"{API}/status"))["patrol"]
    assert patrol["status"] == "completed"
    assert "territorial" not in patrol["summary"]["personalities"]
    assert on_guard(data(await night.get("/api/v1/quests"))) == "0"

    next_night = EVENING + timedelta(days=1)
    set_clock(night_settings, next_night)
    guards = [
        (await adopt(night, name, personality_type="territorial"))["id"] for name in ("Rex", "Max")
    ]
    both = [guards[0], guards[1], (await adopt(night, "Pip", personality_type="lazy"))["id"]]
    data(await post(night, "/deploy", {"cat_ids": both}))
    set_clock(night_settings, next_night + timedelta(hours=9))
    patrol = data(await night.get(f"{API}/status"))["patrol"]
    assert patrol["status"] == "completed"
    assert patrol["summary"]["personalities"] == ["lazy", "territorial"]
    assert on_guard(data(await night.get("/api/v1/quests"))) == "1"  # two guards, one patrol


async def test_foreign_cats_are_named_as_not_found(
    anon: httpx.AsyncClient, hosted_settings: Settings
) -> None:
    set_clock(hosted_settings, EVENING)
    alice = {"Authorization": f"Bearer {await register_and_login(anon, 'alice')}"}
    bob = {"Authorization": f"Bearer {await register_and_login(anon, 'bob')}"}
    r = await anon.post(
        "/api/v1/cats",
        headers={**alice, **idem()},
        json={"name": "Mine", "personality_type": "lazy"},
    )
    alices_cat = r.json()["data"]["id"]
    r = await anon.post(f"{API}/deploy", headers={**bob, **idem()}, json={"cat_ids": [alices_cat]})
    err = error(r, 404, "NOT_FOUND")
    assert str(alices_cat) in err["message"]


async def test_zones_cost_coins_and_are_validated(night: httpx.AsyncClient) -> None:
    zones = data(await night.get(f"{API}/zones"))
    assert [(z["name"], z["type"], z["radius"]) for z in zones] == [
        ("Home Base", "safe_haven", 100)
    ]
    coins = data(await night.get(f"{API}/stats"))["coins"]
    assert coins == 1000
    r = await post(
        night,
        "/zones",
        {"type": "safe_haven", "name": "Park Haven", "location": "Central Park", "radius": 75},
    )
    assert r.status_code == 201, r.text
    assert data(r)["coins_left"] == 700 and data(r)["zone"]["radius"] == 75
    assert data(await night.get(f"{API}/stats"))["coins"] == 700
    assert data(await night.get("/api/v1/economy/balance"))["coins"] == 700  # one home: the wallet
    paid = (await coin_ledger(night))[-1]
    assert (paid["reason"], int(paid["amount"]), int(paid["balance_after"])) == (
        "night watch zone safe_haven",
        -300,
        700,
    )
    assert paid["counterparty"] == "nightwatch"
    err = error(
        await post(night, "/zones", {"type": "moat", "name": "x", "location": "y"}),
        422,
        "VALIDATION_ERROR",
    )
    assert "unknown zone type 'moat'" in err["message"]
    err = error(
        await post(
            night, "/zones", {"type": "cat_condo", "name": "x", "location": "y", "radius": 300}
        ),
        422,
        "VALIDATION_ERROR",
    )
    assert "radius must be 25–200" in err["message"]
    assert (
        await post(night, "/zones", {"type": "cat_condo", "name": "C", "location": "y"})
    ).status_code == 201
    before = (
        data(await night.get(f"{API}/stats")),
        await coin_ledger(night),
        data(await night.get(f"{API}/zones")),
    )
    err = error(
        await post(night, "/zones", {"type": "cat_condo", "name": "D", "location": "y"}),
        409,
        "CONFLICT",
    )
    assert "not enough coins" in err["message"] and "you have 200" in err["message"]
    # the refusal changed nothing: coins, ledger, zones and totals are as they were
    after = (
        data(await night.get(f"{API}/stats")),
        await coin_ledger(night),
        data(await night.get(f"{API}/zones")),
    )
    assert after == before
    assert len(after[2]) == 3 and after[0]["zones"] == 3 and after[0]["coins"] == 200
    assert [int(e["amount"]) for e in after[1]] == [1000, -300, -500]
    await assert_ledger_matches(night)


async def test_alerts_can_be_answered_once(
    night: httpx.AsyncClient, night_settings: Settings
) -> None:
    cats = await team(night)
    ten = [c["id"] for c in cats] + [(await adopt(night, f"X{i}"))["id"] for i in range(6)]
    assert (await post(night, "/deploy", {"cat_ids": ten, "area": "park"})).status_code == 201
    set_clock(night_settings, datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    alerts = data(await night.get(f"{API}/alerts"))
    assert len(alerts) >= 2, "this seed raises alerts"
    assert {"id", "type", "level", "message", "raised_at", "npc_responders", "open"} <= set(
        alerts[0]
    )
    oldest, later = alerts[-1], alerts[-2]
    set_clock(night_settings, datetime.fromisoformat(oldest["raised_at"]) + timedelta(minutes=2))
    r = await post(night, f"/alerts/{oldest['id']}/respond")
    assert r.status_code == 200, r.text
    assert data(r)["alert"]["responded_at"] is not None and data(r)["reputation"] >= 1
    err = error(await post(night, "/alerts", {"alert_id": oldest["id"]}), 409, "CONFLICT")
    assert "already answered" in err["message"]
    set_clock(night_settings, datetime.fromisoformat(later["expires_at"]))
    err = error(await post(night, "/alerts", {"alert_id": later["id"]}), 409, "CONFLICT")
    assert "expired" in err["message"]
    error(await post(night, "/alerts/99999/respond"), 404, "NOT_FOUND")
    assert data(await night.get(f"{API}/stats"))["alerts_responded"] == 1


async def test_recall(night: httpx.AsyncClient, night_settings: Settings) -> None:
    ids = [c["id"] for c in await team(night)]
    err = error(await post(night, "/recall"), 409, "CONFLICT")
    assert "no patrol is under way" in err["message"]
    patrol = data(await post(night, "/deploy", {"cat_ids": ids}))
    set_clock(night_settings, EVENING + timedelta(minutes=75))
    r = await post(night, "/recall")
    assert r.status_code == 200, r.text
    recalled = data(r)["recalled"][0]
    assert recalled["status"] == "recalled" and recalled["ticks_done"] == 2
    assert data(await night.get(f"{API}/stats"))["patrols"] == 1
    error(await post(night, f"/patrols/{patrol['id']}/recall"), 409, "CONFLICT")
    # the cats are free again
    assert (await post(night, "/deploy", {"cat_ids": ids})).status_code == 201


async def test_the_window_is_configurable(tmp_path: Path, make_app: Callable[..., FastAPI]) -> None:
    settings = make_settings(
        tmp_path / "noon",
        pinned_now=EVENING.replace(hour=12),
        night_watch={"start_hour": 12, "max_cats": 2},
    )
    app: FastAPI = make_app(settings)
    token = settings.token_path.read_text().strip()
    async for client in _serve(app, {"Authorization": f"Bearer {token}"}):
        ids = [c["id"] for c in await team(client)]
        err = error(await post(client, "/deploy", {"cat_ids": ids}), 422, "VALIDATION_ERROR")
        assert "at most 2 cats" in err["message"]
        assert (await post(client, "/deploy", {"cat_ids": ids[:2]})).status_code == 201
        status = data(await client.get(f"{API}/status"))
        assert status["window"]["start"] == "12:00" and status["window"]["max_cats"] == 2


async def test_a_cat_on_patrol_is_home_only_after_the_recall(
    night: httpx.AsyncClient, night_settings: Settings
) -> None:
    """One rule for every action on a cat: while on patrol it cannot be cared for, play a game,
    be released or be edited; a recall frees it. A patrol recalled at once counts for nothing."""
    ids = [c["id"] for c in await team(night)]
    data(await post(night, "/deploy", {"cat_ids": ids[:2]}))
    cat = f"/api/v1/cats/{ids[0]}"
    for r in (
        await night.post(f"{cat}/rest", json={}, headers=idem()),
        await night.post(f"{cat}/play", json={}, headers=idem()),
        await night.post("/api/v1/games/ball_toss/play", json={"cat_id": ids[0]}, headers=idem()),
        await night.delete(cat, headers=idem()),
    ):
        err = error(r, 409, "CONFLICT")
        assert err["details"]["reason"] == "on_patrol" and "recall" in err["message"]
    home = await night.post(f"/api/v1/cats/{ids[2]}/pet", json={}, headers=idem())
    assert home.status_code == 200, home.text  # a cat at home is not refused
    data(await post(night, "/recall"))
    assert data(await night.post(f"{cat}/play", json={}, headers=idem()))["action"] == "play"
    status = data(await night.get(f"{API}/status"))
    assert status["record"]["patrols"] == 0  # recalled before a tick ended: it counts for nothing
