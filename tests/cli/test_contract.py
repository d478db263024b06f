"""The CLI contract over the whole command tree (docs/scripting.md, docs/cli.md).

Walks the real Typer tree (every group in purrr_cli.app.GROUPS) in-process: every command has
examples in its help, every read command accepts --json and --jq, and every example names a real
command. No subprocesses, no server: it runs in a few seconds.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from purrr_cli.app import GROUPS, load_group
from tests.cli.conftest import Result

#: Command names that only read: each must take --json (and --jq).
READ_NAMES = {
    "list", "show", "status", "history", "stats", "insights", "portrait", "specials",
    "pairs", "predict", "zones", "alerts", "achievements", "inventory", "balance",
    "leaderboard", "get", "path", "logs", "explain", "cross", "coi", "simulate",
}  # fmt: skip


def _commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    """(words after `purrr`, click command) for every runnable command in the tree."""
    for group in GROUPS:
        command = load_group(group)
        subcommands = getattr(command, "commands", None)
        if not subcommands:  # a single-command group: `purrr api`, `purrr tui`
            yield (group,), command
            continue
        if command.callback is not None and command.invoke_without_command:
            yield (group,), command  # `purrr sync` itself runs
        yield from _leaves((group,), subcommands)


def _leaves(
    path: tuple[str, ...], subcommands: dict[str, Any]
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """The runnable commands under a group, through nested groups (`purrr cats devices list`)."""
    for name, sub in subcommands.items():
        nested = getattr(sub, "commands", None)
        if nested:
            yield from _leaves((*path, name), nested)
        else:
            yield (*path, name), sub


COMMANDS = sorted(_commands(), key=lambda item: item[0])
IDS = [" ".join(path) for path, _ in COMMANDS]


def _pipeline(line: str) -> list[list[str]]:
    """The commands of a shell pipeline, as words (`a | b` -> [[a], [b]])."""
    commands: list[list[str]] = [[]]
    for word in shlex.split(line, comments=True):
        if word == "|":
            commands.append([])
        else:
            commands[-1].append(word)
    return commands


def _options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def test_the_tree_is_complete() -> None:
    groups = {path[0] for path, _ in COMMANDS}
    assert groups == set(GROUPS)
    assert len(COMMANDS) > 60


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_has_examples(
    path: tuple[str, ...], command: Any, cli: Callable[..., Result]
) -> None:
    epilog = command.epilog or ""
    examples = [line.strip()[2:] for line in epilog.splitlines() if line.strip().startswith("$ ")]
    assert epilog.startswith("Examples:") and examples, f"purrr {' '.join(path)}: no examples"
    assert command.help, f"purrr {' '.join(path)}: no help text"
    shown = cli(*path, "--help")
    assert shown.code == 0, shown.err
    assert "Examples" in shown.out and examples[0].split()[1] in shown.out
    for example in examples:
        assert any(words[: 1 + len(path)] == ["purrr", *path] for words in _pipeline(example)), (
            f"purrr {' '.join(path)}: the example runs another command: {example}"
        )


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_takes_the_shared_options(path: tuple[str, ...], command: Any) -> None:
    assert {"--json", "--jq", "--no-color", "--server"} <= _options(command), " ".join(path)


READS = [(path, command) for path, command in COMMANDS if path[-1] in READ_NAMES]


@pytest.mark.parametrize(("path", "command"), READS, ids=[" ".join(p) for p, _ in READS])
def test_read_commands_document_json(
    path: tuple[str, ...], command: Any, cli: Callable[..., Result]
) -> None:
    shown = cli(*path, "--help")
    assert shown.code == 0, shown.err
    assert "--json" in shown.out and "--jq" in shown.out


def test_reads_are_covered() -> None:
    names = {path[-1] for path, _ in READS}
    assert {"list", "show", "status", "history", "stats", "balance"} <= names


def test_bad_input_names_the_value_and_exits_with_its_code(cli: Callable[..., Result]) -> None:
    link = cli("remote", "link", "notaurl", "--api-key", "pk_x", "--yes")
    assert link.code == 2 and "'notaurl'" in link.err and "https://" in link.err
    assert cli("server", "logs", "--lines", "0").code == 2
    assert cli("completion", "tcsh").code == 2


def test_config_answers_json(cli: Callable[..., Result]) -> None:
    path = cli("config", "path", "--json")
    assert path.code == 0 and json.loads(path.out)["path"].endswith("config.json")
    stored = cli("config", "set", "request_timeout", "5", "--json")
    assert stored.code == 0 and json.loads(stored.out) == {"request_timeout": 5.0}
    assert cli("server", "logs", "--json").out.strip() == "[]"


#: A value label as gh and clig.dev write them: upper case (`ID`, `FILE`, `KEY=VALUE`,
#: `[FIELDS]`, `'NAME: VALUE'`, `CAT...`) or a short list of choices (`small|normal|large`).
CONVENTIONAL = re.compile(
    r"^(\[?'?[A-Z][A-Z0-9_=:| ]*'?\]?(\.\.\.)?\]?|[a-z0-9_]+(\|[a-z0-9_]+)+)$"
)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_uses_conventional_metavars(
    path: tuple[str, ...], command: Any, cli: Callable[..., Result]
) -> None:
    """`purrr api [OPTIONS] METHOD PATH`, `--food FOOD`, `--input FILE`, `--yes` alone: no
    Python type names (`<str>`, `<bool>`, `{method}`) anywhere in a command's help."""
    where = f"purrr {' '.join(path)}"
    for param in command.params:
        if param.param_type_name == "argument":
            assert CONVENTIONAL.match(param.metavar or ""), (where, param.name, param.metavar)
        elif not (param.is_flag or param.count):
            assert CONVENTIONAL.match(param.metavar or ""), (where, param.name, param.metavar)
    shown = cli(*path, "--help")
    assert shown.code == 0, shown.err
    labels = re.findall(r"<[a-z][\w\[\], |.]*>|\{[a-z_]+\}", shown.out)
    assert not labels, f"{where}: {labels}"
    usage = next(line for line in shown.out.splitlines() if "Usage:" in line)
    for param in command.params:
        if param.param_type_name == "argument":
            assert param.metavar in usage, (where, usage)
