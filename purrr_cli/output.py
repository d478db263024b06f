"""Everything a command prints: tables, TSV, JSON, --jq, messages, errors, and the shared options.

Every command built with `PurrrTyper` gets `--json [FIELDS]`, `--jq EXPR`, `--no-color`,
`--quiet` and `--server URL`, so all groups behave identically (docs/scripting.md is the contract):
- stdout is data, stderr is messages;
- a Rich table on a terminal, tab-separated rows without colour or ANSI when piped;
- `--json` prints the API's objects (all fields, or `--json id,name`), `--jq` filters and implies it;
- colour is off for `NO_COLOR`, `TERM=dumb`, `--no-color`, or when the stream is not a terminal.
Rich is imported only when a table or renderable is actually drawn.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TextIO

import typer

from purrr_cli.errors import CliError, UsageError

JSON_ALL = "*"


@dataclass
class OutputOptions:
    """The shared options of the command being run."""

    json_fields: list[str] | None = None  # None: not JSON; []: every field
    jq: str | None = None
    no_color: bool = False
    server: str | None = None
    quiet: bool = False

    @property
    def json(self) -> bool:
        return self.json_fields is not None or self.jq is not None


#: The options of the current invocation (a CLI process runs one command); updated in place.
options = OutputOptions()


# --- shared options --------------------------------------------------------------------------

_COMMON = {
    "purrr_json": (
        Annotated[
            str | None,
            typer.Option(
                "--json",
                metavar="[FIELDS]",
                help="Print JSON: every field, or only FIELDS (comma-separated, e.g. id,name).",
                rich_help_panel="Output",
            ),
        ],
        None,
    ),
    "purrr_jq": (
        Annotated[
            str | None,
            typer.Option(
                "--jq",
                metavar="EXPR",
                help="Filter the JSON output with a jq expression (implies --json).",
                rich_help_panel="Output",
            ),
        ],
        None,
    ),
    "purrr_no_color": (
        Annotated[
            bool,
            typer.Option("--no-color", help="Never use colour.", rich_help_panel="Output"),
        ],
        False,
    ),
    "purrr_quiet": (
        Annotated[
            bool,
            typer.Option(
                "--quiet",
                "-q",
                help="No messages on stderr (errors are still printed).",
                rich_help_panel="Output",
            ),
        ],
        False,
    ),
    "purrr_server": (
        Annotated[
            str | None,
            typer.Option(
                "--server",
                metavar="URL",
                help="Talk to this server (overrides PURRR_SERVER and config server_url).",
                rich_help_panel="Connection",
            ),
        ],
        None,
    ),
}


def _parse_fields(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    if raw in ("", JSON_ALL):
        return []
    return [field.strip() for field in raw.split(",") if field.strip()]


def _apply_config_defaults() -> None:
    """config `output_format: json` makes JSON the default; `color_output: never` turns colour off."""
    from purrr_cli import config

    settings = config.load()
    if settings.get("output_format") == "json" and options.json_fields is None:
        options.json_fields = []
    if settings.get("color_output") == "never":
        options.no_color = True


def with_common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared output/connection options to a command function's signature."""
    signature = inspect.signature(func, eval_str=True)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        options.json_fields = _parse_fields(kwargs.pop("purrr_json"))
        options.jq = kwargs.pop("purrr_jq")
        options.no_color = kwargs.pop("purrr_no_color")
        options.server = kwargs.pop("purrr_server")
        options.quiet = kwargs.pop("purrr_quiet")
        _apply_config_defaults()
        return func(*args, **kwargs)

    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=hint, default=default)
        for name, (hint, default) in _COMMON.items()
    ]
    params = list(signature.parameters.values()) + extra
    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    return wrapper


class PurrrTyper(typer.Typer):
    """A Typer whose commands all carry the shared options; use it for every command group."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", True)
        kwargs.setdefault("add_completion", False)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = super().command(*args, **kwargs)

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            register(with_common_options(func))
            return func

        return decorator


# --- colour and terminals ----------------------------------------------------------------------


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_enabled(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never with NO_COLOR, TERM=dumb or --no-color."""
    stream = stream or sys.stdout
    if options.no_color or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def can_prompt() -> bool:
    """Prompts are allowed only when stdin is a terminal."""
    return is_terminal(sys.stdin)


def console(stream: TextIO | None = None) -> Any:
    """A Rich console for `stream` honouring the colour rules (imports Rich on first use)."""
    from rich.console import Console

    stream = stream or sys.stdout
    enabled = color_enabled(stream)
    return Console(
        file=stream,
        no_color=not enabled,
        color_system="auto" if enabled else None,
        force_terminal=is_terminal(stream) and enabled,
        highlight=False,
        soft_wrap=not is_terminal(stream),
    )


# --- data --------------------------------------------------------------------------------------


def cell(value: Any) -> str:
    """One value as plain text for a table cell or a TSV field (no tabs or newlines)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        text = ",".join(cell(v) for v in value)
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        text = str(value)
    return text.replace("\t", " ").replace("\n", " ")


def header(key: str) -> str:
    """A column title: the last part of a dotted key, in capitals (`care.care_band` -> CARE BAND)."""
    return key.rsplit(".", 1)[-1].replace("_", " ").upper()


def select_fields(data: Any, fields: list[str]) -> Any:
    """Keep only `fields` of an object or of every object in a list; unknown fields are an error."""
    if not fields:
        return data
    items = data if isinstance(data, list) else [data]
    known = {key for item in items if isinstance(item, dict) for key in item}
    unknown = [f for f in fields if items and f not in known]
    if unknown:
        raise UsageError(
            f"unknown JSON field {unknown[0]!r}; available fields: {', '.join(sorted(known))} "
            "(an argument that looks like a field goes before --json, or use --json=FIELDS)",
            details={"field": unknown[0], "choices": sorted(known)},
        )
    if isinstance(data, list):
        return [{f: item.get(f) for f in fields} for item in data]
    if isinstance(data, dict):
        return {f: data.get(f) for f in fields}
    return data


def write_json(value: Any, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(
        json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"
    )


def _write_jq(data: Any, expr: str) -> None:
    from purrr_cli.jq import evaluate

    for result in evaluate(expr, data):
        if isinstance(result, str):
            sys.stdout.write(result + "\n")
        else:
            write_json(result)


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys (`new_stats.hunger`), for showing one object to people."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _default_columns(data: Any) -> list[str]:
    if isinstance(data, dict):
        return list(data)
    seen: dict[str, None] = {}
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict):
            seen.update(
                dict.fromkeys(k for k, v in item.items() if not isinstance(v, (dict, list)))
            )
    return list(seen) or ["value"]


def _write_tsv(data: Any, columns: Sequence[str]) -> None:
    out = sys.stdout
    if isinstance(data, list):
        for item in data:
            row = item if isinstance(item, dict) else {"value": item}
            out.write("\t".join(cell(row.get(c)) for c in columns) + "\n")
    elif isinstance(data, dict):
        for c in columns:
            out.write(f"{c}\t{cell(data.get(c))}\n")
    else:
        out.write(cell(data) + "\n")


def _write_table(data: Any, columns: Sequence[str], title: str | None) -> None:
    from rich.table import Table

    if isinstance(data, list):
        table = Table(title=title, header_style="bold", box=None, pad_edge=False)
        for c in columns:
            table.add_column(header(c))
        for item in data:
            row = item if isinstance(item, dict) else {"value": item}
            table.add_row(*(cell(row.get(c)) for c in columns))
    else:
        table = Table(title=title, show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for c in columns:
            table.add_row(c, cell(data.get(c)) if isinstance(data, dict) else cell(data))
    out = console()
    rows = len(data) if isinstance(data, list) else len(columns)
    if _wants_pager(rows + 2, out.height):
        # Like git: less quits on a short page, keeps colours, leaves the screen as it was.
        os.environ.setdefault("LESS", "FRX")
        with out.pager(styles=color_enabled()):
            out.print(table)
        return
    out.print(table)


def _wants_pager(lines: int, height: int) -> bool:
    """Page a table taller than the terminal (`$PAGER`, else less), only when both stdin and
    stdout are terminals; `PAGER=cat` or an empty PAGER turns it off."""
    if lines <= height or os.environ.get("PAGER", "less").strip() in ("", "cat"):
        return False
    try:
        return os.isatty(sys.stdout.fileno()) and os.isatty(sys.stdin.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def render(
    data: Any,
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    empty: str | None = None,
    hide: Sequence[str] = (),
) -> None:
    """Print `data` (an API object or a list of them) following the output contract.

    `columns` picks what people see (JSON always has every field); `hide` drops the named
    nested objects from the default view of a single object.
    """
    if options.json:
        selected = select_fields(data, options.json_fields or [])
        if options.jq:
            _write_jq(selected, options.jq)
        else:
            write_json(selected)
        return
    if isinstance(data, list) and not data:
        if empty:
            message(empty)
        return
    if isinstance(data, dict):
        data = flatten({k: v for k, v in data.items() if k not in hide})
    elif isinstance(data, list):
        data = [flatten(item) if isinstance(item, dict) else item for item in data]
    cols = list(columns) if columns else _default_columns(data)
    if is_terminal(sys.stdout):
        _write_table(data, cols, title)
    else:
        _write_tsv(data, cols)


def render_rich(renderable: Any, data: Any) -> None:
    """Print a Rich renderable for people, or `data` as JSON when --json/--jq is given."""
    if options.json:
        render(data)
        return
    console().print(renderable)


def examples(*lines: str) -> str:
    """An epilog listing example command lines (one paragraph each, so help keeps them apart)."""
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)


def message(text: str) -> None:
    """A message for people: always stderr, so stdout stays data; none with --quiet."""
    if not options.quiet:
        sys.stderr.write(text + "\n")


def print_error(error: CliError) -> None:
    """An error on stderr: the API error object with --json, else one line."""
    if options.json:
        write_json(error.as_dict(), sys.stderr)
    else:
        sys.stderr.write(f"error: {error.message}\n")


def confirm(question: str, *, yes: bool, flag: str = "--yes") -> None:
    """Go on when `yes`; ask on a terminal; without a terminal refuse, naming `flag`."""
    if yes:
        return
    if not can_prompt():
        raise UsageError(f"confirmation needed ({question}) and no terminal to ask on; pass {flag}")
    # Not typer.confirm: click writes the space after the prompt to stdout, which is data.
    sys.stderr.write(f"{question} [y/N]: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise CliError("cancelled", code="CANCELLED")
