"""The one exception family of the game rules; the server maps `code` to HTTP, the CLI to exit codes."""

from __future__ import annotations

from typing import Any


class RuleError(Exception):
    """A request the rules refuse. `code` is one of the API error codes (SPEC §7)."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidRequest(RuleError):
    """The input is not valid: an unknown name, a value out of range."""

    code = "VALIDATION_ERROR"


class Conflict(RuleError):
    """The request is valid but the game state refuses it now (tired cat, already on patrol)."""

    code = "CONFLICT"


class NotFound(RuleError):
    """Something named by the request does not exist (or is not the player's)."""

    code = "NOT_FOUND"


def choose_one(kind: str, value: str, choices: list[str] | tuple[str, ...]) -> InvalidRequest:
    """The standard 'unknown X; choose one of …' error (a long value is repeated only in part)."""
    shown = value if len(value) <= 60 else value[:60] + "…"
    return InvalidRequest(
        f"unknown {kind} {shown!r}; choose one of {', '.join(choices)}",
        details={"field": kind.replace(" ", "_"), "value": shown, "choices": list(choices)},
    )
