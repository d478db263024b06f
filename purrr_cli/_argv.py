"""`--json [FIELDS]`: decide whether the word after `--json` is a field list or a positional.

Click options cannot take an optional value, so before parsing, a bare `--json` becomes
`--json=*` (every field) and `--json id,name` becomes `--json=id,name`. The next word is read as
FIELDS when it looks like a field list and
- it holds a comma (`cats show --json id,name`), or
- every required positional argument of the command is given elsewhere, and no optional one is
  left empty, or one is but the word is in lower case like every field name
  (`breed status --json id`).
So `purrr cats show --json Mittens` shows the cat Mittens (`--json=name` always means fields).
"""

from __future__ import annotations

import re
from typing import Any

FIELD_LIST = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$")


def leaf_command(root: Any, args: list[str]) -> tuple[Any, list[str]]:
    """The command that `args` invoke and the arguments left for it."""
    command, rest = root, list(args)
    while hasattr(command, "commands") or hasattr(command, "resolve_lazy"):
        index = next((i for i, a in enumerate(rest) if not a.startswith("-")), None)
        if index is None:
            break
        sub = command.get_command(None, rest[index])
        if sub is None:
            break
        command, rest = sub, rest[index + 1 :]
    return command, rest


def _value_options(command: Any) -> set[str]:
    names: set[str] = set()
    for param in getattr(command, "params", []):
        if param.param_type_name == "option" and not getattr(param, "is_flag", False):
            if not getattr(param, "count", False):
                names.update(param.opts)
    return names


def _positional_params(command: Any) -> tuple[int, int]:
    """How many single-word positional arguments `command` requires, and how many it takes."""
    params = [
        p
        for p in getattr(command, "params", [])
        if p.param_type_name == "argument" and p.nargs == 1
    ]
    return sum(1 for p in params if p.required), len(params)


def _positionals(args: list[str], value_options: set[str]) -> int:
    count, skip = 0, False
    for arg in args:
        if skip:
            skip = False
        elif arg in value_options:
            skip = True
        elif not arg.startswith("-"):
            count += 1
    return count


def normalize_json_flag(root: Any, args: list[str]) -> list[str]:
    """Rewrite `--json` / `--json FIELDS` into the `--json=VALUE` form the parser understands."""
    if "--json" not in args:
        return args
    command, _ = leaf_command(root, args)
    value_options = _value_options(command) - {"--json"}
    required, takes = _positional_params(command)
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(args[i:])
            break
        if arg != "--json":
            out.append(arg)
            i += 1
            continue
        candidate = args[i + 1] if i + 1 < len(args) else None
        _, after_group = leaf_command(root, out)
        given = _positionals(after_group + args[i + 2 :], value_options)
        if (
            candidate
            and FIELD_LIST.match(candidate)
            and _is_field_list(candidate, given, required, takes)
        ):
            out.append(f"--json={candidate}")
            i += 2
        else:
            out.append("--json=*")
            i += 1
    return out


def _is_field_list(candidate: str, given: int, required: int, takes: int) -> bool:
    if "," in candidate:
        return True
    if given < required:
        return False
    return given >= takes or candidate == candidate.lower()
