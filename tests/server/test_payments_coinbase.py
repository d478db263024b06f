"""Coinbase Commerce provider against recorded responses (httpx.MockTransport, no network)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from purrr_core.economy import default_rates, deposit_request
from purrr_server.envelope import ApiError
from purrr_server.payments import CoinbaseCommerceProvider, EconomySection, provider_for
from tests.server.conftest import NOW

#: Shaped like the documented `POST /charges` response (trimmed).
CREATED = {
    "data": {
        "id": "f765421f-2d8c-4b9c-8a3e-0c3d8f4e2a11",
        "code": "66BEOV2A",
        "hosted_url": "https://commerce.coinbase.com/charges/66BEOV2A",
        "created_at": "2026-11-23T12:00:00Z",
        "expires_at": "2026-11-23T13:00:00Z",
        "pricing_type": "fixed_price",
        "timeline": [{"status": "NEW", "time": "2026-11-23T12:00:00Z"}],
        "pricing": {"local": {"amount": "10.00", "currency": "USD"}},
    }
}


def _timeline(*statuses: str) -> dict[str, object]:
    return {"data": {**CREATED["data"], "timeline": [{"status": s} for s in statuses]}}


def _provider(handler: object) -> CoinbaseCommerceProvider:
    return CoinbaseCommerceProvider("test-key", transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def _request() -> object:
    return deposit_request(
        reference="1:42",
        account="user:1",
        currency="BTC",
        amount_usd="10",
        now=NOW,
        rates=default_rates(),
    )


async def test_create_charge_sends_documented_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=CREATED)

    charge = await _provider(handler).create_charge(_request())  # type: ignore[arg-type]
    sent = seen[0]
    assert (sent.method, str(sent.url)) == ("POST", "https://api.commerce.coinbase.com/charges")
    assert (
        sent.headers["X-CC-Api-Key"] == "test-key" and sent.headers["X-CC-Version"] == "2018-03-22"
    )
    body = json.loads(sent.content)
    assert body["pricing_type"] == "fixed_price"
    assert body["local_price"] == {"amount": "10.00", "currency": "USD"}
    assert body["metadata"]["crypto_type"] == "BTC"
    assert charge.charge_id == "66BEOV2A" and charge.payment_url.endswith("66BEOV2A")
    assert charge.amount_crypto == Decimal("0.00016667") and charge.provider == "coinbase"


@pytest.mark.parametrize(
    ("timeline", "status"),
    [
        (("NEW",), "pending"),
        (("NEW", "PENDING"), "pending"),
        (("NEW", "PENDING", "COMPLETED"), "confirmed"),
        (("NEW", "EXPIRED"), "expired"),
        (("NEW", "CANCELED"), "failed"),
    ],
)
async def test_status_from_the_timeline(timeline: tuple[str, ...], status: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json=CREATED)
        assert request.url.path == "/charges/66BEOV2A"
        return httpx.Response(200, json=_timeline(*timeline))

    provider = _provider(handler)
    charge = await provider.create_charge(_request())  # type: ignore[arg-type]
    assert await provider.charge_status(charge) == status


async def test_errors_become_api_errors() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, json={"error": {"type": "authorization_error", "message": "No such API key."}}
        )

    with pytest.raises(ApiError, match="No such API key"):
        await _provider(refused).create_charge(_request())  # type: ignore[arg-type]

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route")

    with pytest.raises(ApiError, match="unreachable"):
        await _provider(down).create_charge(_request())  # type: ignore[arg-type]


def test_provider_choice() -> None:
    assert provider_for(EconomySection()).name == "sandbox"
    assert (
        provider_for(EconomySection(payment_provider="coinbase", coinbase_api_key="k")).name
        == "coinbase"
    )
    with pytest.raises(ApiError, match="needs PURRR_COINBASE_API_KEY"):
        provider_for(EconomySection(payment_provider="coinbase"))
