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

_JSON_EXAMPLES = {"PURRR_USD_RATES": '{"BTC": "65000"}', "PURRR_TIER_LIMITS": '{"free": 100}'}
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
    import re

    from pydantic import ValidationError

    from purrr_server.settings import Settings, SettingsError, variable_for

    try:
        return Settings(**{"data_dir": usable_data_dir(), **overrides})
    except SettingsError as exc:  # a value that should be JSON is not
        field = re.search(r'field "(\w+)"', str(exc))
        name = variable_for((field.group(1),) if field else ())
        raise UsageError(
            f"invalid {name}: expected JSON, e.g. {name}='{_JSON_EXAMPLES.get(name, '[]')}'",
            details={"field": name},
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = variable_for(tuple(first.get("loc", ())))
        example = _EXAMPLES.get(name)
        reason = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        wanted = f"expected {example}" if example else reason[:1].lower() + reason[1:]
        raise UsageError(
            f"invalid {name} {first.get('input')!r}: {wanted}",
            details={"field": name, "value": str(first.get("input"))},
        ) from None
