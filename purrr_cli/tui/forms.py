"""Form fields derived from the rules' own request models and catalogue (no rules copied here)."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from typing import Any

from purrr_cli.tui.screens.form import FormField
from purrr_core import catalog
from purrr_core.care import ACTIONS

#: Fields whose valid values are a catalogue table rather than a Literal.
_CATALOG_CHOICES: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
    ("feed", "food_item"): catalog.foods,
    ("play", "game"): catalog.play_kinds,
    ("groom", "kind"): catalog.grooming_kinds,
    ("train", "command"): catalog.training_commands,
}


def humanize(value: str) -> str:
    """`premium_cat_food` → `Premium cat food`."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def choices(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    return tuple((humanize(v), v) for v in values)


def care_fields(action: str) -> list[FormField]:
    """The inputs of care action `action`, read from its request model in purrr_core.care."""
    model = ACTIONS[action][0]
    fields: list[FormField] = []
    for name, info in model.model_fields.items():
        default = None if info.is_required() else info.default
        if (action, name) in _CATALOG_CHOICES:
            options = choices(_CATALOG_CHOICES[(action, name)]())
            fields.append(FormField(name, humanize(name), default, options))
        elif typing.get_origin(info.annotation) is typing.Literal:
            fields.append(
                FormField(name, humanize(name), default, choices(typing.get_args(info.annotation)))
            )
        else:
            fields.append(FormField(name, humanize(name), default, integer=info.annotation is int))
    return fields


def personality_choices() -> tuple[tuple[str, str], ...]:
    return choices(catalog.personalities())


def deposit_fields() -> list[FormField]:
    """A deposit: one of the wallet's currencies (from `purrr_core.economy`) and an amount in USD.

    The amount is sent as typed; the server checks it (whole cents, within the deposit limits).
    """
    from purrr_core.economy import currencies

    codes = tuple((code, code) for code in currencies())
    return [
        FormField("crypto_type", "Currency", choices=codes),
        FormField("amount_usd", "Amount (USD)"),
    ]
