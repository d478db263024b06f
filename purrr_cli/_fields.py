"""API errors retold in the words the user typed: `--usd`, not `amount_usd`; ITEM, not `item_id`.

The API names the request field it refused (`details.field`, e.g. `amount_usd` or `scopes.0`).
`speak_flags` finds the running command's option or argument that fills that field and rewrites
the message around it, without pydantic's phrasing. An unknown quest, item, game or special cat
named on the command line is "not found" (exit 3), as an unknown cat is.
"""

from __future__ import annotations

import re
from typing import Any

from purrr_cli.errors import CliError, NotFoundError

#: API field -> the command parameter (its Python name) that fills it, where the names differ.
PARAM_FOR_FIELD = {
    "amount_usd": "usd",
    "crypto_type": "currency",
    "food_item": "food",
    "item_id": "item",
    "scopes": "scope",
    "expires_in_days": "expires_days",
    "totp_code": "totp",
    "personality_type": "personality",
    "cat_ids": "cats",
    "sire_id": "sire",
    "dam_id": "dam",
    "cat_id": "cat",
    "special_cat": "special",
    "type": "zone_type",
}
#: Fields naming a thing by id: an unknown one is NOT_FOUND (exit 3), like an unknown cat.
LOOKED_UP = frozenset({"quest", "item", "item_id", "game", "special_cat"})

_PYDANTIC = [
    (re.compile(r"Value error, "), ""),
    (re.compile(r"Input should be less than or equal to "), "must be at most "),
    (re.compile(r"Input should be greater than or equal to "), "must be at least "),
    (re.compile(r"Input should be less than "), "must be less than "),
    (re.compile(r"Input should be greater than "), "must be more than "),
    (
        re.compile(r"Input should be a valid integer(, unable to parse string as an integer)?"),
        "must be a whole number",
    ),
    (
        re.compile(r"Input should be a valid number(, unable to parse string as a number)?"),
        "must be a number",
    ),
    (re.compile(r"String should have at least 1 character"), "must not be empty"),
    (re.compile(r"String should have "), "must have "),
    (re.compile(r"List should have "), "must have "),
    (re.compile(r"Input should be "), "must be "),
]


def plain(reason: str) -> str:
    """A validation message without pydantic's phrasing ("must be at most 10")."""
    for pattern, replacement in _PYDANTIC:
        reason = pattern.sub(replacement, reason)
    return reason


def _reason(error: CliError, field: str) -> str:
    errors = error.details.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return plain(str(errors[0].get("message", "")))
    prefix = f"invalid {field} "
    if error.message.startswith(prefix) and ": " in error.message:
        return plain(error.message.split(": ", 1)[1])
    return error.message


def _label(param: Any) -> str:
    if param.param_type_name == "option":
        return str(max(param.opts, key=len))
    return str(param.metavar or param.name.upper()).strip("[]").rstrip(".")


def _command_param(name: str) -> Any | None:
    import importlib

    try:  # Typer (0.29) runs its own copy of click
        click_globals: Any = importlib.import_module("typer._click.globals")
    except ImportError:  # pragma: no cover - another Typer version
        click_globals = importlib.import_module("click.globals")
    ctx = click_globals.get_current_context(silent=True)
    if ctx is None:
        return None
    return next((p for p in ctx.command.params if p.name == name), None)


def speak_flags(error: CliError) -> CliError:
    """`error` reworded for the command being run (the same error when no parameter matches)."""
    field = str(error.details.get("field") or "")
    if error.code not in ("VALIDATION_ERROR", "BAD_REQUEST") or not field:
        return error
    base = field.split(".")[0]
    param = _command_param(PARAM_FOR_FIELD.get(base, base))
    if param is None:
        return error
    label = _label(param)
    details = {**error.details, "parameter": label}
    if base in LOOKED_UP and "choices" in error.details:
        return NotFoundError(error.message, details=details)
    if error.message.startswith(("unknown ", f"{label} ")):
        error.details = details
        return error
    value = error.details.get("value")
    reason = _reason(error, field)
    shown = f"invalid {label} {value!r}: {reason}" if "value" in error.details else reason
    if not shown.startswith(("invalid ", label)):
        shown = f"{label}: {shown}"
    return type(error)(shown, code=error.code, details=details)
