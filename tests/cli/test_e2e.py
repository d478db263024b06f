"""End to end: the real `purrr` in a subprocess against the real server (in-process and daemon)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.user import Purrr, run_purrr, user_env

pytest.importorskip("purrr_server.app")

#: Every command is a Python start-up; the module's daemon starts in the first test's deadline.
pytestmark = pytest.mark.timeout(300)

NOW = "2026-03-01T12:00:00Z"
SERVER_MODULES = ("fastapi", "textual", "aiosqlite", "sqlite_utils", "uvicorn")
WITH_MODULES = (
    "import sys\nfrom purrr_cli.__main__ import main\ncode = main(sys.argv[1:])\n"
    "loaded = sorted(name for name, module in sys.modules.items() if module is not None)\n"
    "sys.stderr.write('\\nMODULES ' + ' '.join(loaded) + '\\n')\nsys.exit(code)\n"
)


def _env(home: Path) -> dict[str, str]:
    return user_env(home, PURRR_NOW=NOW, TERM="xterm-256color")


def _runner(home: Path) -> Purrr:
    env = _env(home)
    return lambda *args, stdin="": run_purrr(env, *args, stdin=stdin)


def _modules(home: Path, *args: str) -> tuple[int, set[str]]:
    """The command's exit code and the top-level packages it imported."""
    code, names = _module_names(home, *args)
    return code, {name.split(".")[0] for name in names}


def _module_names(home: Path, *args: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", WITH_MODULES, *args],
        env=_env(home),
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = done.stderr.rsplit("MODULES ", 1)[-1]
    return done.returncode, set(line.split())


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home with the local daemon running (`purrr server start`), stopped afterwards.

    Most tests talk to the daemon: each command then skips loading the server in-process.
    """
    home = tmp_path_factory.mktemp("home")
    purrr = _runner(home)
    started = purrr("server", "start")
    assert started.returncode == 0, started.stderr
    try:
        yield home
    finally:
        purrr("server", "stop")


@pytest.fixture(scope="module")
def purrr(home: Path) -> Purrr:
    return _runner(home)


@pytest.fixture(scope="module")
def cat_id(purrr: Purrr) -> int:
    done = purrr("cats", "adopt", "Mittens", "--personality", "playful", "--json")
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["id"])


def test_adopt_list_feed_show(purrr: Purrr, cat_id: int) -> None:
    listed = purrr("cats", "list")
    assert listed.returncode == 0
    row = next(line.split("\t") for line in listed.stdout.splitlines() if "Mittens" in line)
    assert row[0] == str(cat_id)
    assert not re.search(r"\x1b\[", listed.stdout)
    before = json.loads(purrr("cats", "show", str(cat_id), "--json").stdout)["hunger"]
    fed = purrr("cats", "feed", "Mittens", "--food", "salmon", "--json")
    assert fed.returncode == 0, fed.stderr
    assert json.loads(fed.stdout)["hunger_restored"] > 0
    cat = json.loads(purrr("cats", "show", "Mittens", "--json").stdout)
    assert cat["hunger"] > before
    for field in ("id", "name", "personality_type", "hunger", "happiness", "energy", "level"):
        assert field in cat
    assert purrr("cats", "list", "--jq", ".[0].name").stdout == "Mittens\n"


def test_exit_codes_and_messages(purrr: Purrr, cat_id: int) -> None:
    assert purrr("cats", "show", "999").returncode == 3
    assert purrr("cats", "feed", str(cat_id), "--quantity", "lots").returncode == 2
    rocks = purrr("cats", "feed", str(cat_id), "--food", "rocks")
    assert rocks.returncode == 1
    assert "'rocks'" in rocks.stderr and "Traceback" not in rocks.stderr
    error = json.loads(purrr("cats", "feed", str(cat_id), "--food", "rocks", "--json").stderr)
    assert error["code"] == "VALIDATION_ERROR"
    assert purrr("cats", "release", str(cat_id)).returncode == 2


def test_full_cat_is_a_conflict(purrr: Purrr) -> None:
    kit = json.loads(purrr("cats", "adopt", "Greedy", "--personality", "lazy", "--json").stdout)
    codes = [
        purrr("cats", "feed", str(kit["id"]), "--food", "salmon", "--portion", "large").returncode
        for _ in range(4)
    ]
    assert codes[0] == 0
    assert codes[-1] == 5


def test_retried_write_is_applied_once(purrr: Purrr) -> None:
    kit = json.loads(purrr("cats", "adopt", "Once", "--personality", "curious", "--json").stdout)
    path = f"cats/{kit['id']}/feed"
    for _ in range(2):
        done = purrr(
            "api", "POST", path, "-H", "Idempotency-Key: same-key-1", "-f", "food_item=milk"
        )
        assert done.returncode == 0, done.stderr
    history = json.loads(purrr("cats", "history", str(kit["id"]), "--json").stdout)
    assert [entry["name"] for entry in history].count("cats.feed") == 1


def test_config_round_trip_and_path(home: Path, purrr: Purrr) -> None:
    assert purrr("config", "set", "request_timeout", "5").returncode == 0
    assert purrr("config", "get", "request_timeout").stdout == "5.0\n"
    assert purrr("config", "path").stdout.strip() == str(home / "config" / "config.json")
    assert purrr("config", "unset", "request_timeout").returncode == 0


def test_in_process_server_when_nothing_runs(tmp_path: Path) -> None:
    purrr = _runner(tmp_path)
    status = json.loads(purrr("server", "status", "--json").stdout)
    assert status["using"]["kind"] == "in-process" and status["daemon"]["running"] is False
    adopted = purrr("cats", "adopt", "Solo", "--personality", "aloof", "--json")
    assert adopted.returncode == 0, adopted.stderr
    assert purrr("cats", "list", "--jq", ".[].name").stdout == "Solo\n"


def test_version_imports_nothing_heavy(home: Path) -> None:
    code, modules = _modules(home, "--version")
    assert code == 0
    assert not modules & {"typer", "rich", "httpx", "click"}


def test_command_without_server_skips_the_client(tmp_path: Path) -> None:
    """A command that never talks to the server does not load the client (httpx)."""
    code, names = _module_names(tmp_path, "config", "get", "server_url")
    assert code == 0
    assert "httpx" not in {name.split(".")[0] for name in names}
    assert "purrr_cli.client" not in names


def test_read_against_the_daemon_imports_no_server_code(
    home: Path, purrr: Purrr, cat_id: int
) -> None:
    status = json.loads(purrr("server", "status", "--json").stdout)
    assert status["using"]["kind"] == "daemon" and status["daemon"]["running"] is True
    assert purrr("server", "start").returncode == 5
    code, modules = _modules(home, "cats", "list", "--json")
    assert code == 0
    assert not modules & set(SERVER_MODULES)
    # the daemon's socket is spoken with http.client (purrr_cli._uds), not httpx's transport
    assert not modules & {"httpcore", "h11", "anyio"}


def test_read_against_the_daemon_skips_pydantic(home: Path, cat_id: int) -> None:
    """Typer builds a pydantic adapter per parameter; plain str/bool options skip it (about
    70 ms of start-up: purrr_cli.app._coerce_plain_values_without_pydantic)."""
    code, modules = _modules(home, "cats", "list", "--json", "id,name", "--no-color")
    assert code == 0
    assert "pydantic" not in modules and "purrr_core" not in modules


def test_in_process_read_skips_sqlite_utils_once_migrated(tmp_path: Path) -> None:
    """With nothing running, a read starts the server in-process; sqlite-utils (schema work) is
    only imported when a migration is pending, i.e. on the very first command."""
    env = _env(tmp_path)
    first = run_purrr(env, "cats", "list", "--json")
    assert first.returncode == 0, first.stderr
    code, modules = _modules(tmp_path, "cats", "list", "--json")
    assert code == 0
    assert "fastapi" in modules and "sqlite_utils" not in modules and "textual" not in modules


#: Rules and routers a plain in-process read of the cats has no use for (genetics it needs: every
#: cat shows its phenotype).
NOT_FOR_A_CAT_READ = (
    "purrr_core.breeding",
    "purrr_core.nightwatch",
    "purrr_core.games",
    "purrr_core.quests",
    "purrr_core.economy",
    "purrr_server.services.breeding",
    "purrr_server.services.nightwatch",
    "purrr_server.routers.breeding",
    "purrr_server.routers.nightwatch",
    "purrr_server.routers.care",
)


def test_in_process_read_imports_only_what_it_uses(tmp_path: Path) -> None:
    """The in-process server mounts routers and imports action modules on demand."""
    env = _env(tmp_path)
    assert run_purrr(env, "cats", "adopt", "Tom", "--personality", "lazy").returncode == 0
    code, names = _module_names(tmp_path, "cats", "list", "--json")
    assert code == 0
    assert "purrr_server.routers.cats" in names
    assert not [n for n in names if n.startswith(NOT_FOR_A_CAT_READ)]
    # FastAPI's check for pydantic v1 models is answered without importing pydantic.v1
    # (purrr_cli._inprocess.skip_pydantic_v1); CORS is for hosted servers only
    assert "pydantic.v1" not in names and "starlette.middleware.cors" not in names
