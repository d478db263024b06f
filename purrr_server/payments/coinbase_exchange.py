"""Coinbase Exchange payouts: withdrawals sent from the operator's Exchange account (hosted mode).

Coinbase Commerce (deposits) cannot pay out, so payouts use the Exchange REST API:
`POST /withdrawals/crypto {amount, currency, crypto_address, nonce}` sends a withdrawal and
`GET /transfers/{id}` reads it: `completed_at` set → settled, `canceled_at` set → failed,
otherwise still processing. Requests are signed with the API key's secret: `CB-ACCESS-SIGN` =
base64(HMAC-SHA256(base64-decoded secret, timestamp + method + path + body)), with
`CB-ACCESS-KEY`, `CB-ACCESS-TIMESTAMP` and `CB-ACCESS-PASSPHRASE`. The withdrawal's reference
becomes the `nonce`, so a retried send of one withdrawal is not paid twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from purrr_core.economy import Payout, PayoutOutcome, PayoutRequest, format_amount
from purrr_server.envelope import ApiError

#: How long reads wait before asking Coinbase about a payout again.
POLL_INTERVAL = timedelta(seconds=30)


class CoinbaseExchangePayouts:
    """A `PayoutProvider` backed by Coinbase Exchange; `transport` lets tests replay responses."""

    name = "coinbase_exchange"

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        passphrase: str,
        *,
        base_url: str = "https://api.exchange.coinbase.com",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            self._secret = base64.b64decode(api_secret, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                "INTERNAL_SERVER_ERROR",
                "PURRR_COINBASE_EXCHANGE_SECRET must be the base64 secret Coinbase issued",
            ) from None
        self._key, self._passphrase, self._clock = api_key, passphrase, clock
        self._client_args: dict[str, Any] = {
            "base_url": base_url,
            "timeout": timeout,
            "transport": transport,
        }

    def sign(self, timestamp: str, method: str, path: str, body: str) -> str:
        message = f"{timestamp}{method.upper()}{path}{body}".encode()
        return base64.b64encode(hmac.new(self._secret, message, hashlib.sha256).digest()).decode()

    async def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        body = json.dumps(payload, separators=(",", ":")) if payload is not None else ""
        timestamp = str(int(self._clock()))
        headers = {
            "CB-ACCESS-KEY": self._key,
            "CB-ACCESS-SIGN": self.sign(timestamp, method, path, body),
            "CB-ACCESS-TIMESTAMP": timestamp,
            "CB-ACCESS-PASSPHRASE": self._passphrase,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        try:
            async with httpx.AsyncClient(**self._client_args) as client:
                response = await client.request(method, path, content=body or None, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError(
                "INTERNAL_SERVER_ERROR",
                f"Coinbase Exchange is unreachable: {exc}",
                details={"provider": self.name},
            ) from None
        if response.status_code >= 400:
            try:
                message = response.json().get("message") or response.reason_phrase
            except ValueError:
                message = response.reason_phrase
            raise ApiError(
                "CONFLICT" if response.status_code < 500 else "INTERNAL_SERVER_ERROR",
                f"Coinbase Exchange refused the request: {message}",
                details={"provider": self.name, "status": response.status_code},
            )
        return response.json()

    async def submit_payout(self, request: PayoutRequest) -> Payout:
        nonce = int(hashlib.sha256(request.reference.encode()).hexdigest()[:12], 16)
        data = await self._call(
            "POST",
            "/withdrawals/crypto",
            {
                "amount": format_amount(request.amount),
                "currency": request.currency,
                "crypto_address": request.address,
                "nonce": nonce,
            },
        )
        return Payout(payout_id=str(data["id"]), provider=self.name, submitted_at=request.now)

    async def payout_status(self, payout: Payout, address: str, now: datetime) -> PayoutOutcome:
        data = await self._call("GET", f"/transfers/{payout.payout_id}")
        if data.get("canceled_at"):
            return PayoutOutcome(status="failed", reason="Coinbase Exchange cancelled the payout")
        if data.get("completed_at"):
            return PayoutOutcome(status="settled")
        return PayoutOutcome(status="processing")

    def check_due(self, payout: Payout, last_checked: datetime, now: datetime) -> bool:
        return now - last_checked >= POLL_INTERVAL
