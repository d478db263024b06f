"""The `purrr` command tree, built lazily: only the invoked group's module is imported.

To add a command group, write `purrr_cli/commands/<name>.py` exposing `app = PurrrTyper(...)`
(see purrr_cli.output) and add one line to `GROUPS` below.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command, get_command_from_info, get_command_name, get_group
from typer.models import CommandInfo

from purrr_cli import output
from purrr_cli._argv import normalize_json_flag
from purrr_cli._metavars import conventional_metavars
from purrr_cli.errors import CliError

#: name -> (module exposing `app`, one-line help). One line per command group.
GROUPS: dict[str, tuple[str, str]] = {
    "status": (
        "purrr_cli.commands.status",
        "What needs you now: care, patrol, breedings, quests, alerts, coins.",
    ),
    "cats": ("purrr_cli.commands.cats", "Adopt, care for and inspect your cats."),
    "breed": (
        "purrr_cli.commands.breed",
        "Breed cats: ranked pairs, predictions, breedings, kittens.",
    ),
    "genetics": (
        "purrr_cli.commands.genetics",
        "Coat genetics offline: exact crosses, COI, explain.",
    ),
    "server": ("purrr_cli.commands.server", "Run, start, stop and inspect the purrr server."),
    "config": ("purrr_cli.commands.config", "Read and change settings (config.json)."),
    "auth": ("purrr_cli.commands.auth", "Log in to a hosted server; show or forget credentials."),
    "keys": ("purrr_cli.commands.keys", "List, create and revoke API keys."),
    "account": ("purrr_cli.commands.account", "Export all your data, or delete your account."),
    "api": ("purrr_cli.commands.api", "Send a raw authenticated API request (like `gh api`)."),
    "completion": ("purrr_cli.commands.completion", "Print the shell completion script."),
    "tui": ("purrr_cli.commands.tui", "Open the full-screen dashboard."),
    "remote": ("purrr_cli.commands.remote", "Link the local game to a remote server, or unlink."),
    "sync": ("purrr_cli.commands.sync", "Push offline actions to the remote, then pull."),
    "backup": ("purrr_cli.commands.backup", "Write the game to a restorable backup file."),
    "restore": ("purrr_cli.commands.restore", "Replace the game by a backup file's."),
    "games": ("purrr_cli.commands.games", "Play mini-games; history and leaderboard."),
    "quests": ("purrr_cli.commands.quests", "Quests with progress; claim rewards."),
    "rooms": (
        "purrr_cli.commands.rooms",
        "Multiplayer rooms on a hosted server: join, play, watch.",
    ),
    "store": ("purrr_cli.commands.store", "Buy items with coins; your inventory."),
    "wallet": ("purrr_cli.commands.wallet", "Coins and crypto: balance, ledger, deposits."),
    "nightwatch": ("purrr_cli.commands.nightwatch", "Night Watch: patrol at night, save strays."),
    "territory": ("purrr_cli.commands.territory", "Claim, challenge, furnish and release ground."),
    "events": ("purrr_cli.commands.events", "Your events; --follow to watch them live."),
    "help": ("purrr_cli.commands.help", "Help on exit-codes, environment, json, or a command."),
}

#: The environment variable the completion scripts set (see `purrr completion`).
COMPLETE_VAR = "_PURRR_COMPLETE"

ROOT_HELP = """purrr: the terminal home of the Purrr.love cat game.

Examples:

  purrr cats adopt Mittens --personality playful

  purrr cats feed Mittens --food salmon

  purrr cats list --json | jq '.[].name'

  purrr tui

Global options (before or after the command): --server URL, --no-color, --quiet;
after it: --json [FIELDS], --jq EXPR. purrr --version; -h or --help everywhere.

Scripting: purrr help json, purrr help exit-codes, purrr help environment.
"""


def load_group(name: str) -> Any:
    """The click command for group `name` (imports its module)."""
    module_path, help_text = GROUPS[name]
    typer_app = importlib.import_module(module_path).app
    command = build_lazily(typer_app)
    command.name = name
    if not command.help:
        command.help = help_text
    return command


class _Unbuilt:
    """A subcommand not built yet: `build()` makes it."""

    __slots__ = ("build",)

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build


class LazyCommands(MutableMapping[str, Any]):
    """A group's subcommands by name, in registration order, each built the first time it is
    looked up. Listing names builds nothing; listing the commands (help, completion) builds
    them all."""

    def __init__(self, items: dict[str, Any]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> Any:
        value = self._items[name]
        if isinstance(value, _Unbuilt):
            value = self._items[name] = value.build()
        return value

    def __setitem__(self, name: str, value: Any) -> None:
        self._items[name] = value

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items  # without building it (Mapping's would)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def build_lazily(typer_app: typer.Typer) -> Any:
    """What `typer.main.get_command(typer_app)` builds, relabelled (`conventional_metavars`),
    except that a group's own commands are built when first looked up (`LazyCommands`): Typer
    reads every parameter of every command of a group to build it, a tenth of a read against the
    daemon for `cats`' twenty commands, of which one runs."""
    registered = list(typer_app.registered_commands)
    a_group = (
        len(registered) > 1
        or typer_app.registered_callback
        or typer_app.info.callback
        or typer_app.registered_groups
    )
    if not a_group or typer_app._add_completion:
        return conventional_metavars(get_command(typer_app))
    typer_app.registered_commands = []
    try:
        group = conventional_metavars(get_group(typer_app))
    finally:
        typer_app.registered_commands = registered

    def builder(info: CommandInfo) -> _Unbuilt:
        return _Unbuilt(
            lambda: conventional_metavars(
                get_command_from_info(
                    info,
                    pretty_exceptions_short=typer_app.pretty_exceptions_short,
                    rich_markup_mode=typer_app.rich_markup_mode,
                )
            )
        )

    items: dict[str, Any] = {}
    for info in registered:
        assert info.callback is not None
        items[info.name or get_command_name(info.callback.__name__)] = builder(info)
    items.update(group.commands)  # sub-groups (`server oauth`), after the commands as Typer has
    group.commands = LazyCommands(items)
    return group


def _coerce_plain_values_without_pydantic() -> None:
    """Let plain `str` and `bool` parameters skip Typer's pydantic adapter when it changes nothing.

    Typer (0.29) coerces every parameter, given or not, through a pydantic TypeAdapter built on
    first use; importing pydantic for that costs about 70 ms, most of the overhead of
    `purrr cats list --json` against the daemon. For a `str` (`bool`) parameter without a custom
    parser, that adapter only runs Typer's `_parse_cli_str` (`_parse_cli_bool`), which returns a
    `str` (`bool`) value unchanged, and a missing value never reaches it. So such values pass
    through here; any other value still goes to Typer's own adapter (same result, same errors).
    If Typer's internals change shape, this does nothing.
    """
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover - another Typer version
        return
    original = getattr(_TyperParameter, "get_runtime_param", None)
    if original is None or getattr(original, "purrr_plain", False):
        return

    class PlainValue(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if type(value) is self.annotation:
                return value
            typer_param = build_runtime_param(param.type_descriptor)
            return typer_param._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        descriptor = getattr(self, "type_descriptor", None)
        if (
            getattr(self, "_runtime_param", False) is None
            and descriptor is not None
            and descriptor.annotation in (str, bool)
            and getattr(descriptor, "file_annotation", None) is None
            and getattr(descriptor.parameter_info, "parser", None) is None
        ):
            self._runtime_param = PlainValue(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )
        return original(self)

    get_runtime_param.purrr_plain = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]


_coerce_plain_values_without_pydantic()


class LazyGroup(TyperGroup):
    """The root group: lists GROUPS without importing them; loads a group when it is invoked."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(GROUPS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in GROUPS:
            self.commands[cmd_name] = load_group(cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Typer suggests only among loaded commands; here every group is a candidate."""
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as error:
            message = getattr(error, "message", None)
            if isinstance(message, str) and "Did you mean" not in message and args:
                from difflib import get_close_matches

                matches = get_close_matches(args[0], list(GROUPS))
                if matches:
                    error.message = (
                        f"{message.rstrip('.')}. Did you mean {' or '.join(map(repr, matches))}?"
                    )
            raise


def build_root() -> LazyGroup:
    return conventional_metavars(
        LazyGroup(
            name="purrr",
            help=ROOT_HELP,
            no_args_is_help=True,
            context_settings={"help_option_names": ["-h", "--help"]},
        )
    )


def hoist_global_options(args: list[str]) -> list[str]:
    """`purrr --server URL cats list` means `purrr cats list --server URL`: every command takes
    --server, --no-color and --quiet, so leading ones are moved after the command."""
    rest, moved = list(args), []
    while rest:
        if rest[0] == "--server" and len(rest) > 2:
            moved += rest[:2]
            del rest[:2]
        elif rest[0].startswith("--server=") or rest[0] in ("--no-color", "--quiet", "-q"):
            moved.append(rest.pop(0))
        else:
            break
    if all(arg.startswith("-") for arg in rest):  # `purrr --server URL --help`: no command
        return rest
    return rest + moved


def _json_requested(args: list[str]) -> bool:
    return any(a == "--jq" or a.startswith(("--json", "--jq=")) for a in args)


def _usage_error(error: typer.TyperException, args: list[str]) -> int:
    code = getattr(error, "exit_code", 2)
    if isinstance(getattr(error, "message", None), str):
        from purrr_cli._fields import plain

        error.message = plain(error.message)
    if _json_requested(args) and code == 2:
        output.write_json(
            {"code": "USAGE_ERROR", "message": error.format_message(), "details": {}}, sys.stderr
        )
    else:
        error.show()  # type: ignore[attr-defined]
    return int(code)


def run(args: list[str]) -> int:
    """Run `purrr ARGS` and return the exit code; never lets a traceback reach the user."""
    try:
        if COMPLETE_VAR in os.environ:
            from typer._completion_classes import completion_init

            completion_init()  # register Typer's bash/zsh/fish/powershell completers
        root = build_root()
        hoisted = hoist_global_options(args)
        if hoisted in (["--version"], ["-V"]):  # `purrr --no-color --version`
            from purrr_cli import __version__

            sys.stdout.write(f"purrr {__version__}\n")
            return 0
        result = root.main(
            normalize_json_flag(root, hoisted),
            prog_name="purrr",
            complete_var=COMPLETE_VAR,
            standalone_mode=False,
        )
        return result if isinstance(result, int) else 0
    except typer.Exit as stop:
        return stop.exit_code
    except typer.Abort:
        output.message("aborted")
        return 1
    except typer.TyperException as error:
        return _usage_error(error, args)
    except CliError as error:
        output.print_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        output.message("interrupted")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 1
    except Exception as error:  # the top-level handler: a message, not a traceback
        if os.environ.get("PURRR_DEBUG"):
            traceback.print_exc()
        output.print_error(CliError(f"internal error: {error}", code="INTERNAL_ERROR"))
        return 1
    finally:
        # Only a command that used the server loaded the client (httpx: ~120 ms of start-up).
        client = sys.modules.get("purrr_cli.client")
        if client is not None:
            client.reset()
