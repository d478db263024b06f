"""The suite's own environment (tests/conftest.py): what every process it starts inherits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_process_the_suite_starts_caches_bytecode_outside_the_tree() -> None:
    """With `PYTHONDONTWRITEBYTECODE` in the shell, each server and `purrr` subprocess would
    compile all of purrr again; the run shares a temporary bytecode cache instead."""
    probe = "import json, sys; print(json.dumps([sys.dont_write_bytecode, sys.pycache_prefix]))"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=dict(os.environ), capture_output=True, text=True
    )
    dont_write, prefix = json.loads(out.stdout)
    assert dont_write is False
    if prefix is not None:
        assert not Path(prefix).resolve().is_relative_to(ROOT)
        assert Path(prefix).is_dir()
