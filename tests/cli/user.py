"""The real `purrr` in a subprocess, as a user runs it: its own HOME, config and data dirs, no
keyring, the suite's hermetic environment (tests/environment.py). Shared by the end-to-end CLI
tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
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
