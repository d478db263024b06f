"""Territory actions (`territory.claim`, `.challenge`, `.install`, `.release`) and the territory on
the wire (docs/territory.md).

A place (type + location) has one holder in the whole server: in hosted mode a player may
challenge ground another player's cat holds; the challenge is decided by `purrr_core.territory`
with the action's seeded RNG, so it replays identically. Furniture comes from the player's store
inventory (an item whose `installs` names it) and goes back there when the territory is released
or its cat is; ground lost in a challenge keeps its furniture for the winner.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from purrr_core import Cat, Conflict, NotFound
from purrr_core.errors import choose_one
from purrr_core.shop import items
from purrr_core.territory import (
    Perks,
    Territory,
    check_room,
    check_type,
    claim,
    install_furniture,
    perks,
)
from purrr_server.actions import ActionArgs, ActionContext, ActionResult, Label, RowId, action
from purrr_server.presenters import cat_json
from purrr_server.services.cats import CatOut, load_cat


class ClaimArgs(ActionArgs):
    """Claim free ground: a cat of level ≥ 3 with energy ≥ 50 (territory.json) takes a place."""

    cat_id: RowId
    type: str = Field(..., max_length=50, examples=["garden"])
    location: Label = Field(..., examples=["Back garden"])


class ChallengeBody(ActionArgs):
    cat_id: RowId = Field(..., description="Your cat that challenges the holder.")


class ChallengeArgs(ChallengeBody):
    territory_id: RowId


class InstallBody(ActionArgs):
    item_id: str = Field(
        ...,
        min_length=1,
        max_length=50,
        description="A furniture item you own.",
        examples=["cat_bed"],
    )


class InstallArgs(InstallBody):
    territory_id: RowId


class ReleaseArgs(ActionArgs):
    territory_id: RowId


class Holder(ActionResult):
    cat_id: int
    name: str
    level: int


class TerritoryOut(ActionResult):
    """A territory on the wire: the place, its holder, its furniture and the holder's perks."""

    id: int
    type: str
    location: str
    bonus_multiplier: float
    furniture: list[str]
    holder: Holder
    mine: bool
    perks: dict[str, float] = Field(
        description="rest and climbing multipliers the holder enjoys (docs/territory.md)"
    )
    claimed_at: str


class Claimed(ActionResult):
    """The outcome of a claim or challenge; `territory` is set when the cat won."""

    won: bool
    challenge: bool
    energy_spent: int
    challenger_score: float | None = None
    holder_score: float | None = None
    territory: TerritoryOut | None = None
    cat: CatOut


class Installed(ActionResult):
    territory: TerritoryOut
    item_id: str
    remaining: int


class Released(ActionResult):
    id: int
    released: bool
    returned: list[str] = Field(description="Furniture items put back in your inventory.")


def _model(row: dict[str, Any]) -> Territory:
    return Territory(
        type=row["type"],
        location=row["location"],
        holder_cat_id=row["cat_id"],
        bonus_multiplier=check_type(row["type"]),
        furniture=tuple(row["furniture"]),
    )


def territory_json(row: dict[str, Any], user_id: int) -> dict[str, Any]:
    """A stored territory (store/territory.py row) as the API shows it to `user_id`."""
    model = _model(row)
    return {
        "id": row["id"],
        "type": row["type"],
        "location": row["location"],
        "bonus_multiplier": model.bonus_multiplier,
        "furniture": list(model.furniture),
        "holder": {"cat_id": row["cat_id"], "name": row["cat_name"], "level": row["cat_level"]},
        "mine": row["user_id"] == user_id,
        "perks": perks(model, row["cat_personality"]).model_dump(),
        "claimed_at": row["claimed_at"],
    }


async def cat_perks(session: Any, user_id: int, cat: Cat) -> Perks:
    """The perks of the territory `cat` holds (the best one if a table allows several)."""
    held = await session.territories.for_cat(user_id, cat.id)
    found = [perks(_model(row), cat.personality_type) for row in held]
    return max(found, key=lambda p: p.rest + p.climbing, default=Perks())


def _item_for(furniture_id: str) -> str:
    """The store item that installs as `furniture_id` (returned to the inventory on release)."""
    return next(i.id for i in items().values() if i.installs == furniture_id)


async def release_cat(ctx: ActionContext, cat_id: int) -> list[str]:
    """Release every territory of the caller's cat `cat_id`, furniture back to the inventory."""
    returned: list[str] = []
    for row in await ctx.store.territories.for_cat(ctx.user_id, cat_id):
        returned += await _release(ctx, row)
    return returned


async def _release(ctx: ActionContext, row: dict[str, Any]) -> list[str]:
    returned = [_item_for(f) for f in row["furniture"]]
    for item_id in returned:
        await ctx.store.inventory.add(ctx.user_id, item_id, 1)
    await ctx.store.territories.remove(ctx.user_id, row["id"], ctx.stamp)
    ctx.emit("territory.released", {"territory_id": row["id"], "cat_id": row["cat_id"]})
    return returned


async def _own(ctx: ActionContext, territory_id: int) -> dict[str, Any]:
    row = await ctx.store.territories.get(territory_id)
    if row is None or row["user_id"] != ctx.user_id:
        raise NotFound(
            f"territory {territory_id} is not yours; see yours with: purrr territory list",
            details={"territory_id": territory_id},
        )
    return row


async def _settle(
    ctx: ActionContext, cat: Cat, outcome: dict[str, Any], territory_type: str, location: str
) -> dict[str, Any]:
    """Store the claimant after the claim and, if it won, its new territory."""
    after: Cat = outcome["cat"]
    await ctx.store.cats.save(ctx.user_id, after)
    result: dict[str, Any] = {
        "won": outcome["won"],
        "challenge": outcome["challenge"],
        "energy_spent": outcome["energy_spent"],
        "challenger_score": outcome.get("challenger_score"),
        "holder_score": outcome.get("holder_score"),
        "territory": None,
        "cat": cat_json(after, ctx.now),
    }
    if outcome["won"]:
        territory_id = await ctx.store.territories.add(
            ctx.user_id, cat.id, territory_type, location, ctx.stamp
        )
        result["territory_id"] = territory_id
    return result


async def _claimant(ctx: ActionContext, cat_id: int) -> Cat:
    cat = await load_cat(ctx, cat_id)
    check_room(cat, len(await ctx.store.territories.for_cat(ctx.user_id, cat.id)))
    return cat


@action("territory.claim", args=ClaimArgs, result=Claimed, status_code=201)
async def claim_territory(ctx: ActionContext, args: ClaimArgs) -> dict[str, Any]:
    check_type(args.type)
    held = await ctx.store.territories.at(args.type, args.location)
    if held is not None:
        raise Conflict(
            f"{held['location']} ({held['type']}) is held by {held['cat_name']}; "
            f"challenge for it with: purrr territory challenge {held['id']} --cat {args.cat_id}",
            details={"territory_id": held["id"], "holder": held["cat_name"]},
        )
    cat = await _claimant(ctx, args.cat_id)
    outcome = claim(cat, args.type, args.location, None, ctx.rng, ctx.now)
    result = await _settle(ctx, cat, outcome, args.type, args.location)
    row = await ctx.store.territories.get(result.pop("territory_id"))
    assert row is not None
    result["territory"] = territory_json(row, ctx.user_id)
    ctx.emit("territory.claimed", {"territory_id": row["id"], "cat_id": cat.id})
    return result


@action("territory.challenge", args=ChallengeArgs, result=Claimed)
async def challenge_territory(ctx: ActionContext, args: ChallengeArgs) -> dict[str, Any]:
    held = await ctx.store.territories.get(args.territory_id)
    if held is None:
        raise NotFound(
            f"territory {args.territory_id} not found; see the ground held with: "
            "purrr territory list --all",
            details={"territory_id": args.territory_id},
        )
    if held["user_id"] == ctx.user_id:
        raise Conflict(
            f"{held['location']} is already yours (held by {held['cat_name']})",
            details={"territory_id": held["id"], "holder_cat_id": held["cat_id"]},
        )
    await ctx.store.lock_players(held["user_id"])  # a win writes the holder's rows and events
    holder = await ctx.store.cats.get(held["user_id"], held["cat_id"])
    assert holder is not None  # the territory row joins its cat
    cat = await _claimant(ctx, args.cat_id)
    outcome = claim(cat, held["type"], held["location"], holder, ctx.rng, ctx.now)
    if outcome["won"]:
        await ctx.store.territories.remove(held["user_id"], held["id"], ctx.stamp)
        # The loser hears of it on their own event stream (they did not run this action).
        lost = {"territory_id": held["id"], "cat_id": held["cat_id"], "location": held["location"]}
        await ctx.store.events.append(held["user_id"], "territory.lost", lost, ctx.stamp)
    result = await _settle(ctx, cat, outcome, held["type"], held["location"])
    if outcome["won"]:
        territory_id = result.pop("territory_id")
        await ctx.store.territories.set_furniture(ctx.user_id, territory_id, held["furniture"])
        row = await ctx.store.territories.get(territory_id)
        assert row is not None
        result["territory"] = territory_json(row, ctx.user_id)
    ctx.emit(
        "territory.challenged",
        {"territory_id": held["id"], "cat_id": cat.id, "won": outcome["won"]},
    )
    return result


@action("territory.install", args=InstallArgs, result=Installed)
async def install(ctx: ActionContext, args: InstallArgs) -> dict[str, Any]:
    row = await _own(ctx, args.territory_id)
    furniture = {i.id: i.installs for i in items().values() if i.installs is not None}
    if args.item_id not in furniture:
        raise choose_one("furniture item", args.item_id, tuple(furniture))
    if await ctx.store.inventory.count(ctx.user_id, args.item_id) < 1:
        raise Conflict(
            f"you have no {args.item_id}; buy one with: purrr store buy {args.item_id}",
            details={"item_id": args.item_id, "owned": 0},
        )
    after = install_furniture(_model(row), furniture[args.item_id])
    left = await ctx.store.inventory.take(ctx.user_id, args.item_id)
    await ctx.store.territories.set_furniture(ctx.user_id, row["id"], list(after.furniture))
    ctx.emit("territory.furnished", {"territory_id": row["id"], "item_id": args.item_id})
    ctx.cat_id = row["cat_id"]
    return {
        "territory": territory_json({**row, "furniture": list(after.furniture)}, ctx.user_id),
        "item_id": args.item_id,
        "remaining": left,
    }


@action("territory.release", args=ReleaseArgs, result=Released)
async def release(ctx: ActionContext, args: ReleaseArgs) -> dict[str, Any]:
    row = await _own(ctx, args.territory_id)
    ctx.cat_id = row["cat_id"]
    returned = await _release(ctx, row)
    return {"id": row["id"], "released": True, "returned": returned}
