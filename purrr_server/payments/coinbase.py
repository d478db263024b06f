"""Coinbase Commerce: deposits as hosted charges (hosted mode), over its documented charges API.

`POST /charges` opens a fixed-price charge priced in USD (the original priced it in crypto, which
the API does not accept) and `GET /charges/{code}` reads its timeline; the last timeline status
decides: COMPLETED/RESOLVED → confirmed, EXPIRED → expired, CANCELED/UNRESOLVED → failed, else
pending. Requests carry `X-CC-Api-Key` and `X-CC-Version`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from purrr_core.economy import Charge, ChargeRequest, ChargeStatus, format_amount
from purrr_server.envelope import ApiError

STATUS_BY_TIMELINE: dict[str, ChargeStatus] = {
    "NEW": "pending",
    "PENDING": "pending",
    "SIGNED": "pending",
    "DELAYED": "pending",
    "COMPLETED": "confirmed",
    "RESOLVED": "confirmed",
    "EXPIRED": "expired",
    "CANCELED": "failed",
    "UNRESOLVED": "failed",
}


class CoinbaseCommerceProvider:
    """A `PaymentProvider` backed by Coinbase Commerce; `transport` lets tests replay responses."""

    name = "coinbase"
    manual_confirm = False

    def __init__(
        self,
        api_key: str,
        *,
        api_version: str = "2018-03-22",
        base_url: str = "https://api.commerce.coinbase.com",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._client_args: dict[str, Any] = {
            "base_url": base_url,
            "timeout": timeout,
            "transport": transport,
            "headers": {
                "X-CC-Api-Key": api_key,
                "X-CC-Version": api_version,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        }

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            async with httpx.AsyncClient(**self._client_args) as client:
                response = await client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ApiError(
                "INTERNAL_SERVER_ERROR",
                f"Coinbase Commerce is unreachable: {exc}",
                details={"provider": self.name},
            ) from None
        if response.status_code >= 400:
            try:
                error = response.json().get("error", {})
            except ValueError:
                error = {}
            message = error.get("message") or response.reason_phrase
            code = "NOT_FOUND" if response.status_code == 404 else "INTERNAL_SERVER_ERROR"
            raise ApiError(
                code,
                f"Coinbase Commerce refused the request: {message}",
                details={"provider": self.name, "status": response.status_code},
            )
        return response.json()["data"]

    async def create_charge(self, request: ChargeRequest) -> Charge:
        data = await self._call(
            "POST",
            "/charges",
            {
                "name": "Purrr.love deposit",
                "description": f"{format_amount(request.amount_crypto)} {request.currency} to your wallet",
                "pricing_type": "fixed_price",
                "local_price": {"amount": f"{request.amount_usd:f}", "currency": "USD"},
                "metadata": {
                    "account": request.account,
                    "reference": request.reference,
                    "crypto_type": request.currency,
                    "amount_crypto": format_amount(request.amount_crypto),
                },
            },
        )
        return Charge(
            charge_id=data["code"],
            provider=self.name,
            payment_url=data["hosted_url"],
            currency=request.currency,
            amount_usd=request.amount_usd,
            amount_crypto=request.amount_crypto,
            created_at=datetime.fromisoformat(data.get("created_at") or request.now.isoformat()),
            expires_at=datetime.fromisoformat(data["expires_at"]),
        )

    async def charge_status(self, charge: Charge) -> ChargeStatus:
        data = await self._call("GET", f"/charges/{charge.charge_id}")
        timeline = data.get("timeline") or [{"status": "NEW"}]
        return STATUS_BY_TIMELINE.get(str(timeline[-1].get("status")), "pending")
