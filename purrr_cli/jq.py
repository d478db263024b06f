"""`--jq EXPR`: filter JSON output with the real jq language (the `jq` package, libjq bindings)."""

from __future__ import annotations

from typing import Any

from purrr_cli.errors import UsageError


def evaluate(expr: str, data: Any) -> list[Any]:
    """Every output of `expr` applied to `data`; a bad expression is a usage error naming it."""
    import jq  # type: ignore[import-not-found]

    try:
        program = jq.compile(expr)
    except ValueError as exc:
        raise UsageError(f"invalid --jq expression {expr!r}: {exc}") from None
    try:
        return list(program.input_value(data).all())
    except ValueError as exc:
        raise UsageError(f"--jq expression {expr!r} failed on this data: {exc}") from None
