"""Exception handlers: every error leaves the server as a SPEC §7 envelope, never a stack trace."""

from __future__ import annotations

import decimal
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import RuleError
from purrr_server.envelope import (
    CODE_BY_STATUS,
    ApiError,
    fail,
    shorten,
    status_for,
    validation_summary,
)

MAX_VALUE_CHARS = 200
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _value(value: Any) -> Any:
    """The offending value, made JSON-safe and short."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str | int | float | bool) or value is None:
        return value[:MAX_VALUE_CHARS] if isinstance(value, str) else value
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    field = _field(error.get("loc", ()))
    out = {"field": field, "message": error.get("msg", "invalid"), "type": error.get("type")}
    if error.get("type") != "missing":
        out["value"] = _value(error.get("input"))
    return out


async def validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's validation errors → VALIDATION_ERROR naming the field and value (400 for bad JSON)."""
    assert isinstance(exc, RequestValidationError)
    errors = [dict(e) for e in exc.errors()]
    if any(e.get("type") == "json_invalid" for e in errors):
        reason = next(e for e in errors if e.get("type") == "json_invalid")
        detail = reason.get("ctx", {}).get("error", "invalid JSON")
        return fail(
            request,
            "BAD_REQUEST",
            f"malformed JSON body: {detail}",
            {"field": "body", "reason": str(detail)},
        )
    described = [_describe(e) for e in errors]
    message, details = validation_summary(described, "the request")
    return fail(request, "VALIDATION_ERROR", message, details)


async def rule_error(request: Request, exc: Exception) -> Response:
    """A game rule or API refusal → its code's status and envelope."""
    assert isinstance(exc, RuleError)
    headers = exc.headers if isinstance(exc, ApiError) else None
    return fail(request, exc.code, exc.message, exc.details, headers, status_for(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) in the envelope."""
    assert isinstance(exc, HTTPException)
    code = CODE_BY_STATUS.get(
        exc.status_code, "BAD_REQUEST" if exc.status_code < 500 else "INTERNAL_SERVER_ERROR"
    )
    messages = {
        404: f"no route {request.url.path}",
        405: f"method {request.method} not allowed on {request.url.path}",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    details = dict(getattr(exc, "details", None) or {})
    return fail(request, code, message, details, dict(exc.headers or {}), exc.status_code)


#: The range of an SQLite INTEGER (and of every id and count the API stores).
INT64 = (-(2**63), 2**63 - 1)


def _out_of_range(value: object) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return not INT64[0] <= number <= INT64[1]


async def overflow_error(request: Request, exc: Exception) -> Response:
    """A number too large to store or compute with (SQLite's 64-bit INTEGER, a date out of
    range): an id in the path names nothing (404); anything else is invalid input (422)."""
    for name, value in request.path_params.items():
        if _out_of_range(value):
            return fail(
                request,
                "NOT_FOUND",
                f"{name} {shorten(str(value), 40)} not found (ids are at most {INT64[1]})",
                {"field": name, "value": str(value)},
            )
    return fail(
        request,
        "VALIDATION_ERROR",
        f"a number in the request is out of range: whole numbers must lie within "
        f"{INT64[0]}..{INT64[1]} and dates within years 1..9999 ({exc})",
        {"reason": str(exc)},
    )


async def unicode_error(request: Request, exc: Exception) -> Response:
    """Text that is not valid Unicode (a lone surrogate such as "\ud800") cannot be stored."""
    return fail(
        request,
        "VALIDATION_ERROR",
        "the request contains text that is not valid Unicode (a lone surrogate such as "
        "\\ud800); send well-formed UTF-8",
        {"reason": str(exc)},
    )


async def decimal_error(request: Request, exc: Exception) -> Response:
    """A decimal too large or malformed for money arithmetic."""
    return fail(
        request,
        "VALIDATION_ERROR",
        "an amount in the request is not a usable decimal number (too large, too precise "
        "or malformed); amounts are decimals with at most 8 places",
        {"reason": type(exc).__name__},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(RuleError, rule_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(OverflowError, overflow_error)
    app.add_exception_handler(UnicodeError, unicode_error)
    app.add_exception_handler(decimal.DecimalException, decimal_error)
