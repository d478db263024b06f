"""Fingerprints (`actions.fingerprint`) are stored with idempotency keys, action-log rows and
sync mutations and compared with new ones, so their canonical text never changes: orjson makes
it only when its bytes equal the standard library's."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from purrr_server.actions import fingerprint


def reference(name: str, args: dict[str, Any]) -> str:
    canonical = json.dumps([name, args], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"cat_id": 7, "description": "sleepy", "version": None, "is_public": True},
        {"z": 1, "a": {"y": [3, 2, {"b": 1, "a": 2}], "x": False}},
        {"name": "Mønster 猫"},  # non-ASCII: the standard library escapes it
        {"name": 'quote " and \\ backslash'},
        {"name": "tab\tnew\nline\x01\x7f"},
        {"amount": 1.5, "big": 1e16, "small": 1e-7, "third": 1 / 3},
        {"id": 2**70},  # beyond 64 bits: orjson refuses it
        {"id": -(2**63)},
        {"when": "2026-01-01T00:00:00+00:00", "list": [], "empty": ""},
    ],
)
def test_a_fingerprint_is_the_standard_librarys(args: dict[str, Any]) -> None:
    assert fingerprint("cats.update", args) == reference("cats.update", args)
