"""The real `purrr` in a subprocess, as a user runs it: its own HOME, config and data dirs, no
keyring, no inherited PURRR_* settings. Shared by the end-to-end CLI tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Purrr = Callable[..., subprocess.CompletedProcess[str]]


def user_env(home: Path, **settings: str) -> dict[str, str]:
    """A clean environment for a user whose home is `home`, plus `settings` (e.g. PURRR_NOW)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PURRR_", "NO_COLOR"))}
    env.update(
        HOME=str(home),
        PURRR_CONFIG_DIR=str(home / "config"),
        PURRR_DATA_DIR=str(home / "data"),
        PURRR_NO_KEYRING="1",
    )
    env.update(settings)
    return env


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
