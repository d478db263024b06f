"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis): whatever a
client sends to any operation, the server answers 2xx/4xx in the envelope, never 5xx.

The CI run tries a few examples per operation (well under a minute); the `slow` run tries many
more (`python -m pytest -m slow tests/server/test_fuzz.py`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")

from purrr_server.app import create_app  # noqa: E402
from tests.server.conftest import make_settings  # noqa: E402

_DATA = Path(tempfile.mkdtemp(prefix="purrr-fuzz-"))
_SETTINGS = make_settings(_DATA / "data")
APP = create_app(_SETTINGS)
AUTH = {"Authorization": f"Bearer {_SETTINGS.token_path.read_text().strip()}"}
# Linking and syncing call out to the remote URL they are given: not fuzzed (tests/sync covers
# them against a real remote), and no fuzz run ever reaches the network.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(
    path_regex=r"^/api/v1/sync/(link|run)$"
)
COMMON = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
    "database": None,
}


def _no_server_error(case: Any) -> None:
    response = case.call(headers=AUTH)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
    if response.status_code >= 400 and response.headers.get("content-type", [""])[0].startswith(
        "application/json"
    ):
        body = response.json()
        assert body["success"] is False and body["error"]["code"], body


@schema.parametrize()
@settings(max_examples=4, **COMMON)
def test_no_operation_answers_5xx(case: Any) -> None:
    _no_server_error(case)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=200, **COMMON)
def test_no_operation_answers_5xx_long_run(case: Any) -> None:
    _no_server_error(case)
