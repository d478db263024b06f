from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from purrr_core import Cat

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make_cat(**fields: object) -> Cat:
    base: dict[str, object] = {
        "id": 1,
        "name": "Whiskers",
        "personality_type": "playful",
        "born_at": NOW,
        "decayed_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
        "hunger": 50,
    }
    base.update(fields)
    return Cat.model_validate(base)


@pytest.fixture
def cat() -> Cat:
    return make_cat()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(42)
