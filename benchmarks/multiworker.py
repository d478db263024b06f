"""Write throughput for many players: one server process vs two on the same database.

Starts `python -m purrr_server --hosted --workers W` (rate limits on, with a limit no run
reaches, so the shared counters are part of the cost), registers `--players` players with a cat
each, then drives `POST /api/v1/cats/{id}/feed` (every request a write of one of the players,
round-robin, each with its own Idempotency-Key) with wrk for `--seconds` per run, once with one
worker and once with two. It prints requests/s, latency percentiles and the ratio.

The load generator's own ceiling is measured too: wrk against `GET /health/live` of the
two-worker server (no database, no auth). If the write figures come near it, the generator or
the HTTP stack is the limit, not the database.

The database is a throw-away PostgreSQL 15 cluster (tests/postgres.py: Unix socket, fsync off)
unless `--database URL` names one; `--database sqlite` runs the same on the SQLite file.

    python benchmarks/multiworker.py [--players 64] [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"
PASSWORD = "benchmark password"

LUA = """
local players = %(players)s
local counter = 0
local thread_id = 0
local ids = 0

function setup(thread)
  ids = ids + 1
  thread:set("tid", ids)
end

function init(args)
  thread_id = tid
end

request = function()
  counter = counter + 1
  local p = players[(counter %% #players) + 1]
  return wrk.format("POST", "/api/v1/cats/" .. p[2] .. "/feed", {
    ["Authorization"] = "Bearer " .. p[1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "%(run)s-" .. thread_id .. "-" .. counter,
  }, '{"food_item":"catnip"}')
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    data_dir: Path, database: str | None, workers: int, port: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PURRR_TIER_LIMITS": json.dumps({"free": 10**9}),
        "PURRR_ARGON2_TIME_COST": "1",
        "PURRR_ARGON2_MEMORY_KIB": "256",
    }
    if database:
        env["PURRR_DATABASE_URL"] = database
    command = [sys.executable, "-m", "purrr_server", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--hosted", "--workers", str(workers)]
    command += ["--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
    url = f"http://127.0.0.1:{port}/health/ready"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                time.sleep(1.0 if workers > 1 else 0)  # let every worker come up
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server did not come up:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def prepare_players(base: str, count: int) -> list[tuple[str, int]]:
    """Register `count` players with one cat each; (token, cat id) of each."""
    players = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for n in range(count):
            name = f"bench{n}"
            c.post(
                "/api/v1/auth/register",
                headers={"Idempotency-Key": f"reg-{n}"},
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            ).raise_for_status()
            login = c.post(
                "/api/v1/auth/login",
                headers={"Idempotency-Key": f"login-{n}"},
                json={"username": name, "password": PASSWORD},
            )
            login.raise_for_status()
            token = login.json()["data"]["access_token"]
            cat = c.post(
                "/api/v1/cats",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"cat-{n}"},
                json={"name": f"Bench{n}", "personality_type": "playful", "genotype": GENOTYPE},
            )
            cat.raise_for_status()
            players.append((token, int(cat.json()["data"]["id"])))
    return players


def wrk(url: str, seconds: int, connections: int, script: Path | None) -> dict[str, Any]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    return {
        "rps": rps,
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--database", help="a postgresql:// URL, or 'sqlite' (default: a throw-away cluster)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="purrr-bench-")))
        database: str | None = args.database
        if database is None:
            sys.path.insert(0, str(ROOT))
            from tests.postgres import Cluster

            cluster = Cluster()
            stack.callback(cluster.stop)
            cluster.start()
            database = cluster.new_database()
        elif database == "sqlite":
            database = None
        kind = "sqlite" if database is None else "postgresql"
        results: dict[int, dict[str, Any]] = {}
        players: list[tuple[str, int]] = []
        for workers in (1, 2):
            port = free_port()
            server = start_server(work / "data", database, workers, port, work / "server.log")
            try:
                base = f"http://127.0.0.1:{port}"
                if not players:
                    players = prepare_players(base, args.players)
                script = work / f"feed-{workers}.lua"
                lua_players = "{" + ",".join(f'{{"{t}",{c}}}' for t, c in players) + "}"
                script.write_text(LUA % {"players": lua_players, "run": f"w{workers}"})
                results[workers] = wrk(base, args.seconds, args.connections, script)
                if workers == 2:
                    results[0] = wrk(f"{base}/health/live", args.seconds, args.connections, None)
            finally:
                stop(server)
    print(
        f"database: {kind}; {args.players} players, {args.connections} connections, "
        f"{args.seconds} s per run, wrk -t2; {os.cpu_count()} CPUs"
    )
    print(f"{'run':<42} {'req/s':>9} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
    labels = {
        1: "POST feed, 1 worker",
        2: "POST feed, 2 workers",
        0: "GET /health/live, 2 workers (gen. ceiling)",
    }
    for key in (1, 2, 0):
        r = results[key]
        print(f"{labels[key]:<42} {r['rps']:>9.0f} {r['p50']:>9} {r['p99']:>9} {r['non_2xx']:>8}")
        if r["socket_errors"]:
            print(f"    socket errors: {r['socket_errors']}")
    print(f"ratio 2 workers / 1 worker: {results[2]['rps'] / results[1]['rps']:.2f}")
    return 0 if results[1]["non_2xx"] == results[2]["non_2xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
