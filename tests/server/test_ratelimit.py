"""Rate limits by tier: headers, 429 with Retry-After, temporary bans that survive restarts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from purrr_server.app import close_app
from purrr_server.ratelimit import RateLimiter
from tests.server.conftest import make_settings, register_and_login


def test_fixed_window_counts_and_resets() -> None:
    limiter = RateLimiter(window=3600, ban_after=3, ban_seconds=600)
    decisions = [limiter.check("u", 2, 7200.0) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[0].headers()["X-RateLimit-Remaining"] == "1"
    assert decisions[2].headers()["Retry-After"] == "3601"
    assert limiter.check("u", 2, 10800.0).allowed  # next window


def test_repeated_violations_ban() -> None:
    limiter = RateLimiter(window=3600, ban_after=2, ban_seconds=600)
    limiter.check("u", 1, 0.0)
    assert not limiter.check("u", 1, 1.0).newly_banned
    banned = limiter.check("u", 1, 2.0)
    assert banned.newly_banned and banned.retry_after == 600
    assert limiter.check("u", 1, 500.0).banned
    assert limiter.check("u", 1, 3700.0).allowed  # the ban is over, a new window began


async def test_hosted_limits_with_headers_429_and_ban(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> None:
    settings = make_settings(
        tmp_path / "rl", hosted=True, tier_limits={"free": 3}, ban_after_violations=2
    )
    app = make_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        token = await register_and_login(c, "limited")
        auth = {"Authorization": f"Bearer {token}"}
        ok = [await c.get("/api/v1/cats", headers=auth) for _ in range(3)]
        assert [r.headers["X-RateLimit-Remaining"] for r in ok] == ["2", "1", "0"]
        assert all(r.headers["X-RateLimit-Limit"] == "3" for r in ok)
        over = await c.get("/api/v1/cats", headers=auth)
        assert over.status_code == 429 and over.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
        assert int(over.headers["Retry-After"]) > 0
        banned = await c.get("/api/v1/cats", headers=auth)
        assert banned.status_code == 429 and "banned" in banned.json()["error"]["message"]
        events = await app.state.runtime.store.read.security.recent()
        assert "rate_limit_ban" in [e["type"] for e in events]
    await close_app(app)  # a restart: the ban was persisted, not only kept in memory
    restarted = make_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=restarted), base_url="http://t"
    ) as c:
        r = await c.get("/api/v1/cats", headers=auth)
        assert r.status_code == 429 and "banned" in r.json()["error"]["message"]


async def test_no_rate_limit_and_local_mode_are_unlimited(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> None:
    for settings in (
        make_settings(tmp_path / "a", hosted=True, rate_limit=False, tier_limits={"free": 1}),
        make_settings(tmp_path / "b", tier_limits={"free": 1, "enterprise": 1}),
    ):
        app = make_app(settings)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            if settings.hosted:
                token = await register_and_login(c, "free")
            else:
                token = settings.token_path.read_text().strip()
            for _ in range(3):
                r = await c.get("/api/v1/cats", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200 and "X-RateLimit-Limit" not in r.headers
