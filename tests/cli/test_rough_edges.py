"""Issue 19's defects, each driven through the real `purrr` in a subprocess (own HOME, data dir
and config dir; clock pinned): no tracebacks, usage errors for what the user must fix, errors in
the words typed, every cat reachable, one rule for `--json FIELDS`."""

from __future__ import annotations

import json
import os
import pty
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.user import Purrr, ok_json, run_purrr, user_env

pytest.importorskip("purrr_server.app")

NOW = "2026-03-01T12:00:00Z"
BIG = "99999999999999999999999"  # beyond 64 bits


def _clean(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert "internal error" not in done.stderr, done.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home whose daemon runs (each command skips starting the server in-process)."""
    home = tmp_path_factory.mktemp("edges")
    env = user_env(home, PURRR_NOW=NOW)
    started = run_purrr(env, "server", "start")
    assert started.returncode == 0, started.stderr
    try:
        yield home
    finally:
        run_purrr(env, "server", "stop")


@pytest.fixture(scope="module")
def env(home: Path) -> dict[str, str]:
    return user_env(home, PURRR_NOW=NOW)


@pytest.fixture(scope="module")
def purrr(env: dict[str, str]) -> Purrr:
    return lambda *args, stdin="", **settings: run_purrr(env, *args, stdin=stdin, **settings)


@pytest.fixture(scope="module")
def tom(purrr: Purrr) -> int:
    cat = ok_json(purrr("cats", "adopt", "Tom", "--personality", "playful", "--json"))
    return int(cat["id"])


def test_tui_without_a_terminal_refuses_at_once(purrr: Purrr) -> None:
    done = purrr("tui")  # stdin is a pipe, stdout is captured
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr
    assert done.stdout == "" and "\x1b" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("cats", "show", BIG),
        ("cats", "feed", BIG),
        ("cats", "history", BIG),
        ("nightwatch", "recall", BIG),
        ("nightwatch", "respond", BIG),
        ("nightwatch", "deploy", "1", BIG),
        ("breed", "status", BIG),
        ("breed", "predict", BIG, "1"),
        ("keys", "revoke", BIG, "--yes"),
        ("games", "play", "ball_toss", "--cat", BIG),
        ("quests", "claim", "first_meal", "--cat", BIG),
        ("nightwatch", "recall", "0"),
        ("breed", "start", "1", "2", "--seed", BIG),
    ],
)
def test_ids_beyond_64_bits_are_usage_errors(purrr: Purrr, args: tuple[str, ...]) -> None:
    done = purrr(*args)
    _clean(done)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") <= 4  # one line, or click's short usage block


def test_recall_zero_does_not_recall_the_patrol_under_way(purrr: Purrr) -> None:
    done = purrr("nightwatch", "recall", "0", "--json")
    assert done.returncode == 2
    assert json.loads(done.stderr)["details"]["field"] == "PATROL"


@pytest.mark.parametrize(
    "args",
    [
        ("wallet", "deposit", "--currency", "BTC", "--usd", "1e20"),
        ("wallet", "deposit", "--currency", "BTC", "--usd", "100000000000000000000"),
        ("wallet", "withdraw", "--currency", "BTC", "--amount", "1e20", "--address", "bc1q"),
        ("wallet", "withdraw", "--currency", "BTC", "--amount", "-1", "--address", "bc1q"),
    ],
)
def test_amounts_are_plain_decimals(purrr: Purrr, args: tuple[str, ...]) -> None:
    done = purrr(*args)
    _clean(done)
    assert done.returncode == 2
    flag = "--usd" if "--usd" in args else "--amount"
    assert flag in done.stderr and "plain decimal" in done.stderr


def test_bad_environment_is_a_one_line_usage_error(tmp_path: Path) -> None:
    env = user_env(tmp_path, PURRR_NOW=NOW)

    def purrr(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return run_purrr(env, *args, **settings)

    garbage = purrr("cats", "list", PURRR_NOW="garbage")
    assert garbage.returncode == 2 and "PURRR_NOW" in garbage.stderr
    assert garbage.stderr.count("\n") == 1
    # the settings' sections are read at start too, each error naming its variable
    for name, value, reason in (
        ("PURRR_NIGHT_WATCH_START_HOUR", "99", "less than or equal to 23"),
        ("PURRR_USD_RATES", "not json", "expected JSON"),
        ("PURRR_QUEST_TIMEZONE", "Mars/Base", "IANA time zone"),
    ):
        done = purrr("cats", "list", **{name: value})
        _clean(done)
        assert done.returncode == 2 and f"invalid {name}" in done.stderr and reason in done.stderr
        assert done.stderr.count("\n") == 1
    a_file = tmp_path / "a-file"  # tmp_path is HOME; its data dir is never made here
    a_file.write_text("")
    for data_dir in (str(a_file), str(a_file / "below"), "/proc/purrr-nope"):
        done = purrr("cats", "list", PURRR_DATA_DIR=data_dir)
        _clean(done)
        assert done.returncode == 2, (data_dir, done.stderr)
        assert "PURRR_DATA_DIR" in done.stderr and data_dir in done.stderr
    for command in ("status", "stop", "logs"):
        done = purrr("server", command, PURRR_DATA_DIR=str(a_file))
        _clean(done)
        assert done.returncode == 2 and "PURRR_DATA_DIR" in done.stderr
    started = purrr("server", "start", PURRR_NOW="garbage")
    assert started.returncode == 2 and "PURRR_NOW" in started.stderr


def test_missing_input_file_is_a_usage_error(purrr: Purrr, home: Path) -> None:
    done = purrr("api", "POST", "cats", "--input", str(home / "nope.json"))
    _clean(done)
    assert done.returncode == 2 and "--input" in done.stderr and "nope.json" in done.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_server_ports(tmp_path: Path) -> None:
    env = user_env(tmp_path, PURRR_NOW=NOW)

    def purrr(*args: str) -> subprocess.CompletedProcess[str]:
        return run_purrr(env, *args)

    for args in (("server", "start", "--port", "70000"), ("server", "run", "--port", "0")):
        done = purrr(*args)
        _clean(done)
        assert done.returncode == 2 and "--port" in done.stderr
        assert "Input should" not in done.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for command in ("start", "run"):
            done = purrr("server", command, "--port", port)
            _clean(done)
            assert done.returncode == 5, done.stderr
            assert f"127.0.0.1:{port}" in done.stderr and "in use" in done.stderr
    assert ok_json(purrr("server", "status", "--json"))["daemon"]["running"] is False


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[Purrr, int]]:
    """A daemon that also listens on a loopback TCP port; stopped afterwards."""
    env = user_env(tmp_path, PURRR_NOW=NOW)
    port = _free_port()
    started = run_purrr(env, "server", "start", "--port", str(port))
    assert started.returncode == 0, started.stderr
    try:
        yield (lambda *args, **kw: run_purrr(env, *args, **kw)), port
    finally:
        run_purrr(env, "server", "stop")


def test_the_own_daemons_tcp_url_uses_the_local_token(daemon: tuple[Purrr, int]) -> None:
    purrr, port = daemon
    url = f"http://127.0.0.1:{port}"
    ok_json(purrr("cats", "adopt", "Net", "--personality", "aloof", "--json", "--server", url))
    assert purrr("cats", "list", "--jq", ".[].name", "--server", url).stdout == "Net\n"
    status = ok_json(purrr("server", "status", "--json", "--server", url))
    assert status["using"] == {"kind": "remote", "url": url, "source": "--server"}
    assert status["daemon"]["running"] is True


def test_server_status_honours_server_flag(purrr: Purrr) -> None:
    status = ok_json(purrr("server", "status", "--json", "--server", "https://purrr.example/"))
    assert status["using"]["url"] == "https://purrr.example"
    bad = purrr("cats", "list", "--server", "purrr.example")
    assert bad.returncode == 2 and "scheme" in bad.stderr


def test_json_fields_after_an_optional_positional(purrr: Purrr, tom: int) -> None:
    assert purrr("config", "set", "default_cat_id", str(tom)).returncode == 0
    try:
        shown = ok_json(purrr("cats", "show", "--json", "id,name"))
        assert shown == {"id": tom, "name": "Tom"}
        assert ok_json(purrr("cats", "show", "--json", "name")) == {"name": "Tom"}
        assert ok_json(purrr("cats", "show", "--json", "Tom"))["id"] == tom  # a name, not fields
        assert ok_json(purrr("cats", "show", "Tom", "--json", "id")) == {"id": tom}
    finally:
        purrr("config", "unset", "default_cat_id")
    assert ok_json(purrr("breed", "status", "--json", "id")) == []
    assert ok_json(purrr("nightwatch", "history", "--json", "id")) == []


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("-1", "request_timeout"),
        ("0", "request_timeout"),
        ("99999", "daemon_port"),
        ("localhost:8642", "server_url"),
        ("purrr.love", "remote_url"),
        ("-1", "default_cat_id"),
        ("0", "sync_interval_seconds"),
        ("relative/data", "data_dir"),
    ],
)
def test_config_set_validates(purrr: Purrr, home: Path, key: str, value: str) -> None:
    done = purrr("config", "set", key, value)
    assert done.returncode == 2, done.stderr
    assert key in done.stderr and repr(value) in done.stderr
    assert key not in ok_json(purrr("config", "list", "--json")) or (
        ok_json(purrr("config", "get", key, "--json")) != value
    )
    assert not (home / "config" / "config.json").exists() or key not in json.loads(
        (home / "config" / "config.json").read_text()
    )


def test_config_set_accepts_good_values(purrr: Purrr) -> None:
    assert purrr("config", "set", "server_url", "https://purrr.example/").returncode == 0
    assert purrr("config", "get", "server_url").stdout == "https://purrr.example\n"
    assert purrr("config", "set", "data_dir", "~/purrr-data").returncode == 0
    for key in ("server_url", "data_dir"):
        purrr("config", "unset", key)


def test_names(purrr: Purrr, tom: int) -> None:
    digits = purrr("cats", "adopt", "1234", "--personality", "lazy", "--json")
    cat = ok_json(digits)
    assert "name:1234" in digits.stderr
    assert ok_json(purrr("cats", "show", "name:1234", "--json", "id")) == {"id": cat["id"]}
    black = ok_json(purrr("cats", "adopt", "🐈‍⬛", "--personality", "lazy", "--json"))
    assert black["name"] == "🐈‍⬛"
    assert ok_json(purrr("cats", "show", "🐈‍⬛", "--json", "id")) == {"id": black["id"]}
    bidi = purrr("cats", "adopt", "evil\u202etxt", "--personality", "lazy")
    assert bidi.returncode == 1 and "control characters" in bidi.stderr
    for flag in ("--breed", "--sex", "--genotype"):
        done = purrr("cats", "adopt", "Blank", "--personality", "lazy", flag, "")
        assert done.returncode == 2 and flag in done.stderr
    blank_key = purrr("keys", "create", " ")
    assert blank_key.returncode == 2 and "NAME" in blank_key.stderr
    names = [c["name"] for c in ok_json(purrr("cats", "list", "--json", "name"))]
    assert "Blank" not in names


def test_errors_speak_the_flags_typed(purrr: Purrr, tom: int) -> None:
    cases = {
        ("keys", "create", "ci", "--scope", "bogus"): ("--scope", "scopes", 1),
        ("cats", "feed", "Tom", "--quantity", "50"): ("--quantity", "Input should", 1),
        ("cats", "feed", "Tom", "--food", "rocks"): ("'rocks'", "food_item", 1),
        ("wallet", "deposit", "--currency", "BTC", "--usd", "0"): ("--usd", "amount_usd", 1),
    }
    for args, (says, never, code) in cases.items():
        done = purrr(*args)
        _clean(done)
        assert done.returncode == code, (args, done.stderr)
        assert says in done.stderr and never not in done.stderr, (args, done.stderr)
    assert "must be at most 10" in purrr("cats", "feed", "Tom", "--quantity", "50").stderr


def test_unknown_ids_exit_3_like_unknown_cats(purrr: Purrr, tom: int) -> None:
    for args in (
        ("quests", "claim", "no_such_quest"),
        ("store", "buy", "no_such_item"),
        ("cats", "use", "Tom", "no_such_item"),
        ("games", "play", "no_such_game", "--cat", "Tom"),
        ("cats", "adopt-special", "no_such_cat"),
        ("cats", "show", "Nobody"),
    ):
        done = purrr(*args, "--json")
        assert done.returncode == 3, (args, done.stderr)
        assert json.loads(done.stderr)["code"] == "NOT_FOUND"


def test_internal_errors_show_their_request_id(purrr: Purrr, home: Path, tom: int) -> None:
    """A server (in-process here) that fails for real (its database lost a table under it):
    one line with the request id; the traceback goes to the server log, not the terminal."""
    with sqlite3.connect(home / "data" / "purrr.db") as db:
        db.execute("DROP TABLE actions")
    done = purrr("api", "GET", f"cats/{tom}/history")
    assert done.returncode == 1, done.stderr
    _clean(done)
    error = json.loads(purrr("api", "GET", f"cats/{tom}/history", "--json").stderr)
    request_id = error["details"]["request_id"]
    assert request_id in error["message"]
    assert request_id in (home / "data" / "server.log").read_text()


def test_confirmation_prompt_writes_nothing_to_stdout(env: dict[str, str], tom: int) -> None:
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")
        done = subprocess.run(
            [sys.executable, "-m", "purrr_cli", "cats", "release", str(tom)],
            env=env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 1 and "cancelled" in done.stderr
    assert "release cat" in done.stderr
    assert done.stdout == ""


def test_every_cat_is_listed_and_reachable(tmp_path: Path) -> None:
    env = user_env(tmp_path, PURRR_NOW=NOW)
    adopt = (
        "from purrr_cli.client import Client\n"
        "with Client() as c:\n"
        "    for i in range(1, 56):\n"
        "        c.post('cats', {'name': f'Cat{i}', 'personality_type': 'lazy'})\n"
    )
    made = subprocess.run(
        [sys.executable, "-c", adopt], env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    names = run_purrr(env, "cats", "list", "--jq", ".[].name").stdout.split()
    assert len(names) == 55 and names[-1] == "Cat55"
    assert len(run_purrr(env, "cats", "list").stdout.splitlines()) == 55
    assert ok_json(run_purrr(env, "cats", "show", "Cat54", "--json", "name")) == {"name": "Cat54"}


def test_genetics_cross_one_view_for_people(purrr: Purrr) -> None:
    sire, dam = "O/Y B/b D/d C/cs l/l Wb/wb", "O/o B/b D/d C/cs L/l wb/wb"
    rows = [line.split("\t") for line in purrr("genetics", "cross", sire, dam).stdout.splitlines()]
    keys = [(sex, name) for sex, _, name in rows]
    assert len(keys) == len(set(keys))  # one row per sex and coat name
    contract = ok_json(purrr("genetics", "cross", sire, dam, "--json"))
    from fractions import Fraction

    for sex in ("male", "female"):
        assert sum(Fraction(p) for s, p, _ in rows if s == sex) == Fraction(1, 2)
    for sex, share, name in rows:  # each row adds up the contract's outcomes with that name
        assert Fraction(share) == sum(
            Fraction(o["probability"])
            for o in contract["offspring"]
            if o["sex"] == sex and o["phenotype"]["name"] == name
        )
