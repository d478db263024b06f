"""The real `purrr` in a subprocess, as a user runs it: its own HOME, config and data dirs, no
keyring, the suite's hermetic environment (tests/environment.py). Shared by the end-to-end CLI
tests."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.environment import hermetic

Purrr = Callable[..., subprocess.CompletedProcess[str]]


def user_env(home: Path, **settings: str) -> dict[str, str]:
    """A clean environment for a user whose home is `home`, plus `settings` (e.g. PURRR_NOW)."""
    return hermetic(
        os.environ,
        HOME=str(home),
        PURRR_CONFIG_DIR=str(home / "config"),
        PURRR_DATA_DIR=str(home / "data"),
        **settings,
    )


def run_purrr(
    env: dict[str, str], *args: str, stdin: str = "", timeout: float = 120, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`purrr ARGS` (stdin never a terminal); `settings` override the environment for this run."""
    return subprocess.run(
        [sys.executable, "-m", "purrr_cli", *args],
        env={**env, **settings},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env["HOME"],
    )


def ok_json(done: subprocess.CompletedProcess[str]) -> Any:
    """The JSON a successful command printed (the assertion shows stderr when it failed)."""
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def run_in_process(
    env: dict[str, str], *args: str, stdin: str = "", **settings: str
) -> subprocess.CompletedProcess[str]:
    """`purrr ARGS` as `run_purrr` runs it, but in this process: the same command tree and the
    same in-process server on the user's data dir, in the user's environment, without a Python
    start-up (~1.5 s, most of it importing FastAPI) per command. For a test's set-up, and for
    tests of what a command prints rather than of the process (the `purrr_in_process` fixture);
    the end-to-end tests run the commands they are about in a real subprocess."""
    import io

    from purrr_cli import client, output
    from purrr_cli.app import run

    saved, stdout, stderr = dict(os.environ), io.StringIO(), io.StringIO()
    transport, client.default_transport = client.default_transport, None
    os.environ.clear()
    os.environ.update({**env, **settings})
    output.options.__init__()  # type: ignore[misc]
    try:
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            _stdin(io.StringIO(stdin)),
        ):
            code = run(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        output.options.__init__()  # type: ignore[misc]
        client.default_transport = transport
    return subprocess.CompletedProcess(["purrr", *args], code, stdout.getvalue(), stderr.getvalue())


@contextlib.contextmanager
def _stdin(replacement: Any) -> Iterator[None]:
    saved, sys.stdin = sys.stdin, replacement
    try:
        yield
    finally:
        sys.stdin = saved
