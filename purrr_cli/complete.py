"""Live shell completion from the server: cat names and ids, quests, patrols, breedings, alerts,
API keys, withdrawals and charges. Static values (foods, games…) come from purrr_cli.choices.

A completer never fails loudly: when the server cannot be asked, it offers nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Completer = Callable[[str], list[tuple[str, str]]]


def _fetch(path: str, **params: Any) -> list[dict[str, Any]]:
    try:
        from purrr_cli.client import connect

        items = connect().get_all(path, **params)
    except Exception:  # completion must not print errors into the shell
        return []
    return [item for item in items if isinstance(item, dict)]


def cats(incomplete: str) -> list[tuple[str, str]]:
    """Cat ids (described by name) and names (described by id); digit names as `name:123`."""
    offered: list[tuple[str, str]] = []
    folded = incomplete.casefold()
    for cat in _fetch("cats"):
        cat_id, name = str(cat.get("id")), str(cat.get("name", ""))
        if cat_id.startswith(incomplete):
            offered.append((cat_id, name))
        shown = f"name:{name}" if name.isascii() and name.isdigit() else name
        if shown.casefold().startswith(folded):
            offered.append((shown, f"#{cat_id}"))
    return offered


def api_ids(
    path: str, label: str, *, keep: Callable[[dict[str, Any]], bool] | None = None, key: str = "id"
) -> Completer:
    """A completer offering `key` of the items at `path` (those `keep` accepts), described by
    their `label` field."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        return [
            (str(item.get(key)), str(item.get(label, "")))
            for item in _fetch(path)
            if str(item.get(key)).startswith(incomplete) and (keep is None or keep(item))
        ]

    return complete


def _pending(item: dict[str, Any]) -> bool:
    return item.get("status") == "pending"


patrols = api_ids("night-watch/patrols", "status")
breedings = api_ids("breeding/history", "status")
alerts = api_ids("night-watch/alerts", "message", keep=lambda a: bool(a.get("open")))
keys = api_ids("keys", "name")
quests = api_ids("quests", "name", keep=lambda q: bool(q.get("claimable") or q.get("active")))
withdrawals = api_ids("economy/withdrawals", "amount", keep=_pending)
charges = api_ids("economy/charges", "status", keep=_pending, key="charge_id")
