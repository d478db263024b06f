"""Behaviour learning: preferences, consistency and mood by hour, deterministic and honest."""

from __future__ import annotations

import random
from typing import Any

from purrr_core.insights import learn


def _records(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        activity, kind, gain = rng.choice(
            [("laser_pointer", "play", 15), ("petting", "social", 5), ("nap", "solitude", 2)]
        )
        out.append(
            {
                "type": "play" if kind == "play" else "pet",
                "activity": activity,
                "kind": kind,
                "hour": rng.choice([8, 9, 20]),
                "happiness_delta": gain + rng.randint(-2, 2),
                "mood_before": 70 if rng.random() < 0.5 else 60,
            }
        )
    out += [
        {
            "type": "feed",
            "activity": food,
            "kind": "care",
            "hour": 8,
            "happiness_delta": gain,
            "mood_before": 65,
        }
        for food, gain in [("salmon", 25), ("salmon", 23), ("milk", 10)]
    ]
    return out


def test_empty_history() -> None:
    result = learn([], "playful")
    assert result["interactions"] == 0 and result["confidence"] == 0
    assert result["preferences"]["activities"] == []
    assert result["personality"]["consistency"] is None
    assert {m["mood"] for m in result["predicted_mood"]} == {50}


def test_preferences_are_ranked_and_order_independent() -> None:
    records = _records(60)
    result = learn(records, "playful")
    assert result["preferences"]["activities"][0]["activity"] == "laser_pointer"
    assert result["preferences"]["foods"][0]["food"] == "salmon"
    assert learn(list(reversed(records)), "playful") == result


def test_confidence_grows_with_data() -> None:
    few, many = learn(_records(5), "playful"), learn(_records(200), "playful")
    assert few["confidence"] < many["confidence"] < 1
    assert few["predicted_mood"][8]["confidence"] < many["predicted_mood"][8]["confidence"]


def test_playful_behaviour_fits_playful_best() -> None:
    result = learn(_records(120), "lazy")
    assert result["personality"]["behaves_like"] == "playful"
    assert result["personality"]["consistency"] < 100
    assert learn(_records(120), "playful")["personality"]["consistency"] == 100


def test_mood_prediction_follows_observations() -> None:
    records = [
        {
            "type": "pet",
            "activity": "petting",
            "kind": "social",
            "hour": 20,
            "happiness_delta": 5,
            "mood_before": 90,
        }
    ] * 30 + [
        {
            "type": "pet",
            "activity": "petting",
            "kind": "social",
            "hour": 8,
            "happiness_delta": 5,
            "mood_before": 30,
        }
    ] * 30
    mood = {m["hour"]: m["mood"] for m in learn(records, "playful")["predicted_mood"]}
    assert mood[20] > 80 and mood[8] < 40 and 40 <= mood[14] <= 70
