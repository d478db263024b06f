"""Sync benchmark: 1,000 actions queued offline, then synced to a loopback remote (goal < 5 s).

The remote is a real hosted server process (`python -m purrr_server --hosted`) on a free
loopback port; the local game runs in this process. The 1,000 actions (adoptions and care) are
played while the remote is unreachable, so they wait in the outbox; then one `sync` pushes them
(the remote applies each exactly once, with its own seeds), pulls the resulting state and
rebuilds the local game. Prints the figure and exits non-zero when it misses the goal.

    python benchmarks/sync.py [--actions 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from purrr_server.app import close_app, create_app
from purrr_server.settings import Settings
from purrr_server.sync.engine import SyncEngine

GOAL_SECONDS = 5.0
FAST_HASH = {"PURRR_ARGON2_TIME_COST": "1", "PURRR_ARGON2_MEMORY_KIB": "1024"}
GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_remote(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PURRR_")} | FAST_HASH
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "purrr_server",
            "--hosted",
            "--no-rate-limit",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(400):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=0.5).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the remote did not start")


def api_key(url: str) -> str:
    with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as c:
        account = {"username": "bench", "email": "bench@example.com", "password": "bench pass 9"}
        c.post("/auth/register", json=account, headers={"Idempotency-Key": "r"}).raise_for_status()
        token = c.post(
            "/auth/login",
            json={k: account[k] for k in ("username", "password")},
            headers={"Idempotency-Key": "l"},
        ).json()["data"]["access_token"]
        created = c.post(
            "/keys",
            json={"name": "bench"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k"},
        )
        created.raise_for_status()
        return str(created.json()["data"]["key"])


async def play_offline(app: object, token: str, actions: int) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://local", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        cats: list[int] = []
        for i in range(actions):
            if i % 50 == 0:
                r = await c.post(
                    "/api/v1/cats",
                    json={"name": f"Cat{i}", "genotype": GENOTYPE, "personality_type": "playful"},
                )
                cats.append(r.json()["data"]["id"])
            else:
                r = await c.post(f"/api/v1/cats/{cats[-1]}/pet", json={})
            r.raise_for_status()


async def run(actions: int) -> float:
    with tempfile.TemporaryDirectory(prefix="purrr-bench-sync-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        remote = start_remote(Path(tmp) / "remote", port)
        try:
            key = api_key(url)
            settings = Settings(data_dir=Path(tmp) / "local")
            app = create_app(settings)
            engine = app.state.sync_engine = SyncEngine(app.state.runtime)
            await engine.link(url, key)  # no background sync here: actions wait in the outbox
            await play_offline(app, settings.token_path.read_text().strip(), actions)
            pending = (await engine.status())["pending"]
            assert pending == actions, pending
            started = time.perf_counter()
            report = await engine.sync(key)
            elapsed = time.perf_counter() - started
            status = await engine.status()
            assert report.applied == actions and status["pending"] == 0, report.as_dict()
            await close_app(app)
            return elapsed
        finally:
            remote.terminate()
            remote.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000)
    args = parser.parse_args()
    elapsed = asyncio.run(run(args.actions))
    rate = args.actions / elapsed
    verdict = "ok" if elapsed < GOAL_SECONDS else "SLOW"
    print(
        f"sync: {args.actions} queued offline actions pushed, pulled and rebuilt in "
        f"{elapsed:.2f} s ({rate:.0f} actions/s; goal < {GOAL_SECONDS:.0f} s) {verdict}"
    )
    return 0 if elapsed < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
