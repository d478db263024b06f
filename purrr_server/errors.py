"""Exception handlers: every error leaves the server as a SPEC §7 envelope, never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import RuleError
from purrr_server.envelope import CODE_BY_STATUS, ApiError, fail, status_for

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
    first = described[0]
    if first["type"] == "missing":
        message = f"{first['field']} is required"
    else:
        message = f"invalid {first['field']} {first.get('value')!r}: {first['message']}"
    details = {"field": first["field"], "errors": described}
    if "value" in first:
        details["value"] = first["value"]
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
    return fail(request, code, message, {}, dict(exc.headers or {}), exc.status_code)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(RuleError, rule_error)
    app.add_exception_handler(HTTPException, http_error)
