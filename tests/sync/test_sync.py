"""Sync between a local game and a hosted remote, in-process, with injected faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from purrr_server.actions import ActionContext, NoArgs
from purrr_server.envelope import ApiError
from purrr_server.store.sync import LOCAL_ONLY, SYNC_TABLES, user_owned_tables
from purrr_server.sync.engine import SyncFailure
from purrr_server.sync.remote import POISON_ATTEMPTS
from tests.sync.conftest import Linked
from tests.sync.harness import Fault, Local, adopt, data, ledger_problems, pair, remote_accounting


async def settled(linked: Linked, queued: int) -> None:
    """After a clean sync: nothing pending, local == remote, every mutation exactly once."""
    status = await linked.engine.status()
    assert status["pending"] == 0, status
    remote_rows = await linked.remote.rows()
    assert await linked.local.confirmed() == remote_rows
    assert await linked.local.rows() == remote_rows
    client_id = status["remote"]["client_id"]
    assert await remote_accounting(linked.remote, client_id, queued) == []
    assert ledger_problems(remote_rows) == []


async def test_every_user_owned_table_is_syncable_or_local_only(tmp_path: Path) -> None:
    local = Local(tmp_path / "local")
    try:
        await local.app.state.runtime.ensure_open()
        owned = await user_owned_tables(local.app.state.runtime.store.read.sync_local)
        unclassified = [t for t in owned if t not in SYNC_TABLES and t not in LOCAL_ONLY]
        assert unclassified == [], (
            "declare these tables with purrr_server.store.sync.syncable "
            "or local_only (docs/architecture.md)"
        )
    finally:
        await local.close()


async def test_both_kinds_of_remote_apply_each_pushed_mutation_once(
    tmp_path: Path, database: str | None
) -> None:
    """On a SQLite and on a PostgreSQL remote, queued play is applied (not rejected): a
    provisional cat and care that names it, one push's answer lost and the push sent again.
    (On PostgreSQL every pushed mutation crashed on `user_id IS ?` until the fault soak ran
    against it, and was rejected as INTERNAL_SERVER_ERROR after three attempts.)"""
    remote, local, transport = await pair(tmp_path, database_url=database)
    try:
        engine = local.app.state.sync_engine
        await engine.link("http://remote.test", remote.key)
        cat = await adopt(local, "Queued")
        await local.post(f"cats/{cat['id']}/feed", {"food_item": "salmon"}, 200)
        await local.post(f"cats/{cat['id']}/pet", {}, 200)
        transport.plan = ["lose"]
        with pytest.raises(SyncFailure):
            await engine.sync()
        report = await engine.sync()
        assert (report.applied, report.rejected) == (3, [])
        status = await engine.status()
        assert status["pending"] == 0 and status["rejections"] == []
        assert await remote_accounting(remote, status["remote"]["client_id"], 3) == []
        [mirrored] = await remote.get("cats")
        assert mirrored["name"] == "Queued"
        history = await remote.get(f"cats/{mirrored['id']}/history")
        assert sorted(e["name"] for e in history) == ["cats.adopt", "cats.feed", "cats.pet"]
        assert await local.rows() == await remote.rows()
    finally:
        await local.close()
        await remote.close()


async def test_link_keeping_the_remote_backs_up_and_replaces_the_local_game(
    tmp_path: Path,
) -> None:
    remote, local, _ = await pair(tmp_path)
    try:
        await adopt(local, "OfflineOnly")
        await adopt(remote, "OnTheWeb")
        engine = local.app.state.sync_engine
        with pytest.raises(ApiError) as choice:
            await engine.link("http://remote.test/", remote.key)
        assert choice.value.code == "CONFLICT" and choice.value.details["choice"]
        assert choice.value.details["local"]["cats"] == 1
        assert await local.get("cats") and (await local.get("cats"))[0]["name"] == "OfflineOnly"
        path = tmp_path / "mine.json"
        status = await engine.link(
            "http://remote.test/", remote.key, keep="remote", backup=str(path)
        )
        assert status["linked"] and status["remote"]["user"]["username"] == "traveller"
        assert status["link"]["backup"]["path"] == str(path)
        saved = json.loads(path.read_text())
        assert [c["name"] for c in saved["tables"]["cats"]] == ["OfflineOnly"]
        assert [c["name"] for c in await local.get("cats")] == ["OnTheWeb"]
        assert await local.rows() == await remote.rows()
        with pytest.raises(Exception, match="already linked"):
            await local.app.state.sync_engine.link("http://remote.test", remote.key)
    finally:
        await local.close()
        await remote.close()


async def test_offline_play_then_reconnection_lands_everything_exactly_once(linked: Linked) -> None:
    web = await adopt(linked.remote, "WebCat")
    await linked.engine.sync()
    linked.transport.down = True
    train = await adopt(linked.local, "TrainCat")  # a provisional id
    await linked.local.post(f"cats/{train['id']}/feed", {"food_item": "salmon"}, 200)
    await linked.local.post(f"cats/{web['id']}/pet", {}, 200)
    await linked.local.post(f"cats/{train['id']}", {"name": "Rename"}, 404, 405)
    for _ in range(2):
        with pytest.raises(SyncFailure) as failure:
            await linked.engine.sync()
        assert failure.value.code == "REMOTE_UNREACHABLE" and failure.value.status == 503
    status = await linked.engine.status()
    assert status["pending"] == 3 and status["failures"] == 2 and status["last_error"]
    assert {c["name"] for c in await linked.local.get("cats")} == {"WebCat", "TrainCat"}

    linked.transport.down = False
    report = await linked.engine.sync()
    assert (report.pushed, report.applied, report.rejected) == (3, 3, [])
    await settled(linked, 3)
    names = {c["name"]: c for c in await linked.remote.get("cats")}
    assert set(names) == {"WebCat", "TrainCat"}


async def test_provisional_ids_follow_their_rows_to_the_remote_ids(linked: Linked) -> None:
    linked.transport.down = True
    local_cat = await adopt(linked.local, "Local")
    web = await adopt(linked.remote, "Web")  # the remote hands out the same id meanwhile
    assert local_cat["id"] == web["id"]
    await linked.local.post(f"cats/{local_cat['id']}/feed", {"food_item": "salmon"}, 200)
    await linked.local.post(f"cats/{local_cat['id']}/feed", {"food_item": "salmon"}, 200)
    linked.transport.down = False
    await linked.engine.sync()
    await settled(linked, 3)
    cats = {c["name"]: c for c in await linked.remote.get("cats")}
    assert cats["Local"]["id"] != web["id"]
    fed = await linked.remote.get(f"cats/{cats['Local']['id']}/history")
    assert [e["name"] for e in fed].count("cats.feed") == 2
    assert [e["name"] for e in await linked.remote.get(f"cats/{web['id']}/history")] == [
        "cats.adopt"
    ]


async def test_pending_actions_are_reapplied_on_top_of_pulled_state(linked: Linked) -> None:
    cat = await adopt(linked.local, "Mittens")
    await linked.engine.sync()
    linked.transport.down = True
    await linked.local.post(f"cats/{cat['id']}/pet", {}, 200)
    linked.transport.down = False
    web = await adopt(linked.remote, "FromTheWeb")
    # pull only (a push of nothing, then the pull): pending action stays, re-applied on top
    linked.transport.plan = [None]
    link = await linked.local.app.state.runtime.store.read.sync_local.link()
    assert link.pushed_through == 1
    await linked.engine.sync()
    assert {c["name"] for c in await linked.local.get("cats")} == {"Mittens", "FromTheWeb"}
    assert web["id"] in {c["id"] for c in await linked.local.get("cats")}
    await settled(linked, 2)


async def test_a_lost_response_is_not_applied_twice(linked: Linked) -> None:
    cat = await adopt(linked.local, "Lost")
    await linked.local.post(f"cats/{cat['id']}/feed", {"food_item": "salmon"}, 200)
    linked.transport.plan = ["lose"]  # the push is applied, its answer never arrives
    with pytest.raises(SyncFailure):
        await linked.engine.sync()
    assert len(await linked.remote.get("cats")) == 1
    assert (await linked.engine.status())["pending"] == 2
    linked.transport.plan = [None, "lose", None]  # then the pull's answer is lost too
    with pytest.raises(SyncFailure):
        await linked.engine.sync()
    await linked.engine.sync()
    await settled(linked, 2)


async def test_duplicated_deliveries_are_applied_once(linked: Linked) -> None:
    cat = await adopt(linked.local, "Twice")
    for _ in range(3):
        await linked.local.post(f"cats/{cat['id']}/play", {"game": "yarn_chase"}, 200)
    linked.transport.plan = ["twice", "twice"]
    before = linked.transport.delivered
    await linked.engine.sync()
    assert linked.transport.delivered - before == 5  # push twice, pull twice, release
    await settled(linked, 4)


async def test_remote_restart_mid_push(linked: Linked) -> None:
    cat = await adopt(linked.local, "Restart")
    for _ in range(5):
        await linked.local.post(f"cats/{cat['id']}/pet", {}, 200)
    linked.transport.plan = ["lose"]
    with pytest.raises(SyncFailure):
        await linked.engine.sync()
    await linked.remote.restart()  # in-memory state of the remote is gone
    linked.transport.down = True
    with pytest.raises(SyncFailure):
        await linked.engine.sync()
    linked.transport.down = False
    await linked.engine.sync()
    await settled(linked, 6)


async def test_local_crash_mid_sync_then_restart(linked: Linked) -> None:
    cat = await adopt(linked.local, "Crash")
    await linked.local.post(f"cats/{cat['id']}/groom", {"kind": "brushing"}, 200)
    linked.transport.plan = [None, "crash"]  # pushed and recorded; dies during the pull
    with pytest.raises(Fault):
        await linked.engine.sync()
    await linked.local.restart()
    engine = linked.local.engine(linked.transport)
    await engine.recover()
    assert (await engine.status())["pending"] == 2
    await engine.sync(linked.remote.key)  # a new process: the CLI hands the key over again
    await settled(linked, 2)


async def test_poison_mutations_are_rejected_and_never_block_the_queue(
    linked: Linked, temporary_action: Callable[..., Any]
) -> None:
    @temporary_action("test.crash", args=NoArgs)
    async def _crash(ctx: ActionContext, args: NoArgs) -> dict[str, object]:
        """A handler bug: a poison pill no validation can catch."""
        raise RuntimeError("a bug in a handler")

    store = linked.local.app.state.runtime.store
    cat = await adopt(linked.local, "Steady")
    async with store.write(bump_version=False) as uow:  # what no local action could queue
        for name, args in (
            ("cats.vanish", {"cat_id": cat["id"]}),
            ("test.crash", {}),
        ):
            await uow.sync_local.append(
                await uow.sync_local.take_mutation_id(),
                name,
                args,
                1,
                "2026-01-01T00:00:00+00:00",
                None,
            )
    await linked.local.post(f"cats/{cat['id']}/pet", {}, 200)
    rejected = []
    for _attempt in range(POISON_ATTEMPTS):
        report = await linked.engine.sync()
        rejected += report.rejected
    assert [r["name"] for r in rejected] == ["cats.vanish", "test.crash"]
    assert rejected[0]["error"]["code"] == "VALIDATION_ERROR"
    assert rejected[1]["error"]["code"] == "INTERNAL_SERVER_ERROR", rejected[1]
    status = await linked.engine.status()
    assert [r["name"] for r in status["rejections"]] == ["test.crash", "cats.vanish"]
    await settled(linked, 4)
    pets = await linked.remote.get(f"cats/{cat['id']}/history")
    assert [e["name"] for e in pets] == ["cats.pet", "cats.adopt"]


async def test_actions_the_remote_refuses_are_surfaced_and_undone(linked: Linked) -> None:
    cat = await adopt(linked.local, "Doomed")
    await linked.engine.sync()
    await linked.remote.post(f"cats/{cat['id']}/pet", {}, 200)
    async with linked.remote.client() as c:
        assert (await c.delete(f"/api/v1/cats/{cat['id']}")).status_code == 200
    await linked.local.post(f"cats/{cat['id']}/feed", {"food_item": "salmon"}, 200)
    report = await linked.engine.sync()
    assert [r["error"]["code"] for r in report.rejected] == ["NOT_FOUND"]
    assert await linked.local.get("cats") == []
    await settled(linked, 2)


async def test_remote_side_changes_are_pulled(linked: Linked) -> None:
    a, b = await adopt(linked.remote, "A"), await adopt(linked.remote, "B")
    await linked.engine.sync()
    await linked.remote.post(f"cats/{a['id']}/feed", {"food_item": "salmon"}, 200)
    async with linked.remote.client() as c:
        assert (await c.delete(f"/api/v1/cats/{b['id']}")).status_code == 200
    report = await linked.engine.sync()
    assert report.pulled_rows >= 2
    assert [c["name"] for c in await linked.local.get("cats")] == ["A"]
    await settled(linked, 0)


async def test_push_refuses_gaps_and_replays_processed_ids(linked: Linked) -> None:
    async with linked.remote.client() as c:
        r = await c.post(
            "/api/v1/sync/push",
            json={
                "client_id": "other",
                "mutations": [
                    {
                        "id": 2,
                        "name": "cats.adopt",
                        "args": {"name": "X", "personality_type": "lazy"},
                    }
                ],
            },
        )
        assert r.status_code == 409
        assert r.json()["error"]["details"]["expected"] == 1
        body = {
            "client_id": "other",
            "mutations": [
                {"id": 1, "name": "cats.adopt", "args": {"name": "X", "personality_type": "lazy"}}
            ],
        }
        first = data(await c.post("/api/v1/sync/push", json=body))
        again = data(await c.post("/api/v1/sync/push", json=body))
        assert first["results"] == again["results"] and again["last_mutation_id"] == 1
        body["mutations"][0]["args"]["name"] = "Y"
        assert (await c.post("/api/v1/sync/push", json=body)).status_code == 409
        pulled = data(await c.get("/api/v1/sync/pull", params={"cursor": 0, "client_id": "other"}))
        assert pulled["last_mutation_id"] == 1 and [m["id"] for m in pulled["mutations"]] == [1]
        assert [row["name"] for row in pulled["changes"]["cats"]] == ["X"]


async def test_unlink_refuses_to_drop_pending_actions(linked: Linked) -> None:
    await adopt(linked.local, "Pending")
    with pytest.raises(Exception, match="not reached the remote"):
        await linked.engine.unlink()
    await linked.engine.sync()
    assert (await linked.engine.unlink())["dropped"] == 0
    await adopt(linked.local, "Offline")
    assert (await linked.engine.status())["pending"] == 0  # no longer queued
