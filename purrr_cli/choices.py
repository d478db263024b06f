"""Shell-completion values read straight from the game's data tables (no pydantic import)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any


@cache
def _data_dir() -> Path:
    """`purrr_core/data`, found without importing `purrr_core` (pydantic) or
    `importlib.resources` (tempfile, random: a few per cent of a command's start-up)."""
    spec = find_spec("purrr_core")
    assert spec is not None and spec.submodule_search_locations, "purrr_core is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache
def _table(name: str) -> dict[str, Any]:
    text = (_data_dir() / f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def ids(table: str, key: str) -> list[str]:
    """The `id`s of `purrr_core/data/<table>.json` rows under `key` (or its keys, for a mapping)."""
    rows = _table(table).get(key, [])
    return list(rows) if isinstance(rows, dict) else [row["id"] for row in rows]


def completer(table: str, key: str) -> Callable[[str], list[str]]:
    """A Typer `autocompletion` callback offering the ids that start with what was typed."""

    def complete(incomplete: str) -> list[str]:
        return [value for value in ids(table, key) if value.startswith(incomplete)]

    return complete
