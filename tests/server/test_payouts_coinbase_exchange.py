"""Coinbase Exchange payouts against recorded-shape responses (httpx.MockTransport, no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from purrr_core.economy import Payout, PayoutRequest
from purrr_server.envelope import ApiError
from purrr_server.payments import CoinbaseExchangePayouts, EconomySection, payout_provider_for
from tests.server.conftest import NOW

SECRET = base64.b64encode(b"exchange-secret-bytes").decode()
ADDRESS = "0x" + "ab" * 20
#: Shaped like the documented `GET /transfers/{id}` response (trimmed).
TRANSFER = {
    "id": "19eeed3a-9d73-4a56-9e0e-3e7e7d5c2a9e",
    "type": "withdraw",
    "created_at": "2026-11-23 12:00:00.000000+00",
    "completed_at": None,
    "canceled_at": None,
    "processed_at": None,
    "amount": "5.00000000",
    "details": {"crypto_address": ADDRESS},
}


def _provider(handler: object) -> CoinbaseExchangePayouts:
    return CoinbaseExchangePayouts(
        "key-1",
        SECRET,
        "pass-1",
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        clock=lambda: 1_790_000_000.0,
    )


def _request(reference: str = "withdrawal:7") -> PayoutRequest:
    return PayoutRequest(
        reference=reference, currency="USDC", amount=Decimal("5"), address=ADDRESS, now=NOW
    )


async def test_a_payout_is_sent_signed_with_a_nonce_per_withdrawal() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"id": TRANSFER["id"], "amount": "5.00", "currency": "USDC"}
        )

    provider = _provider(handler)
    payout = await provider.submit_payout(_request())
    assert payout == Payout(
        payout_id=TRANSFER["id"], provider="coinbase_exchange", submitted_at=NOW
    )
    await provider.submit_payout(_request())
    await provider.submit_payout(_request("withdrawal:8"))
    sent = seen[0]
    assert sent.method == "POST" and sent.url.path == "/withdrawals/crypto"
    body = json.loads(sent.content)
    assert body["amount"] == "5.00000000" and body["currency"] == "USDC"
    assert body["crypto_address"] == ADDRESS
    nonces = [json.loads(r.content)["nonce"] for r in seen]
    assert nonces[0] == nonces[1] != nonces[2]  # a retried send of one withdrawal pays once
    expected = base64.b64encode(
        hmac.new(
            base64.b64decode(SECRET),
            f"1790000000POST/withdrawals/crypto{sent.content.decode()}".encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert sent.headers["CB-ACCESS-SIGN"] == expected
    assert sent.headers["CB-ACCESS-KEY"] == "key-1"
    assert sent.headers["CB-ACCESS-PASSPHRASE"] == "pass-1"
    assert sent.headers["CB-ACCESS-TIMESTAMP"] == "1790000000"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, "processing"),
        ({"processed_at": "2026-11-23 12:01:00+00"}, "processing"),
        ({"completed_at": "2026-11-23 12:05:00+00"}, "settled"),
        ({"canceled_at": "2026-11-23 12:05:00+00"}, "failed"),
    ],
)
async def test_the_transfer_decides_the_payout_status(fields: dict[str, str], status: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/transfers/{TRANSFER['id']}" and request.content == b""
        return httpx.Response(200, json={**TRANSFER, **fields})

    payout = Payout(payout_id=str(TRANSFER["id"]), provider="coinbase_exchange", submitted_at=NOW)
    outcome = await _provider(handler).payout_status(payout, ADDRESS, NOW)
    assert outcome.status == status


async def test_refusals_and_polling() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": "Insufficient funds"})

    with pytest.raises(ApiError, match="Insufficient funds") as refused:
        await _provider(refuse).submit_payout(_request())
    assert refused.value.code == "CONFLICT"
    provider = _provider(refuse)
    payout = Payout(payout_id="x", provider="coinbase_exchange", submitted_at=NOW)
    assert not provider.check_due(payout, NOW, NOW + timedelta(seconds=29))
    assert provider.check_due(payout, NOW, NOW + timedelta(seconds=30))


def test_the_provider_is_chosen_by_settings() -> None:
    chosen = payout_provider_for(
        EconomySection(
            payout_provider="coinbase_exchange",
            coinbase_exchange_key="k",
            coinbase_exchange_secret=SECRET,
            coinbase_exchange_passphrase="p",
        ),
        hosted=True,
        allow_sandbox=False,
    )
    assert chosen.name == "coinbase_exchange"
    with pytest.raises(ApiError, match="PURRR_COINBASE_EXCHANGE_KEY"):
        payout_provider_for(EconomySection(payout_provider="coinbase_exchange"), True, False)
    with pytest.raises(ApiError, match="no payout provider"):
        payout_provider_for(EconomySection(), hosted=True, allow_sandbox=False)
    assert (
        payout_provider_for(EconomySection(), hosted=False, allow_sandbox=False).name == "sandbox"
    )
