"""Wallet over HTTP: balance shape, sandbox deposits, withdrawals, 2FA, ledger invariants."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
import pyotp
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from purrr_server.app import close_app, create_app
from purrr_server.settings import Settings
from tests.server.conftest import NOW, adopt, idem, make_settings, register_and_login
from tests.server.economy_helpers import assert_ledger_matches, balance, data, fund

ETH_ADDRESS = "0x" + "ab" * 20


async def test_new_wallet_has_starting_coins_and_string_decimals(client: httpx.AsyncClient) -> None:
    shown = await balance(client)
    assert shown["coins"] == 1000
    assert shown["BTC"] == "0.00000000" and shown["locked"]["ETH"] == "0.00000000"
    entries = await data(await client.get("/api/v1/economy/ledger"))
    assert [(e["currency"], e["amount"], e["reason"]) for e in entries] == [
        ("COINS", 1000, "starting balance")
    ]


async def test_sandbox_deposit_and_confirm_once(client: httpx.AsyncClient) -> None:
    charge = await data(
        await client.post(
            "/api/v1/economy/deposit", headers=idem(), json={"crypto_type": "BTC", "amount_usd": 10}
        ),
        201,
    )
    assert charge["charge_id"].startswith("sbx_") and charge["payment_url"]
    assert charge["expires_at"] == "2026-11-23T13:00:00Z" or charge["expires_at"].startswith(
        "2026-11-23T13:00:00"
    )
    assert (await balance(client))["BTC"] == "0.00000000"  # nothing until confirmed
    url = f"/api/v1/economy/confirm/{charge['charge_id']}"
    done = await data(await client.post(url, headers=idem()))
    assert done["balance"]["BTC"] == "0.00016667" and done["charge"]["status"] == "confirmed"
    again = await client.post(url, headers=idem())
    assert again.status_code == 409 and "already confirmed" in again.json()["error"]["message"]
    assert (
        await client.post("/api/v1/economy/confirm/sbx_nope", headers=idem())
    ).status_code == 404
    await assert_ledger_matches(client)


async def test_deposit_refusals_name_the_value(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/economy/deposit", headers=idem(), json={"crypto_type": "DOGE", "amount_usd": 10}
    )
    assert r.status_code == 422 and "unknown currency 'DOGE'" in r.json()["error"]["message"]
    r = await client.post(
        "/api/v1/economy/deposit", headers=idem(), json={"crypto_type": "BTC", "amount_usd": "0.10"}
    )
    assert r.status_code == 422 and "amount_usd" in r.json()["error"]["message"]


async def test_withdrawal_locks_then_cancel_releases(client: httpx.AsyncClient) -> None:
    await fund(client, "ETH", "300")  # 0.1 ETH
    r = await client.post(
        "/api/v1/economy/withdraw",
        headers=idem(),
        json={"crypto_type": "ETH", "amount": "0.5", "address": ETH_ADDRESS},
    )
    assert r.status_code == 409 and "short by 0.40000000" in r.json()["error"]["message"]
    made = await data(
        await client.post(
            "/api/v1/economy/withdraw",
            headers=idem(),
            json={"crypto_type": "ETH", "amount": "0.06", "address": ETH_ADDRESS},
        ),
        201,
    )
    assert made["withdrawal"]["status"] == "pending"
    assert made["balance"]["locked"]["ETH"] == "0.06000000"
    # locked funds cannot be withdrawn twice
    r = await client.post(
        "/api/v1/economy/withdraw",
        headers=idem(),
        json={"crypto_type": "ETH", "amount": "0.05", "address": ETH_ADDRESS},
    )
    assert r.status_code == 409
    wid = made["withdrawal"]["id"]
    cancelled = await data(
        await client.post(f"/api/v1/economy/withdrawals/{wid}/cancel", headers=idem())
    )
    assert cancelled["balance"]["locked"]["ETH"] == "0.00000000"
    await assert_ledger_matches(client)


@pytest.fixture
def hosted_settings(tmp_path: Path) -> Settings:
    """A hosted test server whose operator opted in to sandbox deposits."""
    return make_settings(tmp_path / "hosted", hosted=True, allow_sandbox_payments=True)


async def test_hosted_withdrawals_need_totp(anon: httpx.AsyncClient, bearer: object) -> None:
    token = await register_and_login(anon, "miner")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"crypto_type": "USDC", "amount": "2", "address": ETH_ADDRESS}
    r = await anon.post("/api/v1/economy/withdraw", headers={**headers, **idem()}, json=body)
    assert r.status_code == 403 and "second factor" in r.json()["error"]["message"]
    enrolled = await data(
        await anon.post("/api/v1/economy/2fa", headers={**headers, **idem()}), 201
    )
    assert enrolled["otpauth_uri"].startswith("otpauth://")
    await fund_as(anon, headers, "USDC", "5")
    wrong = await anon.post(
        "/api/v1/economy/withdraw",
        headers={**headers, **idem()},
        json={**body, "totp_code": "000000"},
    )
    assert wrong.status_code == 403
    code = pyotp.TOTP(enrolled["secret"]).at(NOW)
    made = await data(
        await anon.post(
            "/api/v1/economy/withdraw",
            headers={**headers, **idem()},
            json={**body, "totp_code": code},
        ),
        201,
    )
    assert made["withdrawal"]["status"] == "pending"


async def fund_as(
    client: httpx.AsyncClient, headers: dict[str, str], currency: str, usd: str
) -> None:
    charge = await data(
        await client.post(
            "/api/v1/economy/deposit",
            headers={**headers, **idem()},
            json={"crypto_type": currency, "amount_usd": usd},
        ),
        201,
    )
    await data(
        await client.post(
            f"/api/v1/economy/confirm/{charge['charge_id']}", headers={**headers, **idem()}
        )
    )


async def test_concurrent_purchases_never_double_spend(client: httpx.AsyncClient) -> None:
    # 1000 coins buy at most 9 cat trees (150 each → 6) … use catnip at 50: at most 20
    results = await asyncio.gather(
        *[
            client.post(
                "/api/v1/store/purchase", headers=idem(), json={"item_id": "catnip", "quantity": 3}
            )
            for _ in range(10)
        ]
    )
    ok = [r for r in results if r.status_code == 201]
    refused = [r for r in results if r.status_code == 409]
    assert len(ok) == 6 and len(refused) == 4
    shown = await assert_ledger_matches(client)
    assert shown["coins"] == 1000 - 6 * 150
    inventory = await data(await client.get("/api/v1/store/inventory"))
    assert inventory == [
        {"item_id": "catnip", "name": "Catnip", "category": "treats", "quantity": 18}
    ]


class LedgerThroughTheApi(RuleBasedStateMachine):
    """Random buys, games, deposits and refusals: balance = Σ entries, never negative, and a
    refused request changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()

    def run(self, coro: object) -> object:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]

    @initialize()
    def start(self) -> None:
        import tempfile
        from pathlib import Path

        self.tmp = tempfile.TemporaryDirectory()
        settings_ = make_settings(Path(self.tmp.name) / "data")
        app = self.app = create_app(settings_)
        token = settings_.token_path.read_text().strip()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(
            transport=transport,
            base_url="http://purrr.test",
            headers={"Authorization": f"Bearer {token}"},
        )
        self.cat = self.run(adopt(self.client))["id"]  # type: ignore[index]

    def teardown(self) -> None:
        try:
            if hasattr(self, "client"):
                self.run(self.client.aclose())
            if hasattr(self, "app"):
                self.run(close_app(self.app))
        finally:
            if hasattr(self, "tmp"):
                self.tmp.cleanup()
            self.loop.close()

    def _post(self, path: str, body: dict[str, object]) -> httpx.Response:
        before = self.run(balance(self.client))
        r = self.run(self.client.post(path, json=body, headers=idem()))
        assert isinstance(r, httpx.Response)
        if r.status_code >= 400:
            assert self.run(balance(self.client)) == before
        return r

    @rule(
        item=st.sampled_from(["catnip", "toy_mouse", "cat_tree", "rocks"]),
        quantity=st.integers(-1, 12),
    )
    def buy(self, item: str, quantity: int) -> None:
        self._post("/api/v1/store/purchase", {"item_id": item, "quantity": quantity})

    @rule(currency=st.sampled_from(["BTC", "USDC", "XRP"]), usd=st.sampled_from(["1", "2.5", "40"]))
    def deposit(self, currency: str, usd: str) -> None:
        self.run(fund(self.client, currency, usd))

    @rule(
        game=st.sampled_from(["paw_match", "ball_toss", "tower_climb"]),
        currency=st.sampled_from(["BTC", "USDC", None]),
    )
    def play(self, game: str, currency: str | None) -> None:
        body: dict[str, object] = {"cat_id": self.cat}
        if currency:
            body["crypto_type"] = currency
        self._post(f"/api/v1/games/{game}/play", body)

    @rule()
    def rest(self) -> None:
        self._post(f"/api/v1/cats/{self.cat}/rest", {})

    @invariant()
    def balances_match_the_ledger(self) -> None:
        if hasattr(self, "client"):
            self.run(assert_ledger_matches(self.client))


LedgerThroughTheApi.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_ledger_state_machine = LedgerThroughTheApi.TestCase


async def test_wallet_amounts_are_exact_decimals(client: httpx.AsyncClient) -> None:
    credited = await fund(client, "XRP", "1.10")
    assert credited == Decimal("2.2")
    assert (await balance(client))["XRP"] == "2.20000000"
