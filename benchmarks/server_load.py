"""Server load benchmark: purrr vs a bare FastAPI hello-world, on loopback, in the same run.

Starts both as uvicorn subprocesses (purrr hosted, --no-rate-limit), drives each with an httpx
async load (32 concurrent connections) and prints req/s, p50/p99 latency, errors and the ratios
to the hello-world floor. Goals (docs/architecture.md): GET cat ≥ 0.5×, POST feed ≥ 0.35×.

    python benchmarks/server_load.py [--requests 3000] [--connections 32]
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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

HELLO_APP = """
import uvicorn
from fastapi import FastAPI
app = FastAPI()

@app.get("/")
async def hello():
    return {"message": "hello world"}

uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False)
"""
GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"
GOALS = {"GET /api/v1/cats/{id}": 0.5, "POST /api/v1/cats/{id}/feed": 0.35}


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    error_kinds: Counter[str]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(url)


def start_hello(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", HELLO_APP.replace("{port}", str(port))])
    wait_up(f"http://127.0.0.1:{port}/", process)
    return process


def start_purrr(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "purrr_server",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--hosted",
            "--no-rate-limit",
            "--log-level",
            "warning",
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    wait_up(f"http://127.0.0.1:{port}/health/live", process)
    return process


def prepare_player(base: str) -> tuple[dict[str, str], int]:
    """Register, log in and adopt one cat; return the auth header and the cat's id."""
    with httpx.Client(base_url=base, timeout=30) as c:
        c.post(
            "/api/v1/auth/register",
            headers={"Idempotency-Key": "bench-register"},
            json={
                "username": "bench",
                "email": "bench@example.com",
                "password": "benchmark password",
            },
        ).raise_for_status()
        login = c.post(
            "/api/v1/auth/login",
            headers={"Idempotency-Key": "bench-login"},
            json={"username": "bench", "password": "benchmark password"},
        )
        auth = {"Authorization": f"Bearer {login.json()['data']['access_token']}"}
        cat = c.post(
            "/api/v1/cats",
            headers={**auth, "Idempotency-Key": "bench-cat"},
            json={"name": "Bench", "personality_type": "playful", "genotype": GENOTYPE},
        )
        return auth, int(cat.json()["data"]["id"])


async def drive(
    name: str,
    base: str,
    send: Callable[[httpx.AsyncClient, int], object],
    total: int,
    connections: int,
    ok_status: int = 200,
) -> Result:
    """Send `total` requests over `connections` concurrent keep-alive connections."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    kinds: Counter[str] = Counter()
    counter = iter(range(total))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for n in counter:
                started = time.perf_counter()
                try:
                    response = await send(client, n)  # type: ignore[misc]
                    if response.status_code != ok_status:
                        kinds[f"{response.status_code} {response.text[:120]}"] += 1
                except httpx.HTTPError as exc:
                    kinds[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - started)

        for n in range(connections):  # warm the connections up
            await send(client, -1 - n)  # type: ignore[misc]
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        seconds = time.perf_counter() - began
    return Result(name, total, sum(kinds.values()), seconds, latencies, kinds)


async def run(total: int, connections: int) -> list[Result]:
    hello_port, purrr_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        hello = start_hello(hello_port)
        purrr = start_purrr(purrr_port, Path(data_dir))
        try:
            base = f"http://127.0.0.1:{purrr_port}"
            auth, cat_id = prepare_player(base)
            results = [
                await drive(
                    "GET / (bare FastAPI)",
                    f"http://127.0.0.1:{hello_port}",
                    lambda c, n: c.get("/"),
                    total,
                    connections,
                )
            ]
            results.append(
                await drive(
                    "GET /api/v1/cats/{id}",
                    base,
                    lambda c, n: c.get(f"/api/v1/cats/{cat_id}", headers=auth),
                    total,
                    connections,
                )
            )
            # catnip restores no satiation, so the cat never becomes too full to eat
            results.append(
                await drive(
                    "POST /api/v1/cats/{id}/feed",
                    base,
                    lambda c, n: c.post(
                        f"/api/v1/cats/{cat_id}/feed",
                        json={"food_item": "catnip"},
                        headers={**auth, "Idempotency-Key": f"bench-feed-{n}"},
                    ),
                    total,
                    connections,
                )
            )
        finally:
            for process in (hello, purrr):
                process.terminate()
                process.wait(timeout=10)
    return results


def report(results: list[Result]) -> int:
    floor = results[0].rps
    print(f"{'scenario':32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'ratio':>6}")
    failed = False
    for r in results:
        ratio = r.rps / floor
        goal = GOALS.get(r.name)
        verdict = "" if goal is None else (" ok" if ratio >= goal else f" < {goal}")
        failed |= r.errors > 0 or (goal is not None and ratio < goal)
        print(
            f"{r.name:32} {r.rps:8.0f} {r.percentile(0.5):8.2f} {r.percentile(0.99):8.2f} "
            f"{r.errors:6d} {ratio:6.2f}{verdict}"
        )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    return report(asyncio.run(run(args.requests, args.connections)))


if __name__ == "__main__":
    sys.exit(main())
