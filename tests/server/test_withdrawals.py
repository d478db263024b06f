"""Withdrawals that settle (issue 17 part 4, docs/economy.md): pending → processing → settled or
failed (refunded once), the local hold, the hosted operator's queue, kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI

from purrr_core.economy import SANDBOX_FAILING_ADDRESSES
from purrr_core.errors import RuleError
from purrr_server.settings import Settings
from tests.server.conftest import NOW, _serve, idem, make_settings, register_and_login
from tests.server.economy_helpers import (
    assert_ledger_matches,
    balance,
    data,
    fund,
    read_concurrently,
)
from tests.server.test_economy_api import fund_as

API = "/api/v1/economy"
GOOD = "0x" + "ab" * 20
FAILING = SANDBOX_FAILING_ADDRESSES["USDC"]
HOLD = timedelta(seconds=60)
SETTLE = timedelta(seconds=600)


async def withdraw(client: httpx.AsyncClient, address: str, amount: str = "5", **extra: Any) -> Any:
    made = await data(
        await client.post(
            f"{API}/withdraw",
            headers={**idem(), **extra.pop("headers", {})},
            json={"crypto_type": "USDC", "amount": amount, "address": address, **extra},
        ),
        201,
    )
    return made["withdrawal"]


async def withdrawal(client: httpx.AsyncClient, wid: int, **kw: Any) -> dict[str, Any]:
    rows = await data(await client.get(f"{API}/withdrawals", **kw))
    return next(w for w in rows if w["id"] == wid)


async def entries(client: httpx.AsyncClient, **kw: Any) -> list[tuple[str, str]]:
    rows = await data(await client.get(f"{API}/ledger", params={"currency": "USDC"}, **kw))
    return [(e["reason"], e["amount"]) for e in reversed(rows)]


async def test_a_local_withdrawal_is_sent_after_its_hold_and_settles(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await fund(client, "USDC", "20")
    made = await withdraw(client, GOOD)
    assert made["status"] == "pending"
    assert (await balance(client))["locked"]["USDC"] == "5.00000000"

    settings.pinned_now = NOW + HOLD - timedelta(seconds=1)
    assert (await withdrawal(client, made["id"]))["status"] == "pending"
    settings.pinned_now = NOW + HOLD
    sent = await withdrawal(client, made["id"])
    assert sent["status"] == "processing" and sent["payout_id"].startswith("sbx_po_")
    assert sent["provider"] == "sandbox" and sent["submitted_at"] == (NOW + HOLD).isoformat()
    shown = await balance(client)
    assert shown["USDC"] == "15.00000000" and shown["locked"]["USDC"] == "0.00000000"
    cancel = await client.post(f"{API}/withdrawals/{made['id']}/cancel", headers=idem())
    assert cancel.status_code == 409 and "processing" in cancel.json()["error"]["message"]

    settings.pinned_now = NOW + HOLD + SETTLE - timedelta(seconds=1)
    assert (await withdrawal(client, made["id"]))["status"] == "processing"
    settings.pinned_now = NOW + HOLD + SETTLE
    settled = await withdrawal(client, made["id"])
    assert (
        settled["status"] == "settled"
        and settled["finished_at"] == (NOW + HOLD + SETTLE).isoformat()
    )
    assert await entries(client) == [("deposit", "20.00000000"), ("withdrawal", "-5.00000000")]
    await assert_ledger_matches(client)
    polled = await data(await client.get("/api/v1/events/poll"))
    types = [e["type"] for e in polled["events"]]
    assert types.index("economy.withdrawal_sent") < types.index("economy.withdrawal_settled")


async def test_a_failed_payout_is_refunded_exactly_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await fund(client, "USDC", "20")
    made = await withdraw(client, FAILING)
    settings.pinned_now = NOW + HOLD + SETTLE  # both steps are due at the first read
    reads = await asyncio.gather(*(client.get(f"{API}/withdrawals") for _ in range(6)))
    assert all(r.status_code == 200 for r in reads)
    failed = await withdrawal(client, made["id"])
    assert failed["status"] == "failed"
    assert failed["failure_reason"] == f"the sandbox network refuses address {FAILING}"
    for _ in range(3):
        await balance(client)
    assert await entries(client) == [
        ("deposit", "20.00000000"),
        ("withdrawal", "-5.00000000"),
        ("withdrawal_refund", "5.00000000"),
    ]
    shown = await assert_ledger_matches(client)
    assert shown["USDC"] == "20.00000000" and shown["locked"]["USDC"] == "0.00000000"


async def test_cancelling_within_the_hold_releases_the_lock_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await fund(client, "USDC", "20")
    made = await withdraw(client, GOOD)
    cancelled = await data(
        await client.post(f"{API}/withdrawals/{made['id']}/cancel", headers=idem())
    )
    assert cancelled["withdrawal"]["status"] == "cancelled"
    assert cancelled["withdrawal"]["finished_at"] == NOW.isoformat()
    again = await client.post(f"{API}/withdrawals/{made['id']}/cancel", headers=idem())
    assert again.status_code == 409
    settings.pinned_now = NOW + HOLD + SETTLE
    assert (await withdrawal(client, made["id"]))["status"] == "cancelled"
    assert await entries(client) == [("deposit", "20.00000000")]
    assert (await balance(client))["locked"]["USDC"] == "0.00000000"


@pytest.fixture
def hosted_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "hosted", hosted=True, allow_sandbox_payments=True)


async def _hosted_withdrawal(
    anon: httpx.AsyncClient, name: str, address: str, when: datetime = NOW
) -> tuple[dict[str, str], int]:
    token = await register_and_login(anon, name)
    headers = {"Authorization": f"Bearer {token}"}
    enrolled = await data(await anon.post(f"{API}/2fa", headers={**headers, **idem()}), 201)
    await fund_as(anon, headers, "USDC", "20")
    made = await withdraw(
        anon, address, headers=headers, totp_code=pyotp.TOTP(enrolled["secret"]).at(when)
    )
    return headers, made["id"]


async def test_a_hosted_withdrawal_waits_for_the_operator(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    settings: Settings = hosted_app.state.settings
    headers, wid = await _hosted_withdrawal(anon, "saver", GOOD)
    settings.pinned_now = NOW + timedelta(hours=2)
    assert (await withdrawal(anon, wid, headers=headers))["status"] == "pending"

    result = await run_operator_action_for(settings, wid, "economy.withdrawal_approve")
    assert result["withdrawal"]["status"] == "processing"
    with pytest.raises(RuleError, match="is processing, not pending"):
        await run_operator_action_for(settings, wid, "economy.withdrawal_reject", reason="late")
    settings.pinned_now = NOW + timedelta(hours=2) + SETTLE
    assert (await withdrawal(anon, wid, headers=headers))["status"] == "settled"

    other_headers, other = await _hosted_withdrawal(anon, "spender", GOOD, settings.now())
    rejected = await run_operator_action_for(
        settings, other, "economy.withdrawal_reject", reason="address on a sanctions list"
    )
    assert rejected["withdrawal"]["status"] == "rejected"
    assert rejected["withdrawal"]["failure_reason"] == "address on a sanctions list"
    shown = await data(await anon.get(f"{API}/balance", headers=other_headers))
    assert shown["USDC"] == "20.00000000" and shown["locked"]["USDC"] == "0.00000000"
    # the player's own credentials cannot approve: the action runs for the operator only
    with pytest.raises(RuleError, match="operator"):
        await run_operator_action_for(settings, other, "economy.withdrawal_approve", via="http")


async def test_a_hosted_server_without_a_payout_provider_keeps_the_queue(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> None:
    opted_in = make_settings(tmp_path / "h", hosted=True, allow_sandbox_payments=True)
    app = make_app(opted_in)
    async for anon in _serve(app, {}):
        _, wid = await _hosted_withdrawal(anon, "saver", GOOD)
    strict = opted_in.model_copy(update={"allow_sandbox_payments": False})
    with pytest.raises(RuleError, match="no payout provider"):
        await run_operator_action_for(strict, wid, "economy.withdrawal_approve")


async def run_operator_action_for(
    settings: Settings, withdrawal_id: int, name: str, via: str = "internal", **args: Any
) -> Any:
    """What `purrr server withdrawals approve|reject` runs, in this test's event loop."""
    from purrr_server.actions import execute
    from purrr_server.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        await runtime.ensure_open()
        owner = await runtime.store.read.withdrawals.owner(withdrawal_id)
        assert owner is not None
        user = await runtime.store.read.users.get(owner)
        outcome = await execute(
            runtime,
            user,
            name,
            {"withdrawal_id": withdrawal_id, **args},
            via=via,  # type: ignore[arg-type]
            scopes=None,
        )
        return outcome.result
    finally:
        await runtime.close()


def test_the_migration_keeps_withdrawals_and_their_ids(tmp_path: Path) -> None:
    from purrr_server.store.migrate import MIGRATIONS_DIR, migrate

    old = tmp_path / "old"
    old.mkdir()
    for path in MIGRATIONS_DIR.iterdir():
        if path.is_file() and path.name[:4] <= "0016":
            (old / path.name).write_bytes(path.read_bytes())
    db = tmp_path / "purrr.db"
    migrate(db, old)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO users (id, username, created_at) VALUES (1, 'p', 'now')")
    conn.execute(
        "INSERT INTO withdrawals (id, user_id, currency, amount, address, status, created_at,"
        " updated_at) VALUES (7, 1, 'USDC', '5.00000000', 'x', 'pending', 't', 't'),"
        " (9, 1, 'USDC', '1.00000000', 'x', 'cancelled', 't', 't')"
    )
    conn.execute("DELETE FROM withdrawals WHERE id = 9")
    conn.commit()
    conn.close()
    assert migrate(db)[:1] == ["0017_withdrawals_settle.py"]  # later migrations may follow
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT id, status, payout_id FROM withdrawals").fetchall() == [
        (7, "pending", None)
    ]
    conn.execute(
        "INSERT INTO withdrawals (user_id, currency, amount, address, status, created_at,"
        " updated_at) VALUES (1, 'USDC', '1', 'x', 'processing', 't', 't')"
    )
    assert conn.execute("SELECT MAX(id) FROM withdrawals").fetchone() == (10,)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE withdrawals SET status = 'completed' WHERE id = 7")


@pytest.mark.timeout(300)
def test_a_payout_settles_once_across_a_kill_9(tmp_path: Path) -> None:
    """A real local server: withdrawals sent, the process killed with SIGKILL, restarted; the
    sends, settlements and the refund each happen once whatever reads race afterwards."""
    from tests.server.test_real_server import Server

    env = {"PURRR_WITHDRAWAL_HOLD_SECONDS": "0", "PURRR_SANDBOX_PAYOUT_SECONDS": "2"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    server = Server(tmp_path / "local").start()
    try:
        token = (server.data_dir / "local-token").read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            charge = c.post(
                f"{API}/deposit", headers=idem(), json={"crypto_type": "USDC", "amount_usd": "20"}
            ).json()["data"]
            c.post(f"{API}/confirm/{charge['charge_id']}", headers=idem()).raise_for_status()
            for address in (GOOD, FAILING):
                body = {"crypto_type": "USDC", "amount": "5", "address": address}
                assert c.post(f"{API}/withdraw", headers=idem(), json=body).status_code == 201
            sent = c.get(f"{API}/withdrawals").json()["data"]
            assert {w["status"] for w in sent} == {"processing"}
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        time.sleep(2.1)
        server.start()

        read_concurrently(server.url, headers)
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            statuses = {
                w["address"]: w["status"] for w in c.get(f"{API}/withdrawals").json()["data"]
            }
            assert statuses == {GOOD: "settled", FAILING: "failed"}
            ledger = c.get(f"{API}/ledger", params={"currency": "USDC"}).json()["data"]
            reasons = sorted(e["reason"] for e in ledger)
            assert reasons == ["deposit", "withdrawal", "withdrawal", "withdrawal_refund"]
            shown = c.get(f"{API}/balance").json()["data"]
            assert Decimal(shown["USDC"]) == Decimal("15")
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
