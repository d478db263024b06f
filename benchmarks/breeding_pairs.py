"""Breeding-pairs benchmark (not a test): `GET /api/v1/breeding/pairs` for a player with 200 cats.

Builds, in-process on a temporary data dir, 200 cats: founders with seeded random genomes plus
the kittens of natural breedings between them (so some pairs are related and need a pedigree
walk), then times the endpoint: every male x female pair ranked by compatibility and COI, the
page's pairs with their exact predicted distribution. Goal: < 2 s (docs/breeding.md).

    python benchmarks/breeding_pairs.py [--cats 200] [--limit 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from purrr_core.breeding import ADULT_AGE, COOLDOWN
from purrr_server.app import create_app
from purrr_server.settings import Settings

API = "/api/v1"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PERSONALITIES = ("playful", "aloof", "curious", "lazy", "territorial", "social_butterfly")
BREEDS = ("domestic_shorthair", "siamese", "persian", "maine_coon")
GOAL_SECONDS = 2.0


async def adopt(client: httpx.AsyncClient, rng: random.Random, number: int, sex: str) -> int:
    body = {
        "name": f"Cat {number}",
        "sex": sex,
        "personality_type": rng.choice(PERSONALITIES),
        "breed": rng.choice(BREEDS),
    }
    r = await client.post(f"{API}/cats", json=body)
    r.raise_for_status()
    return int(r.json()["data"]["id"])


async def populate(client: httpx.AsyncClient, settings: Settings, cats: int) -> None:
    """Founders, one round of litters, then founders again up to `cats` cats."""
    rng = random.Random(2026)
    founders = cats * 7 // 10
    males = [await adopt(client, rng, n, "male") for n in range(founders // 2)]
    females = [await adopt(client, rng, n, "female") for n in range(founders // 2, founders)]
    for sire, dam in zip(males[: founders // 8], females, strict=False):
        body = {"sire_id": sire, "dam_id": dam, "seed": rng.randrange(2**32)}
        (await client.post(f"{API}/breeding/breed", json=body)).raise_for_status()
    settings.pinned_now = START + timedelta(days=1) + COOLDOWN + ADULT_AGE
    (await client.get(f"{API}/breeding/status")).raise_for_status()
    count = len((await client.get(f"{API}/cats", params={"limit": 1000})).json()["data"])
    for n in range(count, cats):
        await adopt(client, rng, 1000 + n, rng.choice(("male", "female")))


async def timed(client: httpx.AsyncClient, limit: int) -> tuple[float, float, int, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    r = await client.get(f"{API}/breeding/pairs", params={"limit": limit})
    r.raise_for_status()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, int(r.headers["X-Total-Count"]), len(r.json()["data"])


async def main(cats: int, limit: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), pinned_now=START, rate_limit=False)
        app = create_app(settings)
        token = settings.token_path.read_text().strip()
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as client:
                await populate(client, settings, cats)
                listed = (await client.get(f"{API}/cats", params={"limit": 1000})).json()["data"]
                related = sum(1 for c in listed if c["sire_id"] is not None)
                print(f"GET /breeding/pairs for {len(listed)} cats ({related} born of breedings)")
                worst = 0.0
                for label, page in (("cold", limit), ("warm", limit), ("limit=200", 200)):
                    wall, cpu, total, shown = await timed(client, page)
                    worst = max(worst, wall)
                    print(
                        f"  {label:10} {wall * 1000:7.0f} ms wall {cpu * 1000:7.0f} ms CPU "
                        f"({total} pairs ranked, {shown} with predictions)"
                    )
                print(f"  goal < {GOAL_SECONDS:.0f} s: {'ok' if worst < GOAL_SECONDS else 'OVER'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cats", type=int, default=200)
    parser.add_argument("--limit", type=int, default=20)
    options = parser.parse_args()
    asyncio.run(main(options.cats, options.limit))
