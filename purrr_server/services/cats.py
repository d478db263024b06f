"""Cat actions: adopt, edit, delete and the seven care actions (`cats.feed`, `cats.play`, …)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from pydantic import ConfigDict, Field, ValidationError, create_model
from pydantic.json_schema import SkipJsonSchema

from purrr_core import ACTIONS as CARE_ACTIONS
from purrr_core import Cat, Conflict, NotFound, adopt, adopt_special, perform
from purrr_core.duty import check_home
from purrr_core.models import Description
from purrr_server.actions import (
    MAX_ID,
    ActionArgs,
    ActionContext,
    ActionResult,
    Label,
    RowId,
    action,
    validation_error,
)
from purrr_server.limits import ensure_cat_room
from purrr_server.presenters import cat_json
from purrr_server.services.timezones import zone_of

EDITABLE = ("name", "description", "is_public")


def cat_not_found(cat_id: int) -> NotFound:
    return NotFound(f"cat {cat_id} not found", details={"cat_id": cat_id})


async def find_cat(session: Any, user_id: int, cat_id: int) -> Cat:
    """The player's cat `cat_id` or NOT_FOUND (another player's cat does not exist for them)."""
    cat: Cat | None = await session.cats.get(user_id, cat_id)
    if cat is None:
        raise cat_not_found(cat_id)
    return cat


async def load_cat(ctx: ActionContext, cat_id: int) -> Cat:
    """`find_cat` for the caller of an action; a cat out on patrol is refused until it is home
    (`purrr_core.duty.check_home`: the one rule for every action on a cat)."""
    cat = await find_cat(ctx.store, ctx.user_id, cat_id)
    check_home(cat, await ctx.store.nightwatch.unsettled_patrols(ctx.user_id), ctx.now)
    return cat


def check_version(cat: Cat, expected: int | None) -> None:
    """Optimistic locking: refuse a change made against an older version of the cat."""
    if expected is not None and expected != cat.version:
        raise Conflict(
            f"cat {cat.id} has changed (version {cat.version}, you sent {expected}); "
            "reload it and try again",
            details={"cat_id": cat.id, "version": cat.version, "expected": expected},
        )


class AdoptArgs(ActionArgs):
    """Adopt a cat. Without a genotype, a realistic one is rolled from the action's seed."""

    name: Label = Field(..., examples=["Whiskers"])
    personality_type: str = Field(..., max_length=50, examples=["playful"])
    breed: Label | None = None
    sex: Literal["male", "female"] | None = None
    genotype: str | None = Field(None, max_length=500)


class AdoptSpecialArgs(ActionArgs):
    special_id: str = Field(..., max_length=50, examples=["bandit"])


class CatEdit(ActionArgs):
    """Edit a cat. Send its current `version` (or `If-Match`) to refuse lost updates."""

    name: Label | None = None
    description: Description | None = None
    is_public: bool | None = None
    version: int | None = Field(None, ge=1, le=MAX_ID, description="The version edited against.")


class UpdateArgs(CatEdit):
    cat_id: RowId


class DeleteArgs(ActionArgs):
    cat_id: RowId
    version: int | None = Field(None, ge=1, le=MAX_ID, description="The version deleted.")


class CatOut(Cat):
    """A cat on the wire (`purrr_server.presenters.cat_json`): brought to now, with its mood
    label, care status, level progress and phenotype."""

    model_config = ConfigDict(extra="allow", frozen=True)
    # Bookkeeping of lazy time passing (presenters.INTERNAL_FIELDS): never on the wire.
    decayed_at: SkipJsonSchema[datetime | None] = None  # type: ignore[assignment]
    decay_carry: SkipJsonSchema[dict[str, int]] = Field(default_factory=dict)
    mood_label: str
    care: dict[str, Any]
    level_progress: dict[str, Any]
    phenotype: dict[str, Any] | None = None


class Deleted(ActionResult):
    id: int
    deleted: bool


class CareResult(ActionResult):
    """What a care action changed (`changes`, `xp_gained`, …, per docs/care.md) and the cat."""

    action: str
    changes: dict[str, int]
    xp_gained: float | int
    level: int
    new_stats: dict[str, int]
    cat: CatOut


@action("cats.adopt", args=AdoptArgs, result=CatOut, status_code=201)
async def adopt_cat(ctx: ActionContext, args: AdoptArgs) -> dict[str, Any]:
    await ensure_cat_room(ctx)
    cat = adopt(
        args.name,
        args.personality_type,
        now=ctx.now,
        rng=ctx.rng,
        sex=args.sex,
        breed=args.breed,
        genotype=args.genotype,
    )
    cat = await ctx.store.cats.add(ctx.user_id, cat)
    ctx.cat_id = cat.id
    ctx.emit("cat.adopted", {"cat_id": cat.id, "name": cat.name})
    return cat_json(cat, ctx.now)


@action("cats.adopt_special", args=AdoptSpecialArgs, result=CatOut, status_code=201)
async def adopt_special_cat(ctx: ActionContext, args: AdoptSpecialArgs) -> dict[str, Any]:
    """Bring home an unlocked special cat (BanditCat, LunaCat, RyCat), once."""
    await ensure_cat_room(ctx)
    owned = {c.special_id for c in await ctx.store.cats.for_user(ctx.user_id) if c.special_id}
    cat = adopt_special(
        args.special_id,
        await ctx.store.counters.all(ctx.user_id),
        owned,
        now=ctx.now,
        rng=ctx.rng,
    )
    cat = await ctx.store.cats.add(ctx.user_id, cat)
    ctx.cat_id = cat.id
    ctx.emit("cat.adopted", {"cat_id": cat.id, "name": cat.name, "special_id": cat.special_id})
    return cat_json(cat, ctx.now)


@action("cats.update", args=UpdateArgs, result=CatOut)
async def update_cat(ctx: ActionContext, args: UpdateArgs) -> dict[str, Any]:
    cat = await load_cat(ctx, args.cat_id)
    check_version(cat, args.version)
    changes = {k: getattr(args, k) for k in EDITABLE if getattr(args, k) is not None}
    try:
        edited = cat.evolve(**changes, version=cat.version + 1, updated_at=ctx.now)
    except ValidationError as exc:
        raise validation_error(exc, "cats.update") from None
    await ctx.store.cats.save(ctx.user_id, edited)
    ctx.emit("cat.updated", {"cat_id": cat.id, "fields": sorted(changes)})
    return cat_json(edited, ctx.now)


@action("cats.delete", args=DeleteArgs, result=Deleted)
async def delete_cat(ctx: ActionContext, args: DeleteArgs) -> dict[str, Any]:
    cat = await load_cat(ctx, args.cat_id)
    check_version(cat, args.version)
    from purrr_server.services.territory import release_cat  # imports this module

    await release_cat(ctx, cat.id)
    await ctx.store.cats.delete(ctx.user_id, cat.id, ctx.stamp)
    ctx.emit("cat.deleted", {"cat_id": cat.id})
    return {"id": cat.id, "deleted": True}


class CatArgs(ActionArgs):
    """Arguments naming one of the player's cats."""

    cat_id: RowId


def care_args(name: str) -> type[CatArgs]:
    """The arguments of care action `name`: the `cat_id` and its purrr_core request model."""
    request = CARE_ACTIONS[name][0]
    model = create_model(
        f"Care{name.capitalize()}Args",
        __base__=(CatArgs, request),
        __doc__=f"The {name} care action: `cat_id` and the fields of {request.__name__}.",
    )
    return cast(type[CatArgs], model)


#: The argument model of each care action, by care action name.
CARE_ARGS: dict[str, type[CatArgs]] = {name: care_args(name) for name in CARE_ACTIONS}


async def care(ctx: ActionContext, name: str, args: CatArgs) -> dict[str, Any]:
    """Run care action `name` through `purrr_core.perform` and store the cat and interaction."""
    request = args.model_dump(exclude={"cat_id"})
    cat = await load_cat(ctx, args.cat_id)
    from purrr_server.services.territory import cat_perks  # imports this module

    perks = await cat_perks(ctx.store, ctx.user_id, cat)
    after, effects = perform(cat, name, request, ctx.now, ctx.rng, perks, zone_of(ctx))
    await ctx.store.cats.save(ctx.user_id, after)
    interaction = effects.get("interaction")
    if interaction:
        await ctx.store.interactions.append(ctx.user_id, cat.id, interaction, ctx.stamp)
    ctx.emit(
        "cat.cared",
        {"cat_id": cat.id, "action": name, "new_stats": after.stats(), "level": after.level},
    )
    return {**effects, "cat": cat_json(after, ctx.now)}


def _register_care(name: str) -> None:
    async def handler(ctx: ActionContext, args: CatArgs) -> dict[str, Any]:
        return await care(ctx, name, args)

    handler.__name__ = handler.__qualname__ = f"care_{name}"
    handler.__doc__ = f"cats.{name}: the {name} care action."
    action(f"cats.{name}", args=CARE_ARGS[name], result=CareResult)(handler)


for _name in CARE_ACTIONS:
    _register_care(_name)
