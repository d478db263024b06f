"""`purrr rooms` as users run it (subprocesses): two players on a real hosted server join one
contest while one of them watches the room live; the local game refuses with exit 8."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.user import ok_json, run_in_process, run_purrr, user_env
from tests.server.test_real_server import Server

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "hosted", "--hosted").start()
    try:
        yield server
    finally:
        server.stop()


def test_the_local_game_says_rooms_need_a_hosted_server(tmp_path: Path) -> None:
    (tmp_path / "solo").mkdir()
    env = user_env(tmp_path / "solo")
    done = run_purrr(env, "rooms", "list")
    assert done.returncode == 8, done.stderr
    assert "hosted server" in done.stderr and "--server" in done.stderr
    assert done.stdout == ""
    cat = ok_json(run_in_process(env, "cats", "adopt", "Tom", "-p", "lazy", "--json"))
    done = run_purrr(env, "rooms", "join", "contest", str(cat["id"]), "--json")
    assert done.returncode == 8
    assert json.loads(done.stderr)["code"] == "HOSTED_ONLY"


def test_two_players_join_play_and_one_watches_live(tmp_path: Path, hosted: Server) -> None:
    url = hosted.url
    homes = {}
    for name in ("alice", "bob"):
        (tmp_path / name).mkdir()
        homes[name] = user_env(tmp_path / name, PURRR_SERVER=url)

    def purrr(who: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_purrr(homes[who], *args, stdin=stdin)

    cats = {}
    for who, personality in (("alice", "territorial"), ("bob", "social_butterfly")):
        ok_json(
            purrr(
                who, "auth", "register", "-u", who, "--email", f"{who}@example.org",
                "--password-stdin", "--json", stdin="s3cret-pass\n",
            )
        )  # fmt: skip
        adopted = run_in_process(
            homes[who], "cats", "adopt", who.title(), "-p", personality, "--json"
        )
        cats[who] = ok_json(adopted)

    room = ok_json(purrr("alice", "rooms", "join", "contest", "Alice", "--json"))
    assert room["type"] == "contest" and [m["player"] for m in room["members"]] == ["alice"]

    watcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "purrr_cli",
            "rooms",
            "watch",
            str(room["id"]),
            "-i",
            "0.3",
            "--json",
        ],
        env=homes["bob"],
        cwd=homes["bob"]["HOME"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stderr is not None
        assert "Watching room" in watcher.stderr.readline()
        joined = ok_json(purrr("bob", "rooms", "join", "contest", "Bob", "--json"))
        assert joined["id"] == room["id"]
        listed = ok_json(purrr("bob", "rooms", "list", "--json"))
        assert [(r["id"], len(r["members"])) for r in listed] == [(room["id"], 2)]
        table = purrr("bob", "rooms", "list")
        assert table.returncode == 0 and "Alice (alice)" in table.stdout

        played = ok_json(purrr("alice", "rooms", "play", str(room["id"]), "--json"))
        assert {p["player"] for p in played["placings"]} == {"alice", "bob"}
        human = purrr("bob", "rooms", "show", str(room["id"]))
        assert human.returncode == 0 and "round 1" in human.stderr

        assert purrr("bob", "rooms", "leave", str(room["id"])).returncode == 0
        closed = ok_json(purrr("alice", "rooms", "leave", str(room["id"]), "--json"))
        assert closed["status"] == "closed"
        out, err = watcher.communicate(timeout=60)  # the room closed: watch ends by itself
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait(timeout=10)
    assert watcher.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["type"] for e in events] == [
        "room.joined",
        "room.round",
        "room.left",
        "room.left",
        "room.closed",
    ]
    assert events[1]["payload"]["placings"] == played["placings"]

    gone = purrr("bob", "rooms", "leave", str(room["id"]))
    assert gone.returncode == 3 and "not in room" in gone.stderr
    bad = purrr("bob", "rooms", "join", "arena", "Bob")
    assert bad.returncode == 1 and "playground" in bad.stderr
