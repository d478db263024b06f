"""Dashboard start-up: process start → first frame, and → the player's cats on screen (goal < 1 s).

`purrr tui` starts its server in a child process at once (purrr_cli.tui.companion); the
same dashboard with the server in its own process (as other commands run it) is measured too.
The two floors printed below are a bare Textual app's first frame and the same cats fetched
in-process without any dashboard (starting the server dominates): the dashboard's own cost is
the ratio of its cats-on-screen time to the slower floor.

Each run starts a fresh Python process that builds the real app (`purrr_cli.tui.run.build_app`,
in-process server on a temporary data dir holding three cats), runs it headless at 80×24 and
records two moments: the first frame painted (an empty home), and the cats' rows in the home
table (the data on screen, which is what the player waits for). Times are measured from just
before the process is spawned, so they include interpreter start-up and every import.

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

def cats_shown(app):
    return True
"""
CATS_SHOWN = """
def cats_shown(app):
    from purrr_cli.tui.widgets.cat_table import CatTable

    tables = app.screen.query(CatTable)
    return bool(tables) and tables.first().row_count >= 3
"""
#: `purrr tui` as the player starts it: the server in a child process started first.
PURRR = "from purrr_cli.tui.run import build_app\n" + CATS_SHOWN
#: The same dashboard with its server in its own process (how it started before the child).
SAME_PROCESS = (
    """
from purrr_cli.tui.api import PurrrApi
from purrr_cli.tui.app import PurrrApp

def build_app():
    from purrr_cli.client import Client

    return PurrrApp(PurrrApi(lambda: Client()))
"""
    + CATS_SHOWN
)
CHILD = """
import asyncio, time
{setup}
app = build_app()
marks = {}

def first_frame():
    marks.setdefault("frame", time.time())

app.call_after_refresh(first_frame)

async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        while "cats" not in marks:
            await pilot.pause(0.005)
            if "frame" in marks and cats_shown(app):
                marks["cats"] = time.time()
asyncio.run(main())
print(marks["frame"], marks["cats"])
"""
#: The same cats fetched through the in-process server without the dashboard: the server's floor.
FETCH = """
import time
from purrr_cli.client import Client
Client().get("cats")
print(time.time(), time.time())
"""
SEED = """
from purrr_cli.client import Client
client = Client()
for name in ("Mittens", "Bandit", "Luna"):
    client.post("cats", {"name": name, "personality_type": "playful"})
client.close()
"""


def one_run(env: dict[str, str], setup: str | None) -> tuple[float, float]:
    """(seconds to the first frame, seconds to the cats on screen) of one fresh process
    (`setup` None: the cats fetched without a dashboard, both times the same)."""
    start = time.time()
    code = FETCH if setup is None else CHILD.replace("{setup}", setup)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    frame, cats = (float(value) for value in out.strip().splitlines()[-1].split())
    return frame - start, cats - start


def summary(label: str, times: list[float]) -> str:
    median = statistics.median(times)
    return f"{label}: median {median * 1000:.0f} ms, best {min(times) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HOME": home,
            "PURRR_CONFIG_DIR": os.path.join(home, "config"),
            "PURRR_DATA_DIR": os.path.join(home, "data"),
            "PURRR_NO_KEYRING": "1",
        }
        env.pop("PURRR_SERVER", None)
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True)
        frames, cats, same, floor, fetch = [], [], [], [], []
        for _ in range(args.runs):  # interleaved, so load on the machine hits all alike
            frame, shown = one_run(env, PURRR)
            frames.append(frame)
            cats.append(shown)
            same.append(one_run(env, SAME_PROCESS)[1])
            floor.append(one_run(env, BARE)[0])
            fetch.append(one_run(env, None)[1])
    median_cats, bare = statistics.median(cats), statistics.median(floor)
    server = statistics.median(fetch)
    verdict = "ok" if median_cats < 1 else "MISSED"
    print(f"{summary('purrr tui first frame     ', frames)} over {len(frames)} runs")
    print(f"{summary('purrr tui cats on screen  ', cats)} (goal < 1000 ms: {verdict})")
    print(f"{summary('same, server in-process   ', same)} (no server child)")
    print(f"{summary('bare Textual app frame    ', floor)}")
    print(f"{summary('cats fetched, no dashboard', fetch)} (in-process server floor)")
    print(
        f"cats on screen / slower floor: {median_cats / max(bare, server):.2f}× "
        "(the dashboard's own cost on top of starting the server and Textual)"
    )


if __name__ == "__main__":
    main()
