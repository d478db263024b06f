"""A throw-away PostgreSQL 15 cluster for the tests: one per test process, on a Unix socket in a
temporary directory, no TCP, no fsync. Each test gets a fresh database copied from a migrated
template (`CREATE DATABASE … TEMPLATE`, milliseconds), dropped when the test ends.

`initdb` refuses to run as root: as root the cluster runs as the `postgres` user (`runuser`).
Missing binaries are an error, never a skip: CI (`.ci/run`) installs the `postgresql` package.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
TEMPLATE = "purrr_template"


def find_bin() -> Path:
    """The directory of `initdb` and `pg_ctl` (PostgreSQL 15's, else any on PATH)."""
    for directory in BIN_DIRS:
        if (directory / "initdb").exists():
            return directory
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError(
        "PostgreSQL's initdb was not found: the store and server tests run against PostgreSQL "
        "too. Install it (`apt-get install postgresql`, which .ci/run does) and run again."
    )


class Cluster:
    """One running cluster (see the module docstring)."""

    def __init__(self) -> None:
        self.bin = find_bin()
        self.root = Path(tempfile.mkdtemp(prefix="purrr-pg-"))
        self.data = self.root / "data"
        self.socket = self.root
        self.as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self.started = False

    def _run(self, *args: str) -> None:
        command = [*self._prefix(), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
        )
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket}'"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )
        self.started = True
        self._watch()
        from purrr_server.store.migrate import migrate

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        migrate(self.url(TEMPLATE))

    def _watch(self) -> None:
        """`pg_ctl` detaches the server: should this test process die without its teardown
        (killed by a timeout, Ctrl-C twice), a watchdog stops the cluster and removes it."""
        stop = [*self._prefix(), str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate"]
        code = (
            "import os, shutil, subprocess, sys, time\n"
            f"pid, stop, root = {os.getpid()}, {[*stop, 'stop']!r}, {str(self.root)!r}\n"
            "while os.path.isdir(root):\n"
            "    try:\n"
            "        os.kill(pid, 0)\n"
            "    except ProcessLookupError:\n"
            "        subprocess.run(stop, capture_output=True)\n"
            "        shutil.rmtree(root, ignore_errors=True)\n"
            "        break\n"
            "    time.sleep(1)\n"
        )
        subprocess.Popen(
            [sys.executable, "-c", code],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _prefix(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if self.as_root else []

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.encode())

    def new_database(self) -> str:
        """A fresh, migrated database's URL."""
        name = f"purrr_test_{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.split("?")[0].rsplit("/", 1)[-1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            if self.started:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def count_round_trips(monkeypatch: Any) -> list[bool]:
    """One entry per round trip the PostgreSQL driver waits for from now on (True: a
    pipeline), through `monkeypatch` (a pytest MonkeyPatch)."""
    from purrr_server.store.drivers import postgresql

    seen: list[bool] = []
    real = postgresql._results

    async def counted(state: Any, pipeline: bool = False) -> Any:
        seen.append(pipeline)
        return await real(state, pipeline)

    monkeypatch.setattr(postgresql, "_results", counted)
    return seen
