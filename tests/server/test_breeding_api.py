"""Breeding over HTTP: rules and every refusal, lazy completion on a pinned clock, kittens,
determinism from the seed, coins, pairs, predictions, crosses and pedigrees."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_core import adopt as core_adopt
from purrr_core.breeding import ADULT_AGE, COOLDOWN, METHODS, breed_litter
from purrr_core.genetics import coi_from_pedigree
from purrr_server.settings import Settings
from tests.contract import PHENOTYPE_KEYS
from tests.server.conftest import NOW, _serve, idem, make_settings, register_and_login

API = "/api/v1"
SIRE = "o/Y B/b D/d A/a Mc/mc S/w L/l"
DAM = "O/o B/b D/d a/a Mc/mc w/w C/cs L/l"
DUE = NOW + METHODS["natural"].duration


def find_seed(wanted: str, success: Fraction = METHODS["natural"].success) -> int:
    """A seed whose natural breeding of SIRE x DAM fails, or gives a daughter among >= 2 kittens
    (sex and success depend only on the genotypes and the seed, not on stats)."""
    sire = core_adopt("S", "playful", now=NOW, rng=random.Random(0), genotype=SIRE)
    dam = core_adopt("D", "curious", now=NOW, rng=random.Random(0), genotype=DAM)
    for seed in range(1000):
        litter = breed_litter(
            sire, dam, seed=seed, success=success, coi=Fraction(0), born_at=NOW, name_prefix="k"
        )
        if wanted == "fail" and not litter.success:
            return seed
        sexes = [k.sex for k in litter.kittens]
        if wanted == "daughter" and "female" in sexes and len(sexes) >= 2:
            return seed
    raise AssertionError(f"no seed for {wanted}")


SUCCESS_SEED = find_seed("daughter")
FAIL_SEED = find_seed("fail")


@pytest.fixture
def clock(settings: Settings) -> Settings:
    """The app's settings: move `clock.pinned_now` to let time pass."""
    return settings


async def cat(client: httpx.AsyncClient, name: str, genotype: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "personality_type": "playful", "genotype": genotype, **fields}
    r = await client.post(f"{API}/cats", json=body, headers=idem())
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


async def pair(client: httpx.AsyncClient, suffix: str = "", *, fed: bool = True) -> tuple[int, int]:
    """A compatible pair, fed so that their condition leaves the method's success as it is."""
    sire = await cat(client, f"Tom{suffix}", SIRE, breed="maine_coon")
    dam = await cat(client, f"Kitty{suffix}", DAM, personality_type="curious", breed="siamese")
    for one in (sire, dam) if fed else ():
        r = await client.post(f"{API}/cats/{one['id']}/feed", json={"quantity": 2}, headers=idem())
        assert r.status_code == 200, r.text
    return sire["id"], dam["id"]


async def test_a_hungry_pair_breeds_less_often(client: httpx.AsyncClient) -> None:
    """docs/balance.md "Breeding": success × the parents' condition (new cats are hungry)."""
    sire, dam = await pair(client, fed=False)
    shown = data(
        await client.get(f"{API}/genetics/predict", params={"sire_id": sire, "dam_id": dam})
    )
    assert shown["condition_factor"] == 0.6 and shown["success_rate"] == 0.36
    assert shown["success_rates"]["genetic_enhancement"] == 0.57
    started = data(await breed(client, sire, dam), 201)
    assert started["success_probability"] == 0.36
    assert started["breeding"]["success_probability"] == 0.36


async def breed(client: httpx.AsyncClient, sire: int, dam: int, **body: Any) -> httpx.Response:
    return await client.post(
        f"{API}/breeding/breed", headers=idem(), json={"sire_id": sire, "dam_id": dam, **body}
    )


def data(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()["data"]


def refused(r: httpx.Response, status: int, code: str, *words: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code
    for word in words:
        assert word in error["message"], error["message"]
    return dict(error)


async def coins(client: httpx.AsyncClient) -> int:
    return int(data(await client.get(f"{API}/economy/balance"))["coins"])


# --- starting and completing -----------------------------------------------------------------


async def test_breed_returns_the_documented_fields(client: httpx.AsyncClient) -> None:
    sire, dam = await pair(client)
    started = data(await breed(client, sire, dam, method="natural"), 201)
    assert set(started) >= {"breeding_id", "estimated_completion", "success_probability"}
    assert started["success_probability"] == 0.6
    assert datetime.fromisoformat(started["estimated_completion"]) == DUE
    assert started["breeding"]["status"] == "pending"
    assert started["breeding"]["cost"] == 0


async def test_lazy_completion_gives_kittens_with_genome_parents_and_coi(
    client: httpx.AsyncClient, clock: Settings
) -> None:
    sire, dam = await pair(client)
    started = data(await breed(client, sire, dam, seed=SUCCESS_SEED), 201)
    breeding_id = started["breeding_id"]
    clock.pinned_now = DUE - timedelta(minutes=1)
    early = data(await client.get(f"{API}/breeding/{breeding_id}"))
    assert early["status"] == "pending" and early["kittens"] == []
    clock.pinned_now = DUE + timedelta(hours=2)
    done = data(await client.get(f"{API}/breeding/{breeding_id}"))
    assert done["status"] == "completed"
    assert datetime.fromisoformat(done["completed_at"]) == DUE
    assert done["litter_size"] == len(done["kitten_ids"]) == len(done["kittens"]) >= 2
    for kitten in done["kittens"]:
        shown = data(await client.get(f"{API}/cats/{kitten['id']}"))
        for view in (kitten, shown):
            assert view["sire_id"] == sire and view["dam_id"] == dam
            assert view["generation"] == 1
            assert view["coi"] == 0.0
            assert set(view["phenotype"]) == PHENOTYPE_KEYS
            assert view["sex"] in ("male", "female")
            assert view["genotype"].startswith(
                ("O/Y", "o/Y") if view["sex"] == "male" else ("O/O", "O/o", "o/o")
            )
            assert datetime.fromisoformat(view["born_at"]) == DUE
    # the sons get their X from the dam only
    for kitten in done["kittens"]:
        if kitten["sex"] == "male":
            assert kitten["genotype"].split()[0] in ("O/Y", "o/Y")


async def test_failure_is_recorded_without_kittens(
    client: httpx.AsyncClient, clock: Settings
) -> None:
    sire, dam = await pair(client)
    breeding_id = data(await breed(client, sire, dam, seed=FAIL_SEED), 201)["breeding_id"]
    clock.pinned_now = DUE
    failed = data(await client.get(f"{API}/breeding/{breeding_id}"))
    assert failed["status"] == "failed"
    assert failed["kitten_ids"] == [] and failed["reason"]
    assert len(data(await client.get(f"{API}/cats"))) == 2


async def test_releasing_a_parent_fails_the_breeding(
    client: httpx.AsyncClient, clock: Settings
) -> None:
    sire, dam = await pair(client)
    breeding_id = data(await breed(client, sire, dam, seed=SUCCESS_SEED), 201)["breeding_id"]
    assert (await client.delete(f"{API}/cats/{sire}", headers=idem())).status_code == 200
    clock.pinned_now = DUE
    failed = data(await client.get(f"{API}/breeding/{breeding_id}"))
    assert failed["status"] == "failed" and "released" in failed["reason"]


async def test_any_action_completes_due_breedings(
    client: httpx.AsyncClient, clock: Settings
) -> None:
    sire, dam = await pair(client)
    await breed(client, sire, dam, seed=SUCCESS_SEED)
    clock.pinned_now = DUE + timedelta(days=1)
    r = await client.post(f"{API}/cats/{sire}/pet", headers=idem())
    assert r.status_code == 200, r.text
    cats = data(await client.get(f"{API}/cats"))
    assert len(cats) > 2
    assert all(c["generation"] == 1 for c in cats[2:])
    events = data(await client.get(f"{API}/events/poll"))["events"]
    kinds = [e["type"] for e in events]
    assert "breeding.started" in kinds and "breeding.completed" in kinds and "cat.born" in kinds


async def test_a_plain_cat_list_shows_the_kittens_once_due(
    client: httpx.AsyncClient, clock: Settings
) -> None:
    sire, dam = await pair(client)
    await breed(client, sire, dam, seed=SUCCESS_SEED)
    clock.pinned_now = DUE - timedelta(minutes=1)
    assert len(data(await client.get(f"{API}/cats"))) == 2
    clock.pinned_now = DUE + timedelta(minutes=1)
    cats = data(await client.get(f"{API}/cats"))
    assert len(cats) > 2 and {c["dam_id"] for c in cats[2:]} == {dam}
    assert len(data(await client.get(f"{API}/cats"))) == len(cats)  # completed exactly once


async def test_same_seed_same_litter_on_another_server(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> None:
    litters = []
    for run in ("a", "b"):
        settings = make_settings(tmp_path / run)
        app = make_app(settings)
        token = settings.token_path.read_text().strip()
        async for client in _serve(app, {"Authorization": f"Bearer {token}"}):
            sire, dam = await pair(client)
            breeding_id = data(await breed(client, sire, dam, seed=SUCCESS_SEED), 201)[
                "breeding_id"
            ]
            settings.pinned_now = DUE + timedelta(days=3)
            done = data(await client.get(f"{API}/breeding/{breeding_id}"))
            litters.append(
                [
                    {
                        k: kitten[k]
                        for k in (
                            "genotype",
                            "sex",
                            "personality_type",
                            "intelligence",
                            "strength",
                            "agility",
                            "charisma",
                            "social",
                            "mutations",
                        )
                    }
                    for kitten in done["kittens"]
                ]
            )
    assert litters[0] == litters[1] and litters[0]


async def test_parents_rest_after_breeding_and_kittens_grow_up(
    client: httpx.AsyncClient, clock: Settings
) -> None:
    sire, dam = await pair(client)
    await breed(client, sire, dam, seed=SUCCESS_SEED)
    shown = data(await client.get(f"{API}/cats/{sire}"))
    assert datetime.fromisoformat(shown["breeding_cooldown_until"]) == DUE + COOLDOWN
    clock.pinned_now = DUE + timedelta(hours=1)
    refused(await breed(client, sire, dam), 409, "CONFLICT", "resting after a breeding")
    clock.pinned_now = DUE + COOLDOWN
    data(await breed(client, sire, dam, seed=FAIL_SEED), 201)
    kittens = [c for c in data(await client.get(f"{API}/cats")) if c["generation"] == 1]
    daughter = next(k for k in kittens if k["sex"] == "female")
    other = await cat(client, "Stranger", "o/Y", breed="persian")
    too_young = refused(
        await breed(client, other["id"], daughter["id"]), 409, "CONFLICT", "still a kitten"
    )
    assert datetime.fromisoformat(too_young["details"]["adult_at"]) == DUE + ADULT_AGE
    clock.pinned_now = DUE + ADULT_AGE
    data(await breed(client, other["id"], daughter["id"]), 201)


# --- refusals --------------------------------------------------------------------------------


async def test_each_refusal_names_its_cause(client: httpx.AsyncClient) -> None:
    sire, dam = await pair(client)
    refused(await breed(client, dam, sire), 422, "VALIDATION_ERROR", "sire must be male")
    other_male = await cat(client, "Max", "o/Y")
    refused(
        await breed(client, sire, other_male["id"]), 422, "VALIDATION_ERROR", "dam must be female"
    )
    refused(await breed(client, sire, sire), 422, "VALIDATION_ERROR", "both sire and dam")
    refused(await breed(client, sire, 999), 404, "NOT_FOUND", "cat 999")
    refused(
        await breed(client, sire, dam, method="magic"),
        422,
        "VALIDATION_ERROR",
        "unknown method 'magic'",
        "genetic_enhancement",
    )
    r = await client.post(f"{API}/breeding/breed", headers=idem(), json={"sire_id": sire})
    refused(r, 422, "VALIDATION_ERROR", "dam_id is required")
    data(await breed(client, sire, dam), 201)
    third = await cat(client, "Mia", "o/o", personality_type="lazy")
    refused(await breed(client, sire, third["id"]), 409, "CONFLICT", "already in breeding 1")


async def test_a_cat_on_patrol_cannot_breed(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> None:
    evening = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    settings = make_settings(tmp_path / "night", pinned_now=evening)
    app = make_app(settings)
    token = settings.token_path.read_text().strip()
    async for client in _serve(app, {"Authorization": f"Bearer {token}"}):
        sire, dam = await pair(client)
        r = await client.post(f"{API}/night-watch/deploy", headers=idem(), json={"cat_ids": [sire]})
        assert r.status_code == 201, r.text
        refused(await breed(client, sire, dam), 409, "CONFLICT", "Night Watch patrol")
        pairs = data(await client.get(f"{API}/breeding/pairs"))
        assert "Night Watch patrol" in pairs[0]["blocked_reason"]


async def test_inbred_pair_below_minimum_compatibility_is_refused(
    client: httpx.AsyncClient, clock: Settings
) -> None:
    sire = (await cat(client, "Dad", SIRE, personality_type="territorial"))["id"]
    dam = (await cat(client, "Mum", DAM, personality_type="territorial"))["id"]
    await breed(client, sire, dam, seed=SUCCESS_SEED)
    clock.pinned_now = DUE + COOLDOWN + ADULT_AGE
    assert data(await client.get(f"{API}/breeding/1"))["status"] == "completed"
    kittens = [c for c in data(await client.get(f"{API}/cats")) if c["generation"] == 1]
    daughter = next(k for k in kittens if k["sex"] == "female")
    predicted = data(
        await client.get(
            f"{API}/genetics/predict", params={"sire_id": sire, "dam_id": daughter["id"]}
        )
    )
    assert predicted["coi_fraction"] == "1/4" and predicted["inbreeding"]["level"] == "severe"
    assert predicted["compatibility"] < 20 and not predicted["can_breed"]
    error = refused(
        await breed(client, sire, daughter["id"]),
        422,
        "VALIDATION_ERROR",
        "compatibility",
        "below the minimum of 20",
        "1/4",
    )
    assert error["details"]["coi"] == "1/4"


# --- coins -----------------------------------------------------------------------------------


async def test_paid_methods_charge_coins_in_the_ledger(client: httpx.AsyncClient) -> None:
    before = await coins(client)
    sire, dam = await pair(client)
    started = data(await breed(client, sire, dam, method="ai_assisted"), 201)
    assert started["success_probability"] == 0.8 and started["breeding"]["cost"] == 100
    assert await coins(client) == before - 100
    ledger = data(await client.get(f"{API}/economy/ledger"))
    assert ledger[0]["amount"] == -100 and ledger[0]["reason"] == "breeding (ai_assisted)"


async def test_legacy_field_names_are_accepted(client: httpx.AsyncClient) -> None:
    sire, dam = await pair(client)
    r = await client.post(
        f"{API}/breeding/breed",
        headers=idem(),
        json={"father_id": sire, "mother_id": dam, "breeding_method": "genetic_enhancement"},
    )
    started = data(r, 201)
    assert started["success_probability"] == 0.95 and started["breeding"]["cost"] == 250


async def test_a_refusal_changes_nothing(client: httpx.AsyncClient) -> None:
    for n in range(4):
        sire, dam = await pair(client, str(n))
        data(await breed(client, sire, dam, method="genetic_enhancement"), 201)
    assert await coins(client) == 0
    sire, dam = await pair(client, "broke")
    before_cats = [data(await client.get(f"{API}/cats/{i}")) for i in (sire, dam)]
    ledger_before = data(await client.get(f"{API}/economy/ledger"))
    refused(
        await breed(client, sire, dam, method="genetic_enhancement"),
        409,
        "CONFLICT",
        "not enough coins",
        "need 250",
    )
    assert [data(await client.get(f"{API}/cats/{i}")) for i in (sire, dam)] == before_cats
    assert data(await client.get(f"{API}/economy/ledger")) == ledger_before
    assert len(data(await client.get(f"{API}/breeding/history"))) == 4
    data(await breed(client, sire, dam), 201)  # natural is free


async def test_starting_a_breeding_counts_for_quests(client: httpx.AsyncClient) -> None:
    sire, dam = await pair(client)
    await breed(client, sire, dam)
    quests = data(await client.get(f"{API}/quests"))
    matchmaker = next(q for q in quests if q["id"] == "matchmaker")
    assert matchmaker["requirements"][0]["text"] == "breedings: 1/3"


async def test_a_hosted_server_rolls_its_own_seed(anon: httpx.AsyncClient) -> None:
    token = await register_and_login(anon, "breeder")
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    for name, genotype in (("Tom", SIRE), ("Kitty", DAM)):
        r = await anon.post(
            f"{API}/cats",
            headers={**headers, **idem()},
            json={"name": name, "personality_type": "playful", "genotype": genotype},
        )
        ids.append(r.json()["data"]["id"])
    r = await anon.post(
        f"{API}/breeding/breed",
        headers={**headers, **idem()},
        json={"sire_id": ids[0], "dam_id": ids[1], "seed": 1},
    )
    refused(r, 422, "VALIDATION_ERROR", "seed")


# --- reads -----------------------------------------------------------------------------------


async def test_pairs_are_ranked_with_predictions(client: httpx.AsyncClient) -> None:
    await pair(client, "1")
    await cat(client, "Bandit", "o/Y S/w", personality_type="territorial", breed="siamese")
    await cat(client, "Tess", "O/O", personality_type="territorial", breed="siamese")
    r = await client.get(f"{API}/breeding/pairs")
    ranked = data(r)
    assert r.headers["X-Total-Count"] == "4" and len(ranked) == 4
    scores = [p["compatibility"] for p in ranked]
    assert scores == sorted(scores, reverse=True)
    for p in ranked:
        assert {
            "sire_id",
            "dam_id",
            "compatibility",
            "success_rate",
            "coi",
            "offspring",
            "predicted_traits",
            "blocked_reason",
        } <= set(p)
        assert sum(Fraction(o["probability"]) for o in p["offspring"]) == 1
        assert sum(Fraction(t["probability"]) for t in p["predicted_traits"]) == 1
    assert data(await client.get(f"{API}/breeding/pairs", params={"limit": 1}))[0] == ranked[0]
    first = ranked[0]
    await breed(client, first["sire_id"], first["dam_id"])
    available = data(await client.get(f"{API}/breeding/pairs", params={"available": "true"}))
    busy = {first["sire_id"], first["dam_id"]}
    assert all(not busy & {p["sire_id"], p["dam_id"]} for p in available)


async def test_predict_matches_the_contract_cross(client: httpx.AsyncClient) -> None:
    sire, dam = await pair(client)
    by_get = data(
        await client.get(
            f"{API}/genetics/predict",
            params={"sire_id": sire, "dam_id": dam, "method": "ai_assisted"},
        )
    )
    by_post = data(
        await client.post(
            f"{API}/genetics/predict",
            headers=idem(),
            json={"sire_id": sire, "dam_id": dam, "method": "ai_assisted"},
        )
    )
    assert by_get == by_post and by_get["success_rate"] == 0.8
    crossed = data(
        await client.post(f"{API}/genetics/cross", headers=idem(), json={"sire": SIRE, "dam": DAM})
    )
    assert by_get["offspring"] == crossed["offspring"]
    assert by_get["sire"]["genotype"] == crossed["sire"]["genotype"]
    refused(
        await client.get(f"{API}/genetics/predict", params={"sire_id": dam, "dam_id": sire}),
        422,
        "VALIDATION_ERROR",
        "sire must be male",
    )
    refused(
        await client.get(f"{API}/genetics/predict", params={"sire_id": sire, "dam_id": 99}),
        404,
        "NOT_FOUND",
    )


async def test_cross_contract_and_token_errors(client: httpx.AsyncClient) -> None:
    crossed = data(
        await client.post(
            f"{API}/genetics/cross", headers=idem(), json={"sire": "O/Y", "dam": "o/o"}
        )
    )
    assert [(o["sex"], o["probability"], o["phenotype"]["name"]) for o in crossed["offspring"]] == [
        ("male", "1/2", "black"),
        ("female", "1/2", "tortoiseshell"),
    ]
    error = refused(
        await client.post(
            f"{API}/genetics/cross", headers=idem(), json={"sire": "O/Y Xx/x", "dam": "o/o"}
        ),
        422,
        "VALIDATION_ERROR",
        "Xx/x",
    )
    assert error["details"] == {"field": "sire", "token": "Xx/x"}
    refused(
        await client.post(
            f"{API}/genetics/cross", headers=idem(), json={"sire": "o/o", "dam": "o/o"}
        ),
        422,
        "VALIDATION_ERROR",
        "male",
    )


async def test_history_and_status(client: httpx.AsyncClient, clock: Settings) -> None:
    sire, dam = await pair(client)
    await breed(client, sire, dam, seed=SUCCESS_SEED)
    status = data(await client.get(f"{API}/breeding/status"))
    assert [b["status"] for b in status] == ["pending"]
    clock.pinned_now = DUE
    status = data(await client.get(f"{API}/breeding/status"))
    assert status[0]["status"] == "completed" and status[0]["kittens"]
    history = await client.get(f"{API}/breeding/history")
    assert history.headers["X-Total-Count"] == "1"
    assert data(history)[0]["kitten_ids"] == status[0]["kitten_ids"]
    assert data(await client.get(f"{API}/breeding")) == data(history)
    assert data(await client.get(f"{API}/breeding/history", params={"status": "failed"})) == []
    refused(
        await client.get(f"{API}/breeding/history", params={"status": "lost"}),
        422,
        "VALIDATION_ERROR",
        "unknown status",
    )
    refused(await client.get(f"{API}/breeding/42"), 404, "NOT_FOUND", "breeding 42")


async def test_pedigree_feeds_the_coi_contract(client: httpx.AsyncClient, clock: Settings) -> None:
    sire, dam = await pair(client)
    await breed(client, sire, dam, seed=SUCCESS_SEED)
    clock.pinned_now = DUE
    kittens = data(await client.get(f"{API}/breeding/1"))["kitten_ids"]
    tree = data(await client.get(f"{API}/cats/{kittens[0]}/pedigree"))
    assert tree["cat_id"] == kittens[0] and tree["coi_fraction"] == "0"
    assert {(c["id"], c["sire"], c["dam"]) for c in tree["cats"]} == {
        (sire, None, None),
        (dam, None, None),
        (kittens[0], sire, dam),
    }
    assert coi_from_pedigree(tree, kittens[0], dam) == Fraction(1, 4)  # parent and offspring
    refused(await client.get(f"{API}/cats/77/pedigree"), 404, "NOT_FOUND")
