"""Helpers for the economy/games/quests/store API tests."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx

from tests.server.conftest import idem


async def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


async def balance(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict(await data(await client.get("/api/v1/economy/balance")))


async def fund(client: httpx.AsyncClient, currency: str, usd: str) -> Decimal:
    """Deposit `usd` in `currency` through the sandbox and confirm it; return the credit."""
    charge = await data(
        await client.post(
            "/api/v1/economy/deposit",
            headers=idem(),
            json={"crypto_type": currency, "amount_usd": usd},
        ),
        201,
    )
    await data(await client.post(f"/api/v1/economy/confirm/{charge['charge_id']}", headers=idem()))
    return Decimal(charge["amount_crypto"])


async def ledger_sums(client: httpx.AsyncClient) -> dict[str, Decimal]:
    entries = await data(await client.get("/api/v1/economy/ledger", params={"limit": 1000}))
    sums: dict[str, Decimal] = {}
    for e in entries:
        sums[e["currency"]] = sums.get(e["currency"], Decimal(0)) + Decimal(str(e["amount"]))
    return sums


async def assert_ledger_matches(client: httpx.AsyncClient) -> dict[str, Any]:
    """Balance = Σ ledger entries for every asset, and nothing is negative."""
    shown = await balance(client)
    sums = await ledger_sums(client)
    assert Decimal(shown["coins"]) == sums.get("COINS", 0)
    for code in ("BTC", "ETH", "USDC", "SOL", "XRP"):
        assert Decimal(shown[code]) == sums.get(code, Decimal(0)), code
        assert Decimal(shown[code]) >= Decimal(shown["locked"][code]) >= 0
    assert shown["coins"] >= 0
    return shown


def read_concurrently(url: str, headers: dict[str, str]) -> None:
    """Four withdrawal lists and four balances at once against a served economy, all 200:
    each read catches overdue withdrawals up, and concurrent catch-ups must not collide."""

    async def race() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as c:
            reads = await asyncio.gather(
                *(c.get("/api/v1/economy/withdrawals") for _ in range(4)),
                *(c.get("/api/v1/economy/balance") for _ in range(4)),
            )
            assert all(r.status_code == 200 for r in reads), [r.text for r in reads]

    asyncio.run(race())
