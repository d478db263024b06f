"""Breeding actions (`breeding.breed`, `breeding.complete`) and the reads behind the breeding API.

A breeding is lazy: `breeding.breed` validates the pair (purrr_core.breeding), charges paid
methods through the wallet, stores the breeding with its seed and puts both parents on cooldown.
When its time has come, the next action of the player (any action: an after-action hook) or the
next breeding read (`breeding.complete`) finishes it from the stored seed: the same litter
whenever it happens. Kittens become cats with their parents, generation, genome and COI.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from pydantic import Field

from purrr_core import Cat, InvalidRequest, advance
from purrr_core.breeding import (
    COOLDOWN,
    DEFAULT_METHOD,
    METHODS,
    BreedingMethod,
    blocked_reason,
    breed_litter,
    breeding_method,
    check_breedable,
    check_pair,
    compatibility_input,
    inbreeding_summary,
)
from purrr_core.economy import COINS, Change
from purrr_core.genetics import (
    GenotypeError,
    coi_from_pedigree,
    compatibility,
    cross,
    parse_genotype,
    personality_distribution,
)
from purrr_core.pacing import breeding_factor
from purrr_server.actions import (
    ActionArgs,
    ActionContext,
    ActionResult,
    NoArgs,
    RowId,
    action,
    after_action,
)
from purrr_server.limits import Runner, ensure_cat_room, max_litter, run_here
from purrr_server.presenters import cat_json
from purrr_server.services.cats import cat_not_found, load_cat
from purrr_server.services.economy import change_wallet
from purrr_server.services.quests import QUEST_EVENT
from purrr_server.store.base import Session
from purrr_server.store.breeding import Breeding

MAX_SEED = 2**63 - 1

# --- the player's cats as a family -----------------------------------------------------------


class Family:
    """The player's cats with their pedigree: COI of any pair, offspring counts, compatibility.

    COI comes from `coi_from_pedigree` over the two cats' known ancestors only; pairs without a
    common ancestor (most pairs of adopted cats) are unrelated without a pedigree walk, which
    keeps ranking hundreds of cats fast. Parents released since are treated as unknown.
    """

    def __init__(self, cats: Iterable[Cat]) -> None:
        self.cats = {cat.id: cat for cat in cats}
        self.offspring: dict[int, int] = {}
        for cat in self.cats.values():
            for parent in (cat.sire_id, cat.dam_id):
                if parent is not None:
                    self.offspring[parent] = self.offspring.get(parent, 0) + 1
        self._lines: dict[int, frozenset[int]] = {}

    def _known(self, cat_id: int | None) -> int | None:
        return cat_id if cat_id in self.cats else None

    def parents(self, cat_id: int) -> tuple[int | None, int | None]:
        """The cat's sire and dam ids, None where unknown or no longer the player's."""
        cat = self.cats[cat_id]
        return self._known(cat.sire_id), self._known(cat.dam_id)

    def line(self, cat_id: int) -> frozenset[int]:
        """The cat and all its known ancestors."""
        if cat_id not in self._lines:
            stack, seen = [cat_id], {cat_id}
            while stack:
                for parent in self.parents(stack.pop()):
                    if parent is not None and parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            self._lines[cat_id] = frozenset(seen)
        return self._lines[cat_id]

    def pedigree(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        """The contract's pedigree records (`{"id", "sire", "dam"}`) of `ids`."""
        return [
            dict(zip(("id", "sire", "dam"), (i, *self.parents(i)), strict=True))
            for i in sorted(ids)
        ]

    def coi(self, sire_id: int, dam_id: int) -> Fraction:
        """Wright's COI of a kitten of these two cats (their exact kinship)."""
        sire_line, dam_line = self.line(sire_id), self.line(dam_id)
        if sire_line.isdisjoint(dam_line):
            return Fraction(0)
        return coi_from_pedigree(self.pedigree(sire_line | dam_line), sire_id, dam_id)

    def compatibility(self, sire: Cat, dam: Cat, coi: Fraction) -> int:
        return compatibility(
            compatibility_input(sire, self.offspring.get(sire.id, 0)),
            compatibility_input(dam, self.offspring.get(dam.id, 0)),
            coi,
        )


async def load_family(session: Session, user_id: int) -> Family:
    cats = session.cats
    return Family(await cats.for_user(user_id, max(1, await cats.count(user_id)), 0))


async def cats_on_patrol(session: Session, user_id: int, now: datetime) -> set[int]:
    """Ids of the cats out on a Night Watch patrol right now."""
    patrols = await session.nightwatch.unsettled_patrols(user_id)
    return {c.id for p in patrols if p.active and p.ends_at > now for c in p.cats}


async def breeding_cats(session: Session, user_id: int) -> dict[int, int]:
    """Cat id -> the pending breeding it is in."""
    busy: dict[int, int] = {}
    for b in await session.breedings.pending(user_id):
        busy[b.sire_id] = busy[b.dam_id] = b.id
    return busy


# --- JSON shapes -----------------------------------------------------------------------------


def breeding_json(b: Breeding) -> dict[str, Any]:
    """A breeding on the wire (docs/breeding.md lists the fields)."""
    return {
        "id": b.id, "breeding_id": b.id, "sire_id": b.sire_id, "dam_id": b.dam_id,
        "method": b.method, "cost": b.cost, "seed": b.seed, "status": b.status,
        "success_probability": float(b.success_probability),
        "compatibility": b.compatibility, "coi": float(b.coi), "coi_fraction": str(b.coi),
        "started_at": b.started_at.isoformat(),
        "estimated_completion": b.estimated_completion.isoformat(),
        "completed_at": b.completed_at.isoformat() if b.completed_at else None,
        "kitten_ids": list(b.kitten_ids),
        "litter_size": b.outcome.get("litter_size", 0),
        "mutations": b.outcome.get("mutations", []),
        "reason": b.outcome.get("reason"),
    }  # fmt: skip


@lru_cache(maxsize=4096)
def _cross(sire_genotype: str, dam_genotype: str) -> dict[str, Any]:
    """The contract of one genotype pair (cached: pairs and predictions repeat them)."""
    return cross(parse_genotype(sire_genotype), parse_genotype(dam_genotype)).to_contract()


def _fractions(dist: dict[str, Fraction], key: str) -> list[dict[str, Any]]:
    ranked = sorted(dist.items(), key=lambda item: (-item[1], item[0]))
    return [{key: name, "probability": str(p), "p": float(p)} for name, p in ranked]


def _traits(offspring: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The offspring distribution merged over both sexes, by display name."""
    by_name: dict[str, Fraction] = {}
    for entry in offspring:
        name = entry["phenotype"]["name"]
        by_name[name] = by_name.get(name, Fraction(0)) + Fraction(entry["probability"])
    return _fractions(by_name, "name")


def success_chance(method: BreedingMethod, sire: Cat, dam: Cat, now: datetime) -> Fraction:
    """The method's success × the parents' condition at `now` (docs/balance.md), to 3 places."""
    factor = breeding_factor(advance(sire, now), advance(dam, now))
    return Fraction(str(round(float(method.success) * factor, 3)))


def prediction(
    sire: Cat,
    dam: Cat,
    coi: Fraction,
    score: int,
    blocked: str | None,
    method: BreedingMethod,
    now: datetime,
) -> dict[str, Any]:
    """A pair's prediction: compatibility, COI, success (the method's chance scaled by the
    parents' condition now), and the exact kitten distribution."""
    factor = breeding_factor(advance(sire, now), advance(dam, now))
    contract = _cross(sire.genotype or "", dam.genotype or "")
    return {
        "sire_id": sire.id, "sire_name": sire.name, "dam_id": dam.id, "dam_name": dam.name,
        "compatibility": score, **inbreeding_summary(coi),
        "can_breed": blocked is None, "blocked_reason": blocked,
        "method": method.name, "success_rate": round(float(method.success) * factor, 3),
        "success_rates": {m.name: round(float(m.success) * factor, 3) for m in METHODS.values()},
        "condition_factor": round(factor, 3),
        "cost": method.cost,
        "sire": contract["sire"], "dam": contract["dam"], "offspring": contract["offspring"],
        "predicted_traits": _traits(contract["offspring"]),
        "personalities": _fractions(
            personality_distribution(sire.personality_type, dam.personality_type), "type"),
    }  # fmt: skip


# --- reads -----------------------------------------------------------------------------------


async def rank_pairs(
    session: Session,
    user_id: int,
    now: datetime,
    method: BreedingMethod,
    *,
    limit: int,
    offset: int,
    available: bool = False,
    run: Runner = run_here,
) -> tuple[list[dict[str, Any]], int]:
    """Every male x female pair ranked by compatibility (then lower COI); the page's pairs
    carry full predictions. Returns the page and the number of ranked pairs.

    The ranking is CPU-bound (quadratic in the player's cats): `run` executes it, in a worker
    thread when the router passes `purrr_server.limits.HeavyWork.run`."""
    family = await load_family(session, user_id)
    patrol = await cats_on_patrol(session, user_id, now)
    busy = await breeding_cats(session, user_id)
    return await run(_rank, family, now, method, limit, offset, available, patrol, busy)


def _rank(
    family: Family,
    now: datetime,
    method: BreedingMethod,
    limit: int,
    offset: int,
    available: bool,
    patrol: set[int],
    busy: dict[int, int],
) -> tuple[list[dict[str, Any]], int]:
    cats = sorted(family.cats.values(), key=lambda c: c.id)
    ranked = []
    for sire in (c for c in cats if c.sex == "male" and c.genotype):
        for dam in (c for c in cats if c.sex == "female" and c.genotype):
            coi = family.coi(sire.id, dam.id)
            score = family.compatibility(sire, dam, coi)
            blocked = blocked_reason(sire, dam, now, score, coi, on_patrol=patrol, breeding=busy)
            if available and blocked is not None:
                continue
            ranked.append((-score, coi, sire.id, dam.id, blocked))
    ranked.sort(key=lambda r: r[:4])
    page = [
        prediction(family.cats[s], family.cats[d], coi, -neg, blocked, method, now)
        for neg, coi, s, d, blocked in ranked[offset : offset + limit]
    ]
    return page, len(ranked)


async def predict_pair(
    session: Session, user_id: int, now: datetime, sire_id: int, dam_id: int, method: BreedingMethod
) -> dict[str, Any]:
    """The prediction for one of the player's pairs (unknown ids: NOT_FOUND; wrong sexes: 400)."""
    family = await load_family(session, user_id)
    for cat_id in (sire_id, dam_id):
        if cat_id not in family.cats:
            raise cat_not_found(cat_id)
    sire, dam = family.cats[sire_id], family.cats[dam_id]
    check_pair(sire, dam)
    coi = family.coi(sire_id, dam_id)
    score = family.compatibility(sire, dam, coi)
    blocked = blocked_reason(
        sire,
        dam,
        now,
        score,
        coi,
        on_patrol=await cats_on_patrol(session, user_id, now),
        breeding=await breeding_cats(session, user_id),
    )
    return prediction(sire, dam, coi, score, blocked, method, now)


async def pedigree_of(session: Session, user_id: int, cat_id: int) -> dict[str, Any]:
    """A cat and its known ancestors in the contract's pedigree format, with the cat's COI."""
    family = await load_family(session, user_id)
    if cat_id not in family.cats:
        raise cat_not_found(cat_id)
    sire, dam = family.parents(cat_id)
    coi = family.coi(sire, dam) if sire is not None and dam is not None else Fraction(0)
    records = family.pedigree(family.line(cat_id))
    for record in records:
        cat = family.cats[record["id"]]
        record.update(
            name=cat.name,
            sex=cat.sex,
            generation=cat.generation,
            coi=cat.coi,
            genotype=cat.genotype,
        )
    return {"cat_id": cat_id, "coi": float(coi), "coi_fraction": str(coi), "cats": records}


def cross_genotypes(sire: str, dam: str) -> dict[str, Any]:
    """The contract for two genotype strings; a bad one is a VALIDATION_ERROR naming the token."""
    parsed = []
    for field, text in (("sire", sire), ("dam", dam)):
        try:
            parsed.append(parse_genotype(text))
        except GenotypeError as exc:
            raise InvalidRequest(
                f"{field}: {exc}", details={"field": field, "token": exc.token}
            ) from None
    try:
        return cross(*parsed).to_contract()
    except GenotypeError as exc:
        raise InvalidRequest(str(exc), details={"token": exc.token}) from None


# --- actions ---------------------------------------------------------------------------------


class BreedArgs(ActionArgs):
    """Start a breeding of two of your cats."""

    sire_id: RowId = Field(..., examples=[1])
    dam_id: RowId = Field(..., examples=[2])
    method: str | None = Field(
        None,
        max_length=50,
        examples=["natural"],
        description=", ".join(
            f"{m.name} ({m.cost or 'free'}{' coins' if m.cost else ''}, {float(m.success):.0%})"
            for m in METHODS.values()
        )
        + f"; default {DEFAULT_METHOD}",
    )
    seed: int | None = Field(
        None, strict=True, ge=0, le=MAX_SEED, description="Local servers only: roll from this seed."
    )


class BreedingOut(ActionResult):
    """A breeding on the wire (docs/breeding.md lists the fields)."""

    id: int
    breeding_id: int
    sire_id: int
    dam_id: int
    method: str
    cost: int
    status: str
    success_probability: float
    compatibility: int
    coi: float
    started_at: str
    estimated_completion: str
    completed_at: str | None
    kitten_ids: list[int]


class Started(ActionResult):
    breeding_id: int
    estimated_completion: str
    success_probability: float
    breeding: BreedingOut


class Completed(ActionResult):
    completed: list[BreedingOut]


def _seed(ctx: ActionContext, args: BreedArgs) -> int:
    """The breeding's seed: the action's own, or one chosen by a local player (replays, tests)."""
    if args.seed is None:
        return ctx.seed
    if ctx.settings.hosted:
        raise InvalidRequest(
            "a hosted server rolls its own seeds; leave out seed",
            details={"field": "seed", "value": args.seed},
        )
    return args.seed


async def finish(ctx: ActionContext, b: Breeding, family: Family) -> Breeding:
    """Complete a due breeding from its seed: kittens (or a failure), events, the stored end."""
    sire, dam = family.cats.get(b.sire_id), family.cats.get(b.dam_id)
    born = b.estimated_completion
    if sire is None or dam is None:
        outcome = {
            "litter_size": 0,
            "mutations": [],
            "reason": "a parent was released before the kittens were born",
        }
        done = replace(b, status="failed", completed_at=born, outcome=outcome)
    else:
        litter = breed_litter(
            sire,
            dam,
            seed=b.seed,
            success=b.success_probability,
            coi=b.coi,
            born_at=born,
            name_prefix=f"Kitten {b.id}",
        )
        kittens = [await ctx.store.cats.add(ctx.user_id, k) for k in litter.kittens]
        family.cats.update((k.id, k) for k in kittens)
        for kitten in kittens:
            ctx.emit(
                "cat.born",
                {
                    "cat_id": kitten.id,
                    "name": kitten.name,
                    "breeding_id": b.id,
                    "sire_id": b.sire_id,
                    "dam_id": b.dam_id,
                },
            )
        outcome = {
            "litter_size": len(kittens),
            "mutations": list(litter.mutations),
            "reason": None if litter.success else "the breeding did not take",
        }
        done = replace(
            b,
            status="completed" if litter.success else "failed",
            completed_at=born,
            kitten_ids=tuple(k.id for k in kittens),
            outcome=outcome,
        )
    await ctx.store.breedings.finish(ctx.user_id, done, ctx.stamp)
    ctx.emit(
        "breeding.completed",
        {
            "breeding_id": b.id,
            "status": done.status,
            "kitten_ids": list(done.kitten_ids),
            "sire_id": b.sire_id,
            "dam_id": b.dam_id,
        },
    )
    return done


async def complete_due(ctx: ActionContext) -> list[Breeding]:
    """Finish every breeding of the player whose time has come, oldest first."""
    due = [b for b in await ctx.store.breedings.pending(ctx.user_id) if b.due(ctx.now)]
    if not due:
        return []
    family = await load_family(ctx.store, ctx.user_id)
    return [await finish(ctx, b, family) for b in due]


@after_action
async def complete_after_action(
    ctx: ActionContext, name: str, args: ActionArgs, result: dict[str, Any]
) -> None:
    """Any action of a player also brings their breedings up to now (lazy completion)."""
    if ctx.user is not None:
        await complete_due(ctx)


@action("breeding.complete", args=NoArgs, result=Completed, scope="read")
async def complete(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
    """Bring the player's breedings up to now (run by reads that find one due)."""
    return {"completed": [breeding_json(b) for b in await complete_due(ctx)]}


@action("breeding.breed", args=BreedArgs, result=Started, status_code=201)
async def breed(ctx: ActionContext, args: BreedArgs) -> dict[str, Any]:
    """Start a breeding: validate the pair, charge the method, store it, rest the parents."""
    await complete_due(ctx)
    method = breeding_method(args.method)
    sire = await load_cat(ctx, args.sire_id)
    dam = await load_cat(ctx, args.dam_id)
    await ensure_cat_room(ctx, max_litter())
    seed = _seed(ctx, args)
    family = await load_family(ctx.store, ctx.user_id)
    coi = family.coi(sire.id, dam.id) if sire.id != dam.id else Fraction(0)
    score = family.compatibility(sire, dam, coi)
    check_breedable(
        sire,
        dam,
        ctx.now,
        score,
        coi,
        on_patrol=await cats_on_patrol(ctx.store, ctx.user_id, ctx.now),
        breeding=await breeding_cats(ctx.store, ctx.user_id),
    )
    success = success_chance(method, sire, dam, ctx.now)
    if method.cost:
        await change_wallet(
            ctx,
            [
                Change(
                    currency=COINS,
                    amount=Decimal(-method.cost),
                    reason=f"breeding ({method.name})",
                    counterparty="breeding",
                )
            ],
        )
    stored = await ctx.store.breedings.add(
        ctx.user_id,
        Breeding(
            sire_id=sire.id,
            dam_id=dam.id,
            method=method.name,
            cost=method.cost,
            seed=seed,
            success_probability=success,
            compatibility=score,
            coi=coi,
            started_at=ctx.now,
            estimated_completion=ctx.now + method.duration,
        ),
        ctx.stamp,
    )
    rest_until = stored.estimated_completion + COOLDOWN
    for cat in (sire, dam):
        await ctx.store.cats.save(
            ctx.user_id,
            cat.evolve(
                breeding_cooldown_until=rest_until, version=cat.version + 1, updated_at=ctx.now
            ),
        )
    ctx.emit(
        "breeding.started",
        {"breeding_id": stored.id, "sire_id": sire.id, "dam_id": dam.id, "method": method.name},
    )
    ctx.emit(QUEST_EVENT, {"type": "breed"})
    return {
        "breeding_id": stored.id,
        "estimated_completion": stored.estimated_completion.isoformat(),
        "success_probability": float(success),
        "breeding": breeding_json(stored),
    }


def kittens_json(family_cats: dict[int, Cat], ids: Iterable[int], now: datetime) -> list[Any]:
    """The kittens still owned, as cat JSON."""
    return [cat_json(family_cats[i], now) for i in ids if i in family_cats]
