"""A health device posting to a real hosted `python -m purrr_server` over TCP with its own key,
and its alert arriving on the owner's live event stream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import GENOTYPE
from tests.server.test_real_server import Server


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "hosted", "--hosted").start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_device_posts_over_real_http_and_the_alert_is_streamed(hosted: Server) -> None:
    async with httpx.AsyncClient(base_url=hosted.url, timeout=10) as owner:
        r = await owner.post(
            "/api/v1/auth/register",
            headers={"Idempotency-Key": "dev-1"},
            json={"username": "vet", "email": "vet@example.com", "password": "really secret"},
        )
        assert r.status_code == 201, r.text
        login = await owner.post(
            "/api/v1/auth/login",
            headers={"Idempotency-Key": "dev-2"},
            json={"username": "vet", "password": "really secret"},
        )
        owner.headers["Authorization"] = f"Bearer {login.json()['data']['access_token']}"
        cat = (
            await owner.post(
                "/api/v1/cats",
                headers={"Idempotency-Key": "dev-3"},
                json={"name": "Patient", "personality_type": "lazy", "genotype": GENOTYPE},
            )
        ).json()["data"]
        device = (
            await owner.post(
                f"/api/v1/cats/{cat['id']}/devices",
                headers={"Idempotency-Key": "dev-4"},
                json={"device_type": "collar_sensor"},
            )
        ).json()["data"]

    path = f"/api/v1/cats/{cat['id']}/devices/{device['id']}/readings"
    async with httpx.AsyncClient(base_url=hosted.url, timeout=10) as collar:
        wrong = await collar.post(
            path, headers={"X-Device-Key": "pd_" + "1" * 64}, json={"heart_rate_bpm": 150}
        )
        assert wrong.status_code == 401
        r = await collar.post(
            path,
            headers={"X-Device-Key": device["device_key"], "Idempotency-Key": "collar-1"},
            json={"heart_rate_bpm": 139, "temperature_f": 102.5},
        )
        assert r.status_code == 201, r.text
        assert r.headers["X-RateLimit-Limit"] == "100"
        assert [(a["metric"], a["kind"]) for a in r.json()["data"]["alerts"]] == [
            ("heart_rate_bpm", "low")
        ]

    async with httpx.AsyncClient(base_url=hosted.url, timeout=10) as owner:
        owner.headers["Authorization"] = f"Bearer {login.json()['data']['access_token']}"
        async with owner.stream("GET", "/api/v1/events", params={"timeout": 5}) as stream:
            types: list[str] = []
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    types.append(line[7:])
                if "device.alert" in types:
                    break
        assert "device.alert" in types
