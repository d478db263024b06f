"""The local server's settings and data directory, checked before the server is started.

A bad `PURRR_*` variable (say `PURRR_NOW=garbage`) or a data directory that cannot be created
or written is the user's to fix: a one-line usage error (exit 2) naming it, not a traceback from
the in-process server or the daemon's log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from purrr_cli import config
from purrr_cli.errors import UsageError

#: What each settings field is called where the user sets it.
_SOURCES = {"pinned_now": "PURRR_NOW", "PURRR_NOW": "PURRR_NOW"}
_EXAMPLES = {"PURRR_NOW": "an ISO 8601 time, e.g. 2026-03-01T12:00:00Z"}


def data_dir_source() -> str:
    if os.environ.get("PURRR_DATA_DIR"):
        return "PURRR_DATA_DIR"
    return "config data_dir" if config.load().get("data_dir") else "the default data directory"


def usable_data_dir() -> Path:
    """The data directory, created if needed; a usage error when it cannot be used."""
    path = config.data_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"cannot use {path} as the data directory (from {data_dir_source()}): "
            f"{reason.lower()}; point PURRR_DATA_DIR or `purrr config set data_dir DIR` at a "
            "writable directory",
            details={"field": "data_dir", "value": str(path)},
        ) from None
    return path


def settings(**overrides: Any) -> Any:
    """`purrr_server.settings.Settings` for the local server, from the environment and `overrides`;
    an invalid `PURRR_*` value is a usage error naming the variable."""
    from pydantic import ValidationError

    from purrr_server.settings import Settings

    try:
        return Settings(**{"data_dir": usable_data_dir(), **overrides})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "settings"
        name = _SOURCES.get(field, f"PURRR_{field.upper()}")
        wanted = _EXAMPLES.get(name, first.get("msg", "invalid"))
        raise UsageError(
            f"invalid {name} {first.get('input')!r}: expected {wanted}",
            details={"field": name, "value": str(first.get("input"))},
        ) from None
