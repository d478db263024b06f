"""The one response envelope (SPEC §7) and the API error type.

Success: `{"success": true, "data": …, "meta": {"request_id", "timestamp"}}`.
Error: `{"success": false, "error": {"code", "message", "details"}, "meta": {…}}`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
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
    # Not one of SPEC §7's codes: a feature this server does not offer in its mode (multiplayer
    # rooms on the local game; docs/rooms.md).
    "HOSTED_ONLY": 409,
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


#: Error messages and the strings, lists and objects in error details are cut to these sizes,
#: so an error never echoes a large request back (docs/api.md, "Limits").
MAX_MESSAGE_CHARS = 500
MAX_DETAIL_CHARS = 200
MAX_DETAIL_ITEMS = 20
MAX_DETAIL_DEPTH = 4


#: orjson writes what `json.dumps(..., default=str)` writes for these, except that datetimes
#: and dataclasses go to `default=str` as they did with json (not orjson's own forms).
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON: orjson (several times faster than json on a list of cats), and the
    standard library for what orjson refuses (integers over 64 bits, lone surrogates)."""
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        pass
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    except UnicodeEncodeError:
        # A lone surrogate (from "\ud800" in a request) has no UTF-8 form: escape it instead.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=True, default=str).encode()


def shorten(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """`text` cut to `limit` characters (marked with "…"), lone surrogates replaced by U+FFFD."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def bounded(value: Any, depth: int = 0) -> Any:
    """Error details made small and JSON-safe: long strings cut, long lists and objects
    truncated, deep nesting summarised."""
    if isinstance(value, str):
        return shorten(value)
    if isinstance(value, bool | int | float) or value is None:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            return shorten(str(value), 40)  # still exact to the client, but never huge
        return value
    if isinstance(value, bytes):
        return shorten(value.decode("utf-8", "replace"))
    if depth >= MAX_DETAIL_DEPTH:
        return shorten(repr(value))
    if isinstance(value, dict):
        items = list(value.items())
        out = {shorten(str(k), 100): bounded(v, depth + 1) for k, v in items[:MAX_DETAIL_ITEMS]}
        if len(items) > MAX_DETAIL_ITEMS:
            out["…"] = f"{len(items) - MAX_DETAIL_ITEMS} more"
        return out
    if isinstance(value, list | tuple | set | frozenset):
        seq = list(value)
        out_list = [bounded(v, depth + 1) for v in seq[:MAX_DETAIL_ITEMS]]
        if len(seq) > MAX_DETAIL_ITEMS:
            out_list.append(f"… {len(seq) - MAX_DETAIL_ITEMS} more")
        return out_list
    return shorten(str(value))


def request_id(request: Request) -> str:
    """The correlation id the middleware put on this request."""
    return request_id_of(request.scope)


def request_id_of(scope: Any) -> str:
    """The correlation id the middleware put on this ASGI scope ("" before it ran)."""
    return str(scope.get("state", {}).get("request_id", ""))


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
    error = {
        "code": code,
        "message": shorten(message, MAX_MESSAGE_CHARS),
        "details": bounded(details or {}),
    }
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


def validation_summary(described: list[dict[str, Any]], what: str) -> tuple[str, dict[str, Any]]:
    """The VALIDATION_ERROR message and details for pydantic errors already described as
    `{"field", "message", "type", "value"?}` (the first bad field named, with its value; the
    "Value error, " prefix pydantic puts on a validator's own words dropped)."""
    for entry in described:
        entry["message"] = str(entry["message"]).removeprefix("Value error, ")
    first = described[0]
    if first["type"] == "missing":
        message = f"{first['field']} is required"
    elif first["type"] == "extra_forbidden":
        message = f"unknown field {first['field']!r} for {what}"
    else:
        message = f"invalid {first['field']} {first.get('value')!r}: {first['message']}"
    details: dict[str, Any] = {"field": first["field"], "errors": described}
    if "value" in first:
        details["value"] = first["value"]
    return message, details
