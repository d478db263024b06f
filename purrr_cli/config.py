"""Configuration (`config.json`) and secrets (OS keyring, or a 0600 file when no keyring works;
`purrr_server.local_secrets`, shared with the local server's sync engine).

The config lives in `$PURRR_CONFIG_DIR` or `~/.purrr`. Keys and defaults mirror
`config.example.json`; secrets (tokens, API keys) never go into `config.json`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from purrr_cli.errors import CliError, UsageError

# Secrets, and the config directory they share, live where the local server reads them too.
from purrr_server.local_secrets import config_dir as config_dir
from purrr_server.local_secrets import delete_secret as delete_secret
from purrr_server.local_secrets import get_secret as get_secret
from purrr_server.local_secrets import secrets_path as secrets_path
from purrr_server.local_secrets import set_secret as set_secret

CONFIG_FILE = "config.json"

#: Every key with its default; `config.example.json` documents the same set (a test checks it).
DEFAULTS: dict[str, Any] = {
    "server_url": None,
    "default_cat_id": None,
    "output_format": "table",
    "color_output": "auto",
    "data_dir": None,
    "daemon_port": None,
    "request_timeout": 10.0,
    "theme": "textual-dark",
    "keybindings": {},
    "remote_url": None,
    "sync_interval_seconds": 300,
}
#: Allowed values for keys that take one of a few words.
CHOICES: dict[str, tuple[str, ...]] = {
    "output_format": ("table", "json"),
    "color_output": ("auto", "always", "never"),
}
_INTS = {"default_cat_id", "daemon_port", "sync_interval_seconds"}
_FLOATS = {"request_timeout"}
_OBJECTS = {"keybindings"}
_URLS = {"server_url", "remote_url"}
_PATHS = {"data_dir"}
#: Allowed ranges of the numeric keys, and how an error states them.
_RANGES: dict[str, tuple[float, float]] = {
    "default_cat_id": (1, 2**63 - 1),
    "daemon_port": (1, 65535),
    "sync_interval_seconds": (1, 86400),
    "request_timeout": (0.001, 3600),
}
_RANGE_TEXT = {
    "default_cat_id": "a cat id, a whole number from 1 to 9223372036854775807",
    "daemon_port": "a TCP port from 1 to 65535",
    "sync_interval_seconds": "seconds from 1 to 86400",
    "request_timeout": "seconds, more than 0 and at most 3600",
}


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def load() -> dict[str, Any]:
    """The stored settings merged over the defaults (a missing file is fine)."""
    path = config_path()
    try:
        stored = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        stored = {}
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc
    if not isinstance(stored, dict):
        raise CliError(f"{path} must hold a JSON object")
    return {**DEFAULTS, **{k: v for k, v in stored.items() if not k.startswith("_")}}


def get(key: str) -> Any:
    check_key(key)
    return load()[key]


def stored() -> dict[str, Any]:
    """Only the keys written to the file (no defaults)."""
    path = config_path()
    if not path.exists():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return data if isinstance(data, dict) else {}


def _write(data: dict[str, Any]) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")
    tmp.replace(path)


def check_key(key: str) -> None:
    if key not in DEFAULTS:
        raise UsageError(
            f"unknown config key {key!r}; choose one of {', '.join(DEFAULTS)}",
            details={"key": key, "choices": list(DEFAULTS)},
        )


def _is_number(raw: str) -> bool:
    try:
        float(raw)
    except ValueError:
        return False
    return True


def parse_value(key: str, raw: str) -> Any:
    """Turn the command-line text for `key` into the stored JSON value."""
    check_key(key)
    if raw.lower() in ("null", "none", ""):
        return None
    if key in _INTS and not raw.lstrip("-").isdigit():
        raise UsageError(f"invalid value {raw!r} for {key}: expected a whole number, e.g. 3")
    if key in _FLOATS and not _is_number(raw):
        raise UsageError(f"invalid value {raw!r} for {key}: expected a number, e.g. 2.5")
    try:
        if key in _INTS or key in _FLOATS:
            number = int(raw) if key in _INTS else float(raw)
            _check_range(key, raw, number)
            return number
        if key in _OBJECTS:
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise ValueError("expected a JSON object")
            return value
    except ValueError as exc:
        raise UsageError(f"invalid value {raw!r} for {key}: {exc}") from exc
    if key in CHOICES and raw not in CHOICES[key]:
        raise UsageError(
            f"invalid value {raw!r} for {key}; choose one of {', '.join(CHOICES[key])}"
        )
    if key in _URLS and not (raw.startswith(("http://", "https://")) and len(raw) > 8):
        raise UsageError(
            f"invalid value {raw!r} for {key}: give the base URL with its scheme, "
            "e.g. https://purrr.example"
        )
    if key in _PATHS and not Path(raw).expanduser().is_absolute():
        raise UsageError(
            f"invalid value {raw!r} for {key}: give an absolute path (e.g. "
            f"{Path(raw).resolve()} or ~/purrr-data), or every working directory would get a "
            "game of its own"
        )
    return raw.rstrip("/") if key in _URLS else raw


def _check_range(key: str, raw: str, value: float) -> None:
    low, high = _RANGES[key]
    if not (low <= value <= high) or value != value:  # value != value: NaN
        raise UsageError(f"invalid value {raw!r} for {key}: expected {_RANGE_TEXT[key]}")


def set_value(key: str, raw: str) -> Any:
    value = parse_value(key, raw)
    _write({**stored(), key: value})
    return value


def unset(key: str) -> None:
    check_key(key)
    data = stored()
    data.pop(key, None)
    _write(data)


def data_dir() -> Path:
    """Where the server keeps its data: `$PURRR_DATA_DIR`, config `data_dir`, else ~/.purrr/data."""
    override = os.environ.get("PURRR_DATA_DIR") or load().get("data_dir")
    return Path(override).expanduser() if override else Path.home() / ".purrr" / "data"
