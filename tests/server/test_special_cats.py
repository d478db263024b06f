"""Special cats over HTTP: progress, refusal while locked, adoption once unlocked, only once."""

from __future__ import annotations

import sqlite3

import httpx

from purrr_server.settings import Settings
from tests.server.conftest import idem

API = "/api/v1"


async def test_special_cats_are_earned_then_adopted_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    progress = (await client.get(f"{API}/special-cats")).json()["data"]
    assert {p["id"] for p in progress} == {"bandit", "luna", "rycat"}
    locked = await client.post(f"{API}/special-cats/rycat/adopt", headers=idem())
    assert locked.status_code == 409 and "0/25" in locked.json()["error"]["message"]
    assert (await client.get(f"{API}/cats")).json()["data"] == []

    with sqlite3.connect(settings.db_path) as db:  # 25 puzzles solved, as games would count them
        user_id = db.execute("SELECT id FROM users WHERE is_local = 1").fetchone()[0]
        db.execute(
            "INSERT INTO player_counters (user_id, counter, value, row_version)"
            " VALUES (?, 'puzzles_completed', 25, 0)",
            (user_id,),
        )
    adopted = await client.post(f"{API}/special-cats/rycat/adopt", headers=idem())
    assert adopted.status_code == 201, adopted.text
    rycat = adopted.json()["data"]
    assert (rycat["name"], rycat["special_id"], rycat["level"]) == ("RyCat", "rycat", 10)
    again = await client.post(f"{API}/special-cats/rycat/adopt", headers=idem())
    assert again.status_code == 409 and "already" in again.json()["error"]["message"]
    unknown = await client.post(f"{API}/special-cats/nyan/adopt", headers=idem())
    assert unknown.status_code == 422 and "'nyan'" in unknown.json()["error"]["message"]
