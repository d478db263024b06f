"""Cat actions: adopt, edit, delete and the seven care actions (`cats.feed`, `cats.play`, …)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from purrr_core import ACTIONS as CARE_ACTIONS
from purrr_core import Cat, Conflict, InvalidRequest, NotFound, adopt, adopt_special, perform
from purrr_server.actions import ActionContext, action
from purrr_server.limits import ensure_cat_room
from purrr_server.presenters import cat_json

EDITABLE = ("name", "description", "is_public")


def cat_not_found(cat_id: int) -> NotFound:
    return NotFound(f"cat {cat_id} not found", details={"cat_id": cat_id})


async def find_cat(session: Any, user_id: int, cat_id: int) -> Cat:
    """The player's cat `cat_id` or NOT_FOUND (another player's cat does not exist for them)."""
    cat = await session.cats.get(user_id, cat_id)
    if cat is None:
        raise cat_not_found(cat_id)
    return cat


async def load_cat(ctx: ActionContext, cat_id: int) -> Cat:
    """`find_cat` for the caller of an action."""
    return await find_cat(ctx.store, ctx.user_id, cat_id)


def check_version(cat: Cat, expected: int | None) -> None:
    """Optimistic locking: refuse a change made against an older version of the cat."""
    if expected is not None and expected != cat.version:
        raise Conflict(
            f"cat {cat.id} has changed (version {cat.version}, you sent {expected}); "
            "reload it and try again",
            details={"cat_id": cat.id, "version": cat.version, "expected": expected},
        )


def required(args: dict[str, Any], field: str) -> Any:
    """`args[field]`, or a VALIDATION_ERROR naming it (sync replays skip the HTTP validation)."""
    if args.get(field) is None:
        raise InvalidRequest(f"{field} is required", details={"field": field})
    return args[field]


@action("cats.adopt", status_code=201)
async def adopt_cat(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    await ensure_cat_room(ctx)
    cat = adopt(
        required(args, "name"),
        required(args, "personality_type"),
        now=ctx.now,
        rng=ctx.rng,
        sex=args.get("sex"),
        breed=args.get("breed"),
        genotype=args.get("genotype"),
    )
    cat = await ctx.store.cats.add(ctx.user_id, cat)
    ctx.cat_id = cat.id
    ctx.emit("cat.adopted", {"cat_id": cat.id, "name": cat.name})
    return cat_json(cat, ctx.now)


@action("cats.adopt_special", status_code=201)
async def adopt_special_cat(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """Bring home an unlocked special cat (BanditCat, LunaCat, RyCat), once."""
    await ensure_cat_room(ctx)
    owned = {c.special_id for c in await ctx.store.cats.list(ctx.user_id) if c.special_id}
    cat = adopt_special(
        str(required(args, "special_id")),
        await ctx.store.counters.all(ctx.user_id),
        owned,
        now=ctx.now,
        rng=ctx.rng,
    )
    cat = await ctx.store.cats.add(ctx.user_id, cat)
    ctx.cat_id = cat.id
    ctx.emit("cat.adopted", {"cat_id": cat.id, "name": cat.name, "special_id": cat.special_id})
    return cat_json(cat, ctx.now)


@action("cats.update")
async def update_cat(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    cat = await load_cat(ctx, required(args, "cat_id"))
    check_version(cat, args.get("expected_version"))
    changes = {k: args[k] for k in EDITABLE if args.get(k) is not None}
    try:
        edited = cat.evolve(**changes, version=cat.version + 1, updated_at=ctx.now)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidRequest(
            f"invalid {field}: {first['msg']}",
            details={"field": field, "value": first.get("input")},
        ) from None
    await ctx.store.cats.save(ctx.user_id, edited)
    ctx.emit("cat.updated", {"cat_id": cat.id, "fields": sorted(changes)})
    return cat_json(edited, ctx.now)


@action("cats.delete")
async def delete_cat(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    cat = await load_cat(ctx, required(args, "cat_id"))
    check_version(cat, args.get("expected_version"))
    await ctx.store.cats.delete(ctx.user_id, cat.id, ctx.stamp)
    ctx.emit("cat.deleted", {"cat_id": cat.id})
    return {"id": cat.id, "deleted": True}


async def care(ctx: ActionContext, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run care action `name` through `purrr_core.perform` and store the cat and interaction."""
    cat = await load_cat(ctx, required(args, "cat_id"))
    request = {k: v for k, v in args.items() if k != "cat_id"}
    after, effects = perform(cat, name, request, ctx.now, ctx.rng)
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
    async def handler(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
        return await care(ctx, name, args)

    handler.__name__ = handler.__qualname__ = f"care_{name}"
    handler.__doc__ = f"cats.{name}: the {name} care action."
    action(f"cats.{name}")(handler)


for _name in CARE_ACTIONS:
    _register_care(_name)
