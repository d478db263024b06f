"""What a one-shot `purrr` command loads (issue 19, start-up), checked in `sys.modules` after the
real command ran in a subprocess, and that what is left out still runs whenever it is needed:
the sync hook before any action of a linked game, the sync engine when a rebuild is pending,
the breeding rules when a cat is bred, every command of a group that is built on demand."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.user import ok_json, run_purrr, user_env

pytest.importorskip("purrr_server.app")

#: Every command is a Python start-up.
pytestmark = pytest.mark.timeout(300)

NOW = "2026-03-01T12:00:00Z"
WITH_MODULES = (
    "import sys\nfrom purrr_cli.__main__ import main\ncode = main(sys.argv[1:])\n"
    "loaded = sorted(name for name, module in sys.modules.items() if module is not None)\n"
    "sys.stderr.write('\\nMODULES ' + ' '.join(loaded) + '\\n')\nsys.exit(code)\n"
)

#: Loaded by no in-process read of the cats on a game that is not mid-rebuild.
NOT_FOR_AN_IN_PROCESS_READ = (
    "purrr_server.sync.engine",
    "purrr_server.sync.hooks",
    "purrr_server.sync.remote",
    "purrr_server.sync.router",
    "purrr_server.store.sync",
    "purrr_server.routers.health",
    "purrr_core.genetics.heredity",
    "purrr_core.genetics.pedigree",
    "purrr_core.genetics.random_genome",
    "pydantic_settings",
    "anyio.from_thread",
    "anyio._backends",
    "anyio.streams",
)


def _env(home: Path) -> dict[str, str]:
    return user_env(home, PURRR_NOW=NOW)


def _modules(home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`purrr ARGS` run in a subprocess, and the modules it had loaded at the end."""
    env = _env(home)
    done = subprocess.run(
        [sys.executable, "-c", WITH_MODULES, *args],
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env["HOME"],
    )
    line = done.stderr.rsplit("MODULES ", 1)[-1]
    return done, set(line.split())


def _loaded(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if n.startswith(prefixes))


def _database(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "data" / "purrr.db")


def _link(home: Path) -> None:
    """Link the local game as `purrr remote link` leaves it (the `sync_link` row), without a
    remote: what is checked here happens before any request to one."""
    with _database(home) as db:
        (player,) = db.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()
        db.execute(
            "INSERT INTO sync_link (id, user_id, remote_url, remote_user, client_id,"
            " interval_seconds, linked_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (player, "http://remote.test", json.dumps({"id": 7}), "client-1", 300, NOW),
        )


def _outbox(home: Path) -> list[str]:
    with _database(home) as db:
        return [row[0] for row in db.execute("SELECT name FROM sync_outbox ORDER BY mutation_id")]


def test_an_in_process_read_loads_no_sync_breeding_or_settings_library(tmp_path: Path) -> None:
    assert (
        run_purrr(_env(tmp_path), "cats", "adopt", "Tom", "--personality", "lazy").returncode == 0
    )
    done, names = _modules(tmp_path, "cats", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert [cat["name"] for cat in json.loads(done.stdout)] == ["Tom"]
    assert "purrr_server.routers.cats" in names and "purrr_core.genetics.phenotype" in names
    assert _loaded(names, NOT_FOR_AN_IN_PROCESS_READ) == []


def test_a_linked_game_queues_every_action_although_nothing_loaded_sync(tmp_path: Path) -> None:
    """The executor hook is one of `services.HOOKS`: installed before the first action runs,
    through the HTTP route as through the CLI, on a process that never imported sync code."""
    env = _env(tmp_path)
    assert run_purrr(env, "cats", "list").returncode == 0  # the game and its local player
    _link(tmp_path)
    done, names = _modules(tmp_path, "cats", "adopt", "Tom", "--personality", "lazy", "--json")
    tom = ok_json(done)
    assert "purrr_server.sync.hooks" in names and "purrr_server.sync.engine" not in names
    assert _outbox(tmp_path) == ["cats.adopt"]
    fed = run_purrr(env, "cats", "feed", str(tom["id"]), "--food", "salmon")
    assert fed.returncode == 0, fed.stderr
    assert _outbox(tmp_path) == ["cats.adopt", "cats.feed"]


def test_an_interrupted_rebuild_is_finished_by_the_next_in_process_start(tmp_path: Path) -> None:
    """`needs_rebuild` survives a crash; the in-process server's start finishes the rebuild
    (loading the sync engine for it), then the read shows the rebuilt game."""
    env = _env(tmp_path)
    assert run_purrr(env, "cats", "list").returncode == 0
    _link(tmp_path)
    assert run_purrr(env, "cats", "adopt", "Tom", "--personality", "lazy").returncode == 0
    with _database(tmp_path) as db:
        db.execute("UPDATE sync_link SET needs_rebuild = 1 WHERE id = 1")
    done, names = _modules(tmp_path, "cats", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert "purrr_server.sync.engine" in names
    with _database(tmp_path) as db:
        assert db.execute("SELECT needs_rebuild FROM sync_link").fetchone() == (0,)
    # the live tables are the (empty) confirmed state with the pending adoption re-applied
    assert [cat["name"] for cat in json.loads(done.stdout)] == ["Tom"]
    assert _outbox(tmp_path) == ["cats.adopt"]


def test_breeding_loads_the_heredity_rules_it_needs(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for name, sex in (("Sire", "male"), ("Dam", "female")):
        adopted = run_purrr(env, "cats", "adopt", name, "--personality", "playful", "--sex", sex)
        assert adopted.returncode == 0, adopted.stderr
    done, names = _modules(tmp_path, "breed", "predict", "Sire", "Dam", "--json")
    assert done.returncode == 0, done.stderr
    assert "purrr_core.genetics.heredity" in names
    assert json.loads(done.stdout)


def _shape(command: object) -> object:
    """What a user sees of a command: its texts, its parameters, its subcommands."""
    params = [
        (p.name, tuple(getattr(p, "opts", ())), p.required, getattr(p, "help", None), p.metavar)
        for p in getattr(command, "params", ())
    ]
    commands = getattr(command, "commands", None) or {}
    subcommands = {name: _shape(sub) for name, sub in commands.items()}
    texts = [getattr(command, key, None) for key in ("name", "help", "short_help", "hidden")]
    return texts, params, list(subcommands.items())


def test_groups_built_on_demand_are_what_typer_builds() -> None:
    from typer.main import get_command

    from purrr_cli._metavars import conventional_metavars
    from purrr_cli.app import GROUPS, build_lazily

    for module_path, _ in GROUPS.values():
        typer_app = __import__(module_path, fromlist=["app"]).app
        eager = conventional_metavars(get_command(typer_app))
        assert _shape(build_lazily(typer_app)) == _shape(eager), module_path


def test_a_command_of_a_group_is_built_when_first_looked_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from purrr_cli import app as cli_app

    built: list[str] = []
    build = cli_app.get_command_from_info

    def counting(info: object, **options: object) -> object:
        built.append(info.callback.__name__)  # type: ignore[attr-defined]
        return build(info, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_app, "get_command_from_info", counting)
    group = cli_app.load_group("cats")
    assert built == [] and "feed" in group.commands
    assert group.get_command(None, "list").name == "list"
    assert built == ["list_cats"]
    assert group.get_command(None, "list") is group.get_command(None, "list")
    assert built == ["list_cats"]
