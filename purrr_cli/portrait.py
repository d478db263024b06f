"""A cat's terminal portrait, drawn by `purrr_core.portrait` from the API cat's `phenotype`."""

from __future__ import annotations

from typing import Any


def portrait_renderable(cat: dict[str, Any]) -> Any:
    """The Rich portrait of an API cat object, titled with its name."""
    from purrr_core import portrait

    phenotype = cat.get("phenotype") if isinstance(cat.get("phenotype"), dict) else {}
    return portrait.renderable(phenotype, title=str(cat.get("name", "")))
