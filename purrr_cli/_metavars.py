"""Conventional metavars in every command's help, as gh and clig.dev write them.

Typer (0.29) labels values with Python types (`--food <str>`, `--yes <bool>`, `{method}`);
`conventional_metavars` relabels a command tree once it is built (`purrr_cli.app.load_group`):

- an argument is its upper-case name, bare when required and in brackets when optional
  (`purrr api METHOD PATH`, `purrr cats feed [CAT]`), with no type column;
- an option that takes a value shows what to type: its explicit metavar if it has one, else
  `ID` (ids), `N` (numbers), `PORT`, `FILE`/`DIR` (paths), `TIME`, the choices when they are few
  (`small|normal|large`), or its upper-case name (`--food FOOD`);
- a flag (`--yes`, `--help`) shows nothing after its name.

Only display changes: parsing, errors and completion are Typer's own.
"""

from __future__ import annotations

from datetime import datetime
from types import MethodType
from typing import Any, TypeVar

C = TypeVar("C")
#: Choice lists longer than this (characters, with separators) show the option's name instead.
MAX_CHOICES_SHOWN = 32


def conventional_metavars(command: C) -> C:
    """Relabel every parameter of `command` and of its subcommands; returns `command`."""
    for param in getattr(command, "params", ()):
        if getattr(param, "param_type_name", "") == "argument":
            _argument(param)
        elif getattr(param, "param_type_name", "") == "option":
            _option(param)
    _relabel_help_option(command)
    for sub in (getattr(command, "commands", None) or {}).values():
        conventional_metavars(sub)
    return command


def _relabel_help_option(command: Any) -> None:
    """`--help` is made per context (not in `params`): relabel it as it is made."""
    original = getattr(command, "get_help_option", None)
    if original is None or getattr(original, "purrr_metavars", False):
        return

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            _option(option)
        return option

    get_help_option.purrr_metavars = True  # type: ignore[attr-defined]
    command.get_help_option = MethodType(get_help_option, command)


def _no_type(self: Any, ctx: Any = None) -> None:
    return None


def _argument(param: Any) -> None:
    if param.metavar is None:
        param.metavar = str(param.name).upper()

    def usage(self: Any) -> str:
        name = str(self.metavar)
        if not self.required and not name.startswith("["):
            name = f"[{name}]"
        if self.nargs != 1 and not name.rstrip("]").endswith("..."):
            name += "..."
        return name

    param._usage_display_name = MethodType(usage, param)
    param.display_type_rich = MethodType(_no_type, param)


def _option(param: Any) -> None:
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        param.display_type_rich = MethodType(_no_type, param)
        return
    if param.metavar is None:
        param.metavar = metavar_for(param)


def metavar_for(param: Any) -> str:
    """What an option without an explicit metavar takes, from its type and name."""
    name = str(param.name or "value").lower()
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if descriptor is not None and getattr(descriptor, "choices", None):
        shown = "|".join(str(getattr(c, "value", c)) for c in descriptor.choices)
        if len(shown) <= MAX_CHOICES_SHOWN:
            return shown
    if name == "id" or name.endswith("_id") or name.endswith("_ids"):
        return "ID"
    if name == "port":
        return "PORT"
    if descriptor is not None and descriptor.is_path:
        info = descriptor.parameter_info
        dir_only = info.dir_okay and not info.file_okay
        return "DIR" if dir_only or name.endswith("dir") else "FILE"
    if annotation is datetime:
        return "TIME"
    if annotation is int:
        return "N"
    return name.upper()
