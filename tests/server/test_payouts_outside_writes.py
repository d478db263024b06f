"""Payout provider calls happen outside the write transaction (purrr_core.economy._payouts): a
slow provider holds no write, and a server killed between the phases of a send (marked sent,
provider called, answer recorded) pays the withdrawal once and moves its funds once."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.server.conftest import NOW, _serve, idem, make_settings
from tests.server.economy_helpers import data, fund, read_concurrently
from tests.server.exchange_standin import exchange

API = "/api/v1/economy"
GOOD = "0x" + "ab" * 20
SECRET = base64.b64encode(b"exchange-secret-bytes").decode()


def exchange_settings(url: str) -> dict[str, Any]:
    return {
        "payout_provider": "coinbase_exchange",
        "coinbase_exchange_key": "key-1",
        "coinbase_exchange_secret": SECRET,
        "coinbase_exchange_passphrase": "pass-1",
        "coinbase_exchange_url": url,
        "withdrawal_hold_seconds": 0,
    }


async def test_a_slow_payout_provider_holds_no_write(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> None:
    with exchange() as cb:
        settings = make_settings(tmp_path / "data", economy=exchange_settings(cb.url))
        app = make_app(settings)
        token = settings.token_path.read_text().strip()
        async for client in _serve(app, {"Authorization": f"Bearer {token}"}):
            cb.store = app.state.runtime.store
            await fund(client, "USDC", "20")
            made = await data(
                await client.post(
                    f"{API}/withdraw",
                    headers=idem(),
                    json={"crypto_type": "USDC", "amount": "5", "address": GOOD},
                ),
                201,
            )
            cb.hold = ("/withdrawals/crypto",)
            read = asyncio.create_task(client.get(f"{API}/withdrawals"))
            assert await asyncio.to_thread(cb.held.wait, 30), "the provider was never called"
            # The provider sits on the payout; writes go on meanwhile.
            adopted = await asyncio.wait_for(
                client.post(
                    "/api/v1/cats",
                    headers=idem(),
                    json={"name": "Meanwhile", "personality_type": "playful"},
                ),
                10,
            )
            assert adopted.status_code == 201, adopted.text
            cb.release.set()
            shown = await data(await read)
            assert cb.open_writes and set(cb.open_writes) == {0}, cb.open_writes
            mine = next(w for w in shown if w["id"] == made["withdrawal"]["id"])
            assert mine["status"] == "processing"
            assert mine["payout_id"] == next(iter(cb.transfers.values()))["id"]
            assert cb.posts()[0]["nonce"] == cb.posts()[-1]["nonce"]


@contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _row(db: Path) -> tuple[str, str | None, list[str]]:
    """The withdrawal's status and payout id, and the USDC ledger reasons, read straight from
    the database file of a dead server."""
    conn = sqlite3.connect(db)
    try:
        status, payout_id = conn.execute("SELECT status, payout_id FROM withdrawals").fetchone()
        reasons = [
            r[0]
            for r in conn.execute(
                "SELECT reason FROM ledger_entries WHERE currency = 'USDC' ORDER BY id"
            )
        ]
    finally:
        conn.close()
    return status, payout_id, reasons


@pytest.mark.timeout(300)
def test_a_send_killed_between_its_phases_pays_once_and_moves_funds_once(tmp_path: Path) -> None:
    """A real server and a real (stand-in) exchange: killed with SIGKILL while the exchange holds
    the payout request (marked sent, the provider called, nothing recorded), then again while it
    holds the status request (paid, asked, nothing recorded); restarted, the withdrawal settles
    with one transfer at the exchange and one `withdrawal` entry in the ledger."""
    from tests.server.test_real_server import Server

    with exchange() as cb:
        env = {
            "PURRR_PAYOUT_PROVIDER": "coinbase_exchange",
            "PURRR_COINBASE_EXCHANGE_KEY": "key-1",
            "PURRR_COINBASE_EXCHANGE_SECRET": SECRET,
            "PURRR_COINBASE_EXCHANGE_PASSPHRASE": "pass-1",
            "PURRR_COINBASE_EXCHANGE_URL": cb.url,
            "PURRR_WITHDRAWAL_HOLD_SECONDS": "0",
        }
        server = Server(tmp_path / "local")
        db = server.data_dir / "purrr.db"

        def run(now_minutes: int, hold: tuple[str, ...]) -> tuple[str, str | None, list[str]]:
            """Start the server at NOW + `now_minutes`, read the withdrawals while the exchange
            holds `hold`, kill -9 once it does; the state the dead server left."""
            cb.hold, cb.release = hold, threading.Event()
            cb.held.clear()
            stamp = (NOW.replace(minute=now_minutes)).isoformat()
            with environment(**env, PURRR_NOW=stamp):
                server.start()
            headers = {"Authorization": f"Bearer {server.token()}"}

            def read() -> None:
                try:
                    httpx.get(f"{server.url}{API}/withdrawals", headers=headers, timeout=60)
                except httpx.TransportError:
                    pass  # killed under it

            reader = threading.Thread(target=read)
            reader.start()
            assert cb.held.wait(60), f"the exchange was not called:\n{server.log_tail()}"
            assert server.process is not None
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=30)
            cb.release.set()
            reader.join(30)
            return _row(db)

        try:
            with environment(**env, PURRR_NOW=NOW.isoformat()):
                server.start()
            headers = {"Authorization": f"Bearer {server.token()}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
                charge = c.post(
                    f"{API}/deposit",
                    headers=idem(),
                    json={"crypto_type": "USDC", "amount_usd": "20"},
                ).json()["data"]
                c.post(f"{API}/confirm/{charge['charge_id']}", headers=idem()).raise_for_status()
                body = {"crypto_type": "USDC", "amount": "5", "address": GOOD}
                assert c.post(f"{API}/withdraw", headers=idem(), json=body).status_code == 201
            server.stop()

            # 1. Killed while the exchange holds the payout: marked sent (debited), no payout id.
            assert run(1, ("/withdrawals/crypto",)) == (
                "processing",
                None,
                ["deposit", "withdrawal"],
            )
            assert len(cb.transfers) == 1
            # 2. Killed while the exchange holds the status request: the send was repeated under
            #    the same nonce (one transfer), its answer and the status still unrecorded.
            assert run(5, ("/transfers/",)) == ("processing", None, ["deposit", "withdrawal"])
            assert len(cb.transfers) == 1

            # 3. Restarted with the transfer complete: concurrent reads settle it once.
            cb.hold, cb.complete = (), True
            with environment(**env, PURRR_NOW=NOW.replace(minute=10).isoformat()):
                server.start()
            headers = {"Authorization": f"Bearer {server.token()}"}

            read_concurrently(server.url, headers)
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
                [shown] = c.get(f"{API}/withdrawals").json()["data"]
                ledger = c.get(f"{API}/ledger", params={"currency": "USDC"}).json()["data"]
                balance = c.get(f"{API}/balance").json()["data"]
                events = c.get("/api/v1/events/poll").json()["data"]["events"]
            [transfer] = cb.transfers.values()
            assert shown["status"] == "settled" and shown["payout_id"] == transfer["id"]
            assert sorted(e["reason"] for e in ledger) == ["deposit", "withdrawal"]
            [debit] = [e for e in ledger if e["reason"] == "withdrawal"]
            assert Decimal(debit["amount"]) == Decimal("-5")
            assert debit["counterparty"] == f"coinbase_exchange:withdrawal:{shown['id']}"
            assert Decimal(balance["USDC"]) == Decimal("15")
            assert Decimal(balance["locked"]["USDC"]) == 0
            # Sent at least three times (two kills), always under one nonce: paid once.
            nonces = {body["nonce"] for body in cb.posts()}
            assert len(cb.posts()) >= 3 and len(nonces) == 1
            assert transfer["amount"] == "5.00000000" and transfer["crypto_address"] == GOOD
            types = [e["type"] for e in events]
            assert types.count("economy.withdrawal_sent") == 1
            assert types.count("economy.withdrawal_settled") == 1
        finally:
            server.stop(signal.SIGKILL)
