"""One exception family for the CLI; each class carries its documented exit code.

Exit codes (docs/scripting.md): 0 ok, 1 error, 2 usage, 3 not found, 4 authentication,
5 conflict / already done, 6 rate limited, 7 server unreachable, 8 needs a hosted server.
"""

from __future__ import annotations

from typing import Any

#: Every exit code and what it means: `purrr help exit-codes` prints this table and
#: docs/scripting.md lists the same (a test compares them).
EXIT_CODES: dict[int, str] = {
    0: "success (an empty list is a success)",
    1: "error: input the game refused (VALIDATION_ERROR, BAD_REQUEST), an internal error",
    2: "usage: a bad option, argument, id, environment variable or config value; an ambiguous "
    "cat name; a confirmation needed without a terminal; purrr tui without a terminal",
    3: "not found (NOT_FOUND): an unknown cat, breeding, patrol, alert, key, charge, quest, "
    "item, game or special cat",
    4: "authentication (UNAUTHORIZED, FORBIDDEN)",
    5: "conflict / already done (CONFLICT): a full cat refuses food, the daemon already runs, "
    "a port in use",
    6: "rate limited (RATE_LIMIT_EXCEEDED)",
    7: "server unreachable (for sync and remote link: the remote)",
    8: "needs a hosted server (HOSTED_ONLY): multiplayer rooms on the local game",
    130: "interrupted (Ctrl-C)",
}


class CliError(Exception):
    """An error the user can act on: printed as one line (or the API error object with --json)."""

    exit_code = 1
    default_code = "ERROR"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        """The API's error object shape: {"code", "message", "details"}."""
        return {"code": self.code, "message": self.message, "details": self.details}


class UsageError(CliError):
    exit_code = 2
    default_code = "USAGE_ERROR"


class NotFoundError(CliError):
    exit_code = 3
    default_code = "NOT_FOUND"


class AuthError(CliError):
    exit_code = 4
    default_code = "UNAUTHORIZED"


class ConflictError(CliError):
    exit_code = 5
    default_code = "CONFLICT"


class RateLimitedError(CliError):
    exit_code = 6
    default_code = "RATE_LIMIT_EXCEEDED"


class UnreachableError(CliError):
    exit_code = 7
    default_code = "SERVER_UNREACHABLE"


class HostedOnlyError(CliError):
    exit_code = 8
    default_code = "HOSTED_ONLY"


_BY_CODE: dict[str, type[CliError]] = {
    "NOT_FOUND": NotFoundError,
    "UNAUTHORIZED": AuthError,
    "FORBIDDEN": AuthError,
    "CONFLICT": ConflictError,
    "RATE_LIMIT_EXCEEDED": RateLimitedError,
    "HOSTED_ONLY": HostedOnlyError,
    # The local server's sync relays the linked remote's failures (purrr_server.sync).
    "REMOTE_UNREACHABLE": UnreachableError,
    "REMOTE_UNAUTHORIZED": AuthError,
}
_BY_STATUS: dict[int, type[CliError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def from_api(status: int, error: dict[str, Any] | None) -> CliError:
    """Map an API error envelope (or a bare HTTP status) to the matching CLI exception."""
    error = error or {}
    code = str(error.get("code") or f"HTTP_{status}")
    message = str(error.get("message") or f"the server answered HTTP {status}")
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status, CliError)
    return cls(message, code=code, details=details)
