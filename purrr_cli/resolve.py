"""Turn what a user typed into API ids: a cat by numeric id or by unique name, and other ids.

Ids are whole numbers from 1 to 2**63 - 1 (what the API stores); anything else is a usage error
here, before a request is sent. A name made only of digits reads as an id; `name:123` asks for
the cat named "123".
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from purrr_cli import complete, config
from purrr_cli.client import Client
from purrr_cli.errors import NotFoundError, UsageError

#: The largest id the API stores (a signed 64-bit integer).
ID_MAX = 2**63 - 1
#: `name:123` names the cat called "123" (a bare number is an id).
NAME_PREFIX = "name:"

CatArg = Annotated[
    str | None,
    typer.Argument(
        metavar="CAT",
        help="Cat id or unique name (default: config default_cat_id).",
        show_default=False,
        autocompletion=complete.cats,
    ),
]
#: A cat that must be named.
CatRequired = Annotated[
    str,
    typer.Argument(metavar="CAT", help="Cat id or unique name.", autocompletion=complete.cats),
]
#: `--cat CAT`.
CatOption = Annotated[
    str | None,
    typer.Option("--cat", "-c", help="Cat id or unique name.", autocompletion=complete.cats),
]


def parse_id(raw: str | int, what: str) -> int:
    """`raw` as an id (1 … 2**63-1); a usage error naming `what` (e.g. "PATROL") otherwise."""
    text = str(raw).strip()
    value = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= value <= ID_MAX:
        raise UsageError(
            f"{what} must be an id, a whole number from 1 to {ID_MAX} (got {str(raw)!r})",
            details={"field": what, "value": str(raw)},
        )
    return value


def is_id(ref: str) -> bool:
    return ref.isascii() and ref.isdigit()


def cat_id(client: Client, ref: str | None, what: str = "CAT") -> int:
    """The id of the cat `ref` names: a number, a unique name, or the configured default."""
    if ref is None:
        default = config.load().get("default_cat_id")
        if default is None:
            raise UsageError(
                f"missing {what} (an id or a name); or set one: purrr config set default_cat_id ID"
            )
        return parse_id(default, "config default_cat_id")
    ref = ref.strip()
    if is_id(ref):
        return parse_id(ref, what)
    name = ref[len(NAME_PREFIX) :] if ref.startswith(NAME_PREFIX) else ref
    if not name:
        raise UsageError(f"{what} must not be empty: give a cat's id or name")
    cats: list[dict[str, Any]] = client.get_all("cats")
    matches = [c for c in cats if str(c.get("name", "")).casefold() == name.casefold()]
    if not matches:
        raise NotFoundError(f"no cat named {name!r}", details={"name": name})
    if len(matches) > 1:
        ids = ", ".join(str(c["id"]) for c in matches)
        raise UsageError(
            f"more than one cat is named {name!r} (ids {ids}); use the id",
            details={"name": name, "ids": [c["id"] for c in matches]},
        )
    return int(matches[0]["id"])
