"""The one response envelope (SPEC §7) and the API error type.

Success: `{"success": true, "data": …, "meta": {"request_id", "timestamp"}}`.
Error: `{"success": false, "error": {"code", "message", "details"}, "meta": {…}}`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from purrr_core import RuleError

STATUS_BY_CODE = {
    "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "VALIDATION_ERROR": 422,
    "RATE_LIMIT_EXCEEDED": 429,
    "INTERNAL_SERVER_ERROR": 500,
}
CODE_BY_STATUS = {status: code for code, status in STATUS_BY_CODE.items()}


class ApiError(RuleError):
    """An error the API answers with: a SPEC §7 code, a message, details and optional headers."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.code = code
        self.headers = headers or {}


def status_for(error: RuleError) -> int:
    return STATUS_BY_CODE.get(error.code, 400)


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def request_id(request: Request) -> str:
    """The correlation id the middleware put on this request."""
    return str(request.scope.get("state", {}).get("request_id", ""))


def clock(request: Request) -> datetime:
    """The game clock of the app serving `request`."""
    settings = getattr(request.app.state, "settings", None)
    return settings.now() if settings is not None else datetime.now(UTC)


def meta(rid: str, now: datetime) -> dict[str, str]:
    return {"request_id": rid, "timestamp": now.isoformat()}


def success_body(data: Any, rid: str, now: datetime) -> bytes:
    return dumps({"success": True, "data": data, "meta": meta(rid, now)})


def error_body(
    code: str, message: str, details: dict[str, Any] | None, rid: str, now: datetime
) -> bytes:
    error = {"code": code, "message": message, "details": details or {}}
    return dumps({"success": False, "error": error, "meta": meta(rid, now)})


class JSONBody(Response):
    """A response whose body is already-encoded envelope JSON."""

    media_type = "application/json"


def ok(
    request: Request, data: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A success envelope for `request`."""
    return JSONBody(success_body(data, request_id(request), clock(request)), status_code, headers)


def fail(
    request: Request,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    status_code: int | None = None,
) -> Response:
    """An error envelope for `request`; the status follows the code unless given."""
    body = error_body(code, message, details, request_id(request), clock(request))
    return JSONBody(body, status_code or STATUS_BY_CODE.get(code, 400), headers)
