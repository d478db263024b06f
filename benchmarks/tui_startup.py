"""Dashboard first-frame time: process start → first frame painted (goal < 1 s).

Each run starts a fresh Python process that builds the real app (`purrr_cli.tui.run.build_app`,
in-process server on a temporary data dir), runs it headless at 80×24 and exits as soon as the
first frame has been painted. The time is measured from just before the process is spawned, so it
includes interpreter start-up and every import. Data loads in workers after the first frame.

    python benchmarks/tui_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

#: A bare Textual app with a header, a table and a footer: the floor on this machine.
BARE = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

def build_app():
    return Bare()
"""
CHILD = """
import asyncio, sys, time
{setup}
app = build_app()
painted = []

def first_frame():
    if not painted:
        painted.append(time.time())
        app.exit()

app.call_after_refresh(first_frame)
async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        while not painted:
            await pilot.pause(0.005)
asyncio.run(main())
print(painted[0])
"""


def one_run(env: dict[str, str], setup: str) -> float:
    start = time.time()
    code = CHILD.replace("{setup}", setup)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip().splitlines()[-1]) - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PURRR_CONFIG_DIR": os.path.join(home, "config"),
            "PURRR_DATA_DIR": os.path.join(home, "data"),
            "PURRR_NO_KEYRING": "1",
        }
        env.pop("PURRR_SERVER", None)
        times, floor = [], []
        for _ in range(args.runs):  # interleaved, so load on the machine hits both alike
            times.append(one_run(env, "from purrr_cli.tui.run import build_app"))
            floor.append(one_run(env, BARE))
    median, bare = statistics.median(times), statistics.median(floor)
    print(
        f"purrr tui first frame: median {median * 1000:.0f} ms, best {min(times) * 1000:.0f} ms "
        f"over {len(times)} runs (goal < 1000 ms: {'ok' if median < 1 else 'MISSED'})"
    )
    print(
        f"bare Textual app:      median {bare * 1000:.0f} ms, best {min(floor) * 1000:.0f} ms"
        f"  → ratio {median / bare:.2f}×"
    )


if __name__ == "__main__":
    main()
