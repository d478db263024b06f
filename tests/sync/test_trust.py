"""Sync you can trust with a real save (issue 18), in-process: linking keeps the game the player
chooses (an empty remote gets the local game uploaded, ids renumbered everywhere they appear),
backups restore, history stays with its game, protocol versions, the agreement check, the
per-account lease and clock skew."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from purrr_core.breeding import METHODS
from purrr_server.envelope import ApiError
from purrr_server.store.sync import SYNC_TABLES
from purrr_server.sync import protocol
from purrr_server.sync.backup import _steps
from purrr_server.sync.engine import RemoteClient, SyncFailure
from tests.sync.conftest import Linked
from tests.sync.harness import (
    FaultTransport,
    Local,
    Remote,
    Server,
    adopt,
    data,
    idem,
    ledger_problems,
    pair,
)

EVENING = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
SIRE = "o/Y B/b D/d A/a Mc/mc S/w L/l"
DAM = "O/o B/b D/d a/a Mc/mc w/w C/cs L/l"


def set_clock(when: datetime, *servers: Server) -> None:
    for server in servers:
        server.settings.pinned_now = when


async def cat(server: Server, name: str, genotype: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "personality_type": "playful", "genotype": genotype, **fields}
    return dict(data(await server.post("cats", body, 201)))


async def rich_game(server: Server) -> dict[str, Any]:
    """A game with rows in most syncable tables and ids inside JSON columns: cats, care,
    a breeding with kittens, a night patrol with roles, a zone, a game, a purchase."""
    set_clock(EVENING, server)
    sire = await cat(server, "Tom", SIRE, breed="maine_coon")
    dam = await cat(server, "Kitty", DAM, personality_type="curious", breed="siamese")
    extra = [await cat(server, f"Guard{i}", SIRE) for i in range(2)]
    await server.post(f"cats/{sire['id']}/feed", {"food_item": "salmon"}, 200)
    await server.post(f"cats/{dam['id']}/pet", {}, 200)
    await server.post("games/yarn_chase/play", {"cat_id": extra[0]["id"]}, 201)
    await server.post("store/purchase", {"item_id": "premium_food", "quantity": 1}, 201)
    await server.post(
        "breeding/breed",
        {"sire_id": sire["id"], "dam_id": dam["id"], "method": "natural"},
        201,
    )
    ids = [c["id"] for c in extra]
    await server.post("night-watch/deploy", {"cat_ids": ids, "roles": {str(ids[1]): "healer"}}, 201)
    set_clock(EVENING + METHODS["natural"].duration + timedelta(hours=12), server)
    await server.get("night-watch/status")  # the patrol ends and settles
    await server.get("breeding")  # the kittens are born
    return {"sire": sire, "dam": dam, "extra": extra}


async def other_player(remote: Remote) -> None:
    """Another account on the remote with rows of its own, so uploaded ids collide."""
    other = Remote(remote.settings)
    other.app = remote.app
    async with other.client() as c:
        data(
            await c.post(
                "/api/v1/auth/register",
                headers=idem(),
                json={"username": "other", "email": "o@example.com", "password": "correct horse 9"},
            )
        )
        token = data(
            await c.post(
                "/api/v1/auth/login",
                headers=idem(),
                json={"username": "other", "password": "correct horse 9"},
            )
        )["access_token"]
    other.headers = {"Authorization": f"Bearer {token}"}
    for i in range(6):
        await adopt(other, f"Stranger{i}")


def dangling(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """References (every declared id path) to rows this game does not have."""
    have = {
        name: {row["id"] for row in rows.get(name, [])}
        for name, table in SYNC_TABLES.items()
        if table.integer_id
    }
    problems = []
    for name, table_rows in rows.items():
        table = SYNC_TABLES[name]
        for row in table_rows:
            for path, target in table.ids:
                column, *steps = _steps(path)
                found: list[Any] = []
                _collect(_json(row.get(column)), steps, found)
                for value in found:
                    if isinstance(value, int) and value > 0 and value not in have[target]:
                        problems.append(f"{name}.{path} = {value}: no such {target} row")
    return problems


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def _collect(value: Any, steps: list[str], out: list[Any]) -> None:
    if not steps:
        out.append(value)
        return
    step, rest = steps[0], steps[1:]
    if step == "[]" and isinstance(value, list):
        for item in value:
            _collect(item, rest, out)
    elif step == "{}" and isinstance(value, dict):
        out.extend(int(k) for k in value)
    elif step == "*" and isinstance(value, dict):
        for item in value.values():
            _collect(item, rest, out)
    elif isinstance(value, dict) and step in value:
        _collect(value[step], rest, out)


async def history(server: Server, cat_id: int) -> list[str]:
    return [entry["name"] for entry in await server.get(f"cats/{cat_id}/history")]


# --- link ---


async def test_link_onto_an_empty_account_uploads_the_whole_game(tmp_path: Path) -> None:
    remote, local, _ = await pair(tmp_path)
    try:
        await other_player(remote)
        game = await rich_game(local)
        set_clock(local.settings.pinned_now, remote)  # type: ignore[arg-type]
        before = await local.rows()
        assert {"cats", "breedings", "night_patrols", "inventory", "game_results"} <= set(before)
        sire_history = await history(local, game["sire"]["id"])
        status = await local.app.state.sync_engine.link("http://remote.test", remote.key)

        assert status["link"]["kept"] == "local" and status["link"]["backup"] is None
        assert status["link"]["uploaded"]["cats"] == len(before["cats"])
        mirrored = await remote.rows()
        assert await local.rows() == mirrored
        assert await local.confirmed() == mirrored
        assert dangling(mirrored) == []
        assert ledger_problems(mirrored) == []
        # The other player's cats kept their ids, so ours were renumbered: names survive.
        assert sorted(c["name"] for c in mirrored["cats"]) == sorted(
            c["name"] for c in before["cats"]
        )
        assert not {c["id"] for c in mirrored["cats"]} & set(range(1, 7))  # "other"'s cats
        sire = next(c for c in await local.get("cats") if c["name"] == "Tom")
        # History follows its cat to the new id, on both sides.
        assert await history(local, sire["id"]) == sire_history
        assert (await history(remote, sire["id"]))[: len(sire_history)] == sire_history
        # The uploaded game works on the remote.
        assert (await remote.get("night-watch/status"))["record"]["patrols"] == 1
        for kitten in [sire["id"], *json.loads(mirrored["breedings"][0]["kitten_ids"])]:
            assert await remote.get(f"cats/{kitten}/pedigree")
        await local.post(f"cats/{sire['id']}/pet", {}, 200)
        report = await local.app.state.sync_engine.sync()
        assert (report.applied, report.agreed) == (1, True)
        assert await local.rows() == await remote.rows()
    finally:
        await local.close()
        await remote.close()


async def test_a_hosted_remote_refuses_uploads_unless_its_operator_allows_them(
    tmp_path: Path,
) -> None:
    """A backup is the client's word for every stat and balance: by default a hosted server
    does not take it, over HTTP or through a link, and nothing changes on either side."""
    remote, local, _ = await pair(tmp_path, allow_game_uploads=False)
    try:
        await adopt(local, "Mine")
        backup = await local.get("backup")
        r = await remote.post("backup/restore", {"backup": backup}, 403)
        assert r.status_code == 403 and "allow-game-uploads" in r.json()["error"]["message"]
        with pytest.raises(SyncFailure) as refused:
            await local.app.state.sync_engine.link("http://remote.test", remote.key)
        assert "--keep remote" in refused.value.message
        assert await remote.get("cats") == []
        assert [c["name"] for c in await local.get("cats")] == ["Mine"]
    finally:
        await local.close()
        await remote.close()


async def test_keep_local_uploads_over_a_remote_game_and_tombstones_it(tmp_path: Path) -> None:
    remote, local, _ = await pair(tmp_path)
    try:
        await adopt(remote, "WebOnly")
        await adopt(remote, "WebToo")
        await adopt(local, "Mine")
        engine = local.app.state.sync_engine
        with pytest.raises(ApiError) as asked:
            await engine.link("http://remote.test", remote.key)
        assert asked.value.details["remote"] == {"cats": 2}
        assert "backup" in asked.value.details
        status = await engine.link("http://remote.test", remote.key, keep="local")
        assert status["link"]["kept"] == "local"
        assert [c["name"] for c in await remote.get("cats")] == ["Mine"]
        assert await local.rows() == await remote.rows()
        stones = await remote.query("SELECT table_name, row_id FROM tombstones")
        assert stones == [{"table_name": "cats", "row_id": 2}]  # other devices drop WebToo
    finally:
        await local.close()
        await remote.close()


async def test_the_replaced_games_history_stays_out_of_the_new_cats(tmp_path: Path) -> None:
    remote, local, _ = await pair(tmp_path)
    try:
        mine = await adopt(local, "Mine")
        await local.post(f"cats/{mine['id']}/feed", {"food_item": "salmon"}, 200)
        web = await adopt(remote, "Web")
        assert web["id"] == mine["id"]  # separate databases: the same id, different cats
        engine = local.app.state.sync_engine
        status = await engine.link("http://remote.test", remote.key, keep="remote")
        saved = Path(status["link"]["backup"]["path"])
        assert saved.parent == local.settings.data_dir / "backups" and saved.exists()
        assert await local.get(f"cats/{web['id']}") and await history(local, web["id"]) == []
        names = [a["name"] for a in json.loads(saved.read_text())["tables"]["actions"]]
        assert "cats.feed" in names  # the old history is in the backup
    finally:
        await local.close()
        await remote.close()


# --- backup and restore ---


async def restore(server: Server, document: Any, *statuses: int, **body: Any) -> Any:
    response = await server.post("backup/restore", {"backup": document, **body})
    assert response.status_code in (statuses or (200,)), response.text
    return response.json()


async def test_a_backup_restores_the_game_it_came_from(tmp_path: Path) -> None:
    local = Local(tmp_path / "local")
    try:
        game = await rich_game(local)
        document = await local.get("backup")
        assert document["format"] == "purrr-backup" and "0006_sync_trust.sql" in document["schema"]
        before = await local.rows()
        sire_history = await history(local, game["sire"]["id"])
        await adopt(local, "AfterTheBackup")
        await local.post(f"cats/{game['sire']['id']}/pet", {}, 200)

        refused = await restore(local, document, 409)
        assert refused["error"]["details"]["field"] == "replace"
        result = (await restore(local, document, replace=True))["data"]
        assert result["restored"]["cats"] == len(before["cats"]) and result["ids"] == {}
        assert Path(result["previous"]["path"]).exists()
        assert await local.rows() == before  # ids kept: they are free in this database
        assert await history(local, game["sire"]["id"]) == sire_history
        # The envelope of GET /api/v1/backup, saved as it came, restores too.
        await restore(local, {"success": True, "data": document}, replace=True)
    finally:
        await local.close()


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"hello": "world"}, "expected a JSON object with `tables`"),
        ({"format": "mystery", "tables": {}}, "its format is 'mystery'"),
        ({"format_version": 99, "tables": {"users": [{}]}}, "upgrade purrr"),
        ({"schema": ["0099_future.sql"], "tables": {"users": [{}]}}, "newer purrr"),
        ({"tables": {"users": []}}, "exactly the one player"),
        ({"tables": {"users": [{}], "cats": "nope"}}, "`tables.cats` must be a list"),
        ({"tables": {"users": [{}], "cats": [{"id": 1, "wings": 2}]}}, "wings"),
        ({"tables": {"users": [{}], "cats": [{"id": 1, "name": "x"}]}}, "does not fit"),
        (
            {"tables": {"users": [{}], "community_alerts": [{"id": 1, "patrol_id": 5}]}},
            "does not fit",
        ),
    ],
)
async def test_restore_refuses_what_is_not_a_backup(
    tmp_path: Path, document: dict[str, Any], words: str
) -> None:
    local = Local(tmp_path / "local")
    try:
        await adopt(local, "Safe")
        before = await local.rows()
        refused = await restore(local, document, 422, replace=True)
        assert refused["error"]["code"] == "VALIDATION_ERROR"
        assert words in refused["error"]["message"]
        assert await local.rows() == before  # nothing changed
    finally:
        await local.close()


async def test_restore_is_refused_on_a_linked_game(linked: Linked) -> None:
    document = await linked.local.get("backup")
    refused = await restore(linked.local, document, 409, replace=True)
    assert "purrr remote unlink" in refused["error"]["message"]


# --- protocol ---


async def test_health_and_every_sync_answer_advertise_the_protocol(linked: Linked) -> None:
    async with linked.remote.client() as c:
        health = data(await c.get("/health"))
    assert health["sync_protocol"] == {"version": 1, "min": 1, "max": 1}
    await linked.engine.sync()
    status = await linked.engine.status()
    assert status["protocol"] == {"version": 1, "remote": health["sync_protocol"]}


async def test_a_version_the_server_does_not_serve_is_refused(linked: Linked) -> None:
    async with linked.remote.client({protocol.HEADER: "99"}) as c:
        response = await c.get("/api/v1/sync/pull", params={"cursor": 0})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"]["reason"] == protocol.UNSUPPORTED
    assert "this server speaks sync protocol 1-1" in error["message"]


async def test_a_remote_that_moved_on_asks_the_player_to_upgrade(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = {"version": 3, "min": 2, "max": 3}
    monkeypatch.setattr(protocol, "advertised", lambda: newer)
    with pytest.raises(SyncFailure) as failure:
        await linked.engine.sync()
    assert failure.value.code == protocol.UNSUPPORTED and failure.value.status == 426
    assert "upgrade purrr" in failure.value.message
    assert failure.value.details["supported"] == newer


# --- agreement, lease, clock ---


async def test_a_disagreement_is_repaired_by_a_backup_and_a_pull_from_scratch(
    linked: Linked,
) -> None:
    a = await adopt(linked.remote, "Alpha")
    await adopt(linked.remote, "Beta")
    report = await linked.engine.sync()
    assert report.agreed is True and report.repulled is None
    # A change the feed never carries (row_version untouched): the copies now differ.
    async with linked.remote.app.state.runtime.store.write(bump_version=False) as uow:
        await uow.sync_log.execute("UPDATE cats SET name = 'Silent' WHERE id = ?", (a["id"],))
    report = await linked.engine.sync()
    assert report.agreed is True and report.repulled is not None
    assert report.repulled["tables"] == ["cats"] and report.repulled["agreed"] is True
    assert Path(report.repulled["backup"]).exists()
    assert any("disagreed" in w for w in report.warnings)
    assert await linked.local.confirmed() == await linked.remote.rows()
    live = await linked.local.rows()
    assert live == await linked.remote.rows() and "Silent" in {c["name"] for c in live["cats"]}
    status = await linked.engine.status()
    assert status["agreement"]["mismatches"] == 1 and status["agreement"]["agreed"] is True
    assert status["agreement"]["last_repull"]["tables"] == ["cats"]


async def test_one_device_of_an_account_syncs_at_a_time(linked: Linked) -> None:
    def device() -> RemoteClient:
        return RemoteClient("http://remote.test", linked.remote.key, linked.transport)

    async with device() as other:
        await other.pull(0, "another-device")  # takes the account's lease
        with pytest.raises(SyncFailure) as busy:
            await linked.engine.sync()
        assert busy.value.code == "SYNC_BUSY" and busy.value.status == 409
        assert "another device" in busy.value.message
        await other.release("another-device")
    await linked.engine.sync()  # free again
    async with device() as other:
        await other.pull(0, "another-device")  # and released by the sync that finished


async def test_a_skewed_clock_is_reported(linked: Linked) -> None:
    set_clock(datetime.now(UTC) + timedelta(minutes=5), linked.remote)
    set_clock(datetime.now(UTC), linked.local)
    report = await linked.engine.sync()
    assert report.clock_skew_seconds is not None and 290 < report.clock_skew_seconds < 310
    assert any("clock is 300 s behind" in w for w in report.warnings)
    status = await linked.engine.status()
    assert any("behind the remote" in w for w in status["warnings"])
    set_clock(datetime.now(UTC), linked.remote, linked.local)
    report = await linked.engine.sync()
    assert report.warnings == [] and (await linked.engine.status())["warnings"] == []


def test_paths_parse() -> None:
    assert _steps("data.results*.cat_id") == ["data", "results", "*", "cat_id"]
    assert _steps("data.encounters[].injured_cat_ids[]") == [
        "data",
        "encounters",
        "[]",
        "injured_cat_ids",
        "[]",
    ]
    assert _steps("record.specializations{}") == ["record", "specializations", "{}"]


async def test_two_devices_of_one_account_converge_and_take_turns(tmp_path: Path) -> None:
    remote, a, transport = await pair(tmp_path)
    b = Local(tmp_path / "b")
    b_transport = FaultTransport(lambda: remote.app)
    b.engine(b_transport)
    try:
        first = await adopt(a, "FromA")
        await a.app.state.sync_engine.link("http://remote.test", remote.key)  # uploads
        await adopt(b, "OnlyOnB")
        await b.app.state.sync_engine.link("http://remote.test", remote.key, keep="remote")
        await a.post(f"cats/{first['id']}/feed", {"food_item": "salmon"}, 200)
        await adopt(a, "SecondFromA")
        await b.post(f"cats/{first['id']}/pet", {}, 200)
        await adopt(b, "FromB")

        transport.plan = [None, None, "refuse"]  # A's release is lost: the lease stays A's
        await a.app.state.sync_engine.sync()
        with pytest.raises(SyncFailure) as busy:
            await b.app.state.sync_engine.sync()
        assert busy.value.code == "SYNC_BUSY"
        assert (await b.app.state.sync_engine.status())["pending"] == 2  # nothing lost
        for engine in (a.app.state.sync_engine, b.app.state.sync_engine, a.app.state.sync_engine):
            report = await engine.sync()
            assert report.agreed and report.repulled is None
        rows = await remote.rows()
        assert _names(rows) == ["FromA", "FromB", "SecondFromA"]
        for device in (a, b):
            assert await device.rows() == rows and await device.confirmed() == rows
    finally:
        await b.close()
        await a.close()
        await remote.close()


def _names(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    return sorted(cat["name"] for cat in rows.get("cats", []))
