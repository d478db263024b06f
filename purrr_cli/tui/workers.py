"""Typing help for Textual workers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from textual.worker import WorkType


def as_work(job: Callable[[], Coroutine[Any, Any, None]]) -> WorkType[None]:
    """`job` typed as the worker callable it is (mypy cannot infer `run_worker`'s result type)."""
    return job
