"""`purrr events --follow` on a hosted server reads the live stream: one long request instead of a
look every --interval seconds, so a player with a small hourly limit can follow for as long as
they like (a poll every 0.2 s would spend the limit below within seconds)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.user import ok_json, run_purrr, user_env
from tests.server.test_real_server import Server

pytestmark = pytest.mark.timeout(180)

#: Requests an hour for a free account on this server: register, three adoptions, the
#: follower's catch-up look and its stream, with little to spare.
LIMIT = 12


def test_events_follow_streams_within_a_small_rate_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PURRR_TIER_LIMITS", json.dumps({"free": LIMIT}))
    server = Server(tmp_path / "hosted", "--hosted").start()
    follower: subprocess.Popen[str] | None = None
    try:
        (tmp_path / "alice").mkdir()
        env = user_env(tmp_path / "alice", PURRR_SERVER=server.url)
        ok_json(
            run_purrr(
                env, "auth", "register", "-u", "alice", "--email", "alice@example.org",
                "--password-stdin", "--json", stdin="s3cret-pass\n",
            )
        )  # fmt: skip
        follower = subprocess.Popen(
            [sys.executable, "-m", "purrr_cli", "events", "--follow", "--json", "-i", "0.2"],
            env=env,
            cwd=env["HOME"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)  # polling every 0.2 s would have spent the hour's limit by now
        for name in ("Tom", "Luna", "Mochi"):
            ok_json(run_purrr(env, "cats", "adopt", name, "-p", "playful", "--json"))
            time.sleep(0.5)
        assert follower.stdout is not None
        seen: list[dict[str, object]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(seen) < 3:
            line = follower.stdout.readline()
            if not line:
                break
            event = json.loads(line)
            if event["type"] == "cat.adopted":
                seen.append(event)
        assert [e["payload"]["name"] for e in seen] == ["Tom", "Luna", "Mochi"]  # type: ignore[index]
        assert follower.poll() is None  # still following, not stopped by a rate limit
    finally:
        if follower is not None and follower.poll() is None:
            follower.terminate()
            follower.wait(timeout=10)
        server.stop()
    assert follower is not None and follower.stderr is not None
    assert "rate limit" not in follower.stderr.read().lower()
