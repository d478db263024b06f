"""Turn what a user typed into API ids: a cat by numeric id or by unique name."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from purrr_cli import config
from purrr_cli.client import Client
from purrr_cli.errors import NotFoundError, UsageError

CatArg = Annotated[
    str | None,
    typer.Argument(
        metavar="CAT",
        help="Cat id or unique name (default: config default_cat_id).",
        show_default=False,
    ),
]


def cat_id(client: Client, ref: str | None) -> int:
    """The id of the cat `ref` names: a number, a unique name, or the configured default."""
    if ref is None:
        default = config.load().get("default_cat_id")
        if default is None:
            raise UsageError(
                "missing CAT (an id or a name); or set one: purrr config set default_cat_id ID"
            )
        return int(default)
    ref = ref.strip()
    if ref.isdigit():
        return int(ref)
    cats: list[dict[str, Any]] = client.get("cats") or []
    matches = [c for c in cats if str(c.get("name", "")).casefold() == ref.casefold()]
    if not matches:
        raise NotFoundError(f"no cat named {ref!r}", details={"name": ref})
    if len(matches) > 1:
        ids = ", ".join(str(c["id"]) for c in matches)
        raise UsageError(
            f"more than one cat is named {ref!r} (ids {ids}); use the id",
            details={"name": ref, "ids": [c["id"] for c in matches]},
        )
    return int(matches[0]["id"])
