"""Start-up budgets (DESIGN.md): `purrr` commands as ratios to the Python stack's own floor.

    python benchmarks/startup.py [--runs 7]

1. `purrr --version`                          vs `python -c pass`                       (≤ 2.5×)
2. `purrr cats list --json`, daemon running   vs `python -c "import typer, httpx"`     (≤ 1.3×)
3. `purrr cats list --json`, nothing running  vs `python -c "import fastapi, uvicorn, typer, httpx"`
                                                                                          (≤ 1.3×)
Each figure is the median of several runs, command and floor alternating, (wall time, and CPU time of the command's process) in a fresh temporary home with a pinned
clock; the daemon is started with `purrr server start` and stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PURRR = [sys.executable, "-m", "purrr_cli"]
PY = [sys.executable, "-c"]


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + sys) of one run of the command's own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def medians(
    command: list[str], floor: list[str], env: dict[str, str], runs: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median (wall, cpu) of the command and of its floor, run alternately so that a busy
    machine slows both sides alike."""
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(run_once(command, env))
        theirs.append(run_once(floor, env))

    def median(samples: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)

    return median(ours), median(theirs)


def environment(home: Path) -> dict[str, str]:
    # Byte-code caching as an installed package has it: the floor's packages are compiled by pip,
    # so purrr's modules get a .pyc cache too (under HOME, nothing written to the checkout) even
    # where PYTHONDONTWRITEBYTECODE is set; the first (warm-up) runs fill it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PURRR_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        PURRR_CONFIG_DIR=str(home / "config"),
        PURRR_DATA_DIR=str(home / "data"),
        PURRR_NOW="2026-03-01T12:00:00Z",
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
    )
    return env


def report(
    name: str, command: tuple[float, float], floor: tuple[float, float], budget: float
) -> None:
    """Print wall-clock and CPU ratios; CPU is the steadier figure on a busy machine."""
    wall, cpu = command[0] / floor[0], command[1] / floor[1]
    verdict = "ok" if wall <= budget else "OVER BUDGET"
    print(
        f"{name:<38} wall {command[0] * 1000:7.1f} / {floor[0] * 1000:7.1f} ms = {wall:4.2f}x"
        f"   cpu {command[1] * 1000:7.1f} / {floor[1] * 1000:7.1f} ms = {cpu:4.2f}x"
        f"   (budget {budget}x, {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp))
        subprocess.run([*PURRR, "cats", "adopt", "Bench", "--personality", "lazy"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        report("purrr --version", *medians([*PURRR, "--version"], [*PY, "pass"], env, runs), 2.5)
        list_json = [*PURRR, "cats", "list", "--json"]
        floor = [*PY, "import fastapi, uvicorn, typer, httpx"]
        report("purrr cats list --json (in-process)", *medians(list_json, floor, env, runs), 1.3)
        subprocess.run([*PURRR, "server", "start"], env=env, check=True, stdout=subprocess.DEVNULL)
        try:
            floor = [*PY, "import typer, httpx"]
            report("purrr cats list --json (daemon)", *medians(list_json, floor, env, runs), 1.3)
        finally:
            subprocess.run([*PURRR, "server", "stop"], env=env, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
