"""Night Watch actions (`nightwatch.deploy`, `.recall`, `.create_zone`, `.respond_alert`,
`.catch_up`) and the JSON shapes of patrols, alerts and the player's record.

Patrols are lazy: a patrol row holds its deployment snapshot and the ticks simulated so far.
Every Night Watch action (and every read that finds ticks waiting) first runs `catch_up`, which
advances the player's patrols to now with `purrr_core.nightwatch.advance_patrol`, stores the new
community alerts, and settles patrols that ended: XP (scaled by personality through `gain_xp`) and
injuries go to the cats, totals, reputation and achievements to the player's night-watch system,
and the patrol's coins (`patrol_reward`) to the player's wallet.

Coins have one home, the economy's wallet and its ledger (`purrr_server.services.economy`): zones
are paid and patrol rewards credited through `change_wallet`, one ledger entry each, tied to the
action that caused it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from purrr_core import Cat, Conflict, NotFound, advance
from purrr_core.clock import zone_name
from purrr_core.economy import COINS, STARTING_COINS, Change
from purrr_core.nightwatch import (
    NightWatchConfig,
    NightWatchRecord,
    Patrol,
    PatrolCat,
    achievement_progress,
    apply_result,
    create_zone,
    home_base,
    in_window,
    local_time,
    new_record,
    night_date,
    patrol_reward,
    plan_night,
    recall,
    record_alert_response,
    record_patrol,
    record_zone,
    respond_alert,
    start_patrol,
    tick_count,
)
from purrr_core.nightwatch import advance_patrol as advance_one
from purrr_core.nightwatch.engine import is_fast_response, tick_bounds
from purrr_server.actions import (
    MAX_ID,
    ActionArgs,
    ActionContext,
    ActionResult,
    Label,
    NoArgs,
    RowId,
    action,
)
from purrr_server.services.economy import change_wallet, wallet_of
from purrr_server.services.quests import QUEST_EVENT
from purrr_server.services.timezones import zone_of
from purrr_server.store.nightwatch import NightWatchSystem, StoredAlert

# --- JSON shapes -----------------------------------------------------------------------------


def alert_json(stored: StoredAlert) -> dict[str, Any]:
    alert = stored.alert
    return {
        **alert.model_dump(mode="json"),
        "patrol_id": stored.patrol_id,
        "fast_response": is_fast_response(alert),
    }


def patrol_json(patrol: Patrol, alerts: list[StoredAlert] | None = None) -> dict[str, Any]:
    """A patrol with its summary; `alerts` (stored, with their ids and answers) replace the
    engine's copies when given."""
    out = patrol.model_dump(mode="json")
    out["summary"] = patrol.summary()
    out["ticks_total"] = tick_count(patrol)
    out["results"] = list(out["results"].values())
    out["cats"] = [{**c, "role": patrol.roles[c["id"]]} for c in out["cats"]]
    if alerts is not None:
        out["alerts"] = [alert_json(a) for a in sorted(alerts, key=lambda a: a.alert.raised_at)]
    return out


def record_json(record: NightWatchRecord, coins: int) -> dict[str, Any]:
    """Running totals with the names SPEC §2 uses (cats saved, deterred…), score, and the
    player's `coins` (their wallet balance, see `read_coins`)."""
    return {
        "cats_saved": record.strays_saved,
        "encounters": record.encounters,
        "bobcats_deterred": record.deterred,
        "deter_rate": round(record.deterred / record.encounters, 4) if record.encounters else None,
        "patrols": record.patrols,
        "reputation": record.reputation,
        "protection_level": record.protection_level,
        "score": record.score,
        "strays_found": record.strays_found,
        "strays_rescued": record.strays_rescued,
        "strays_sheltered": record.strays_sheltered,
        "strays_rehabilitated": record.strays_rehabilitated,
        "injuries": record.injuries,
        "alerts_responded": record.alerts_responded,
        "critical_fast_responses": record.critical_fast_responses,
        "zones": record.zones,
        "achievements_earned": len(record.achievements),
        "deter_combinations": list(record.deter_combinations),
        "coins": coins,
        "specializations": [s.model_dump(mode="json") for s in record.specializations.values()],
    }


def window_json(config: NightWatchConfig, now: Any) -> dict[str, Any]:
    return {
        "open": in_window(now, config),
        "start": f"{config.start_hour:02d}:00",
        "end": f"{config.end_hour:02d}:00",
        "local_time": f"{local_time(now, config):%H:%M}",
        "timezone": zone_name(config.tz),
        "max_cats": config.max_cats,
        "tick_minutes": config.tick_minutes,
    }


# --- the system and the catch-up -------------------------------------------------------------


async def read_coins(session: Any, user_id: int) -> int:
    """The player's coins on a read: their wallet's balance (a wallet not opened yet opens with
    the economy's `STARTING_COINS`)."""
    wallet = await session.wallets.load(user_id)
    return STARTING_COINS if wallet is None else wallet.coins


async def read_record(session: Any, user_id: int) -> NightWatchRecord:
    """The player's Night Watch record on a read (a fresh one before their first patrol)."""
    system: NightWatchSystem | None = await session.nightwatch.system(user_id)
    return system.record if system else new_record()


async def ensure_system(ctx: ActionContext) -> NightWatchSystem:
    """The player's night-watch system, created on first use with a free Home Base zone."""
    repo = ctx.store.nightwatch
    stored: NightWatchSystem | None = await repo.system(ctx.user_id)
    if stored is not None:
        return stored
    system = NightWatchSystem(new_record(), ctx.rng.getrandbits(48))
    await repo.create_system(ctx.user_id, system, ctx.stamp)
    await repo.add_zone(ctx.user_id, home_base(), ctx.stamp)
    ctx.emit("nightwatch.system_created", {"protection_level": system.record.protection_level})
    return system


def needs_catch_up(patrol: Patrol, now: Any) -> bool:
    """True when a tick has ended since the patrol was stored (or it ended unsettled)."""
    if not patrol.active:
        return True
    return bool(tick_bounds(patrol, patrol.ticks_done)[1] <= now)


async def catch_up(ctx: ActionContext) -> list[Patrol]:
    """Advance the player's unsettled patrols to now; store new alerts; settle the ended ones."""
    system = await ensure_system(ctx)
    out = []
    for patrol in await ctx.store.nightwatch.unsettled_patrols(ctx.user_id):
        after = advance_one(patrol, ctx.now)
        system = await store_progress(ctx, system, patrol, after)
        out.append(after)
    return out


async def store_progress(
    ctx: ActionContext, system: NightWatchSystem, before: Patrol, after: Patrol
) -> NightWatchSystem:
    """Write what happened between `before` and `after`; settle `after` if it has ended."""
    repo = ctx.store.nightwatch
    for alert in after.alerts[len(before.alerts) :]:
        await repo.add_alert(ctx.user_id, after.id, alert.id, alert)
        ctx.emit(
            "nightwatch.alert",
            {
                "patrol_id": after.id,
                "type": alert.type,
                "level": alert.level,
                "message": alert.message,
            },
        )
    if after.ticks_done != before.ticks_done:
        # "so_far", not "summary": an event with a summary means a settled patrol (quests count it)
        ctx.emit(
            "nightwatch.tick",
            {"patrol_id": after.id, "ticks_done": after.ticks_done, "so_far": after.summary()},
        )
    if after.active:
        if after != before:
            await repo.save_patrol(ctx.user_id, after, ctx.stamp)
        return system
    return await settle(ctx, system, after)


async def settle(ctx: ActionContext, system: NightWatchSystem, patrol: Patrol) -> NightWatchSystem:
    """Apply an ended patrol once: XP and injuries to the cats, totals and achievements, and its
    coins to the wallet (one ledger entry)."""
    for result in patrol.results.values():
        cat = await ctx.store.cats.get(ctx.user_id, result.cat_id)
        if cat is None:  # adopted out while on patrol: nothing to give
            continue
        updated, _ = apply_result(advance(cat, ctx.now), result)
        await ctx.store.cats.save(
            ctx.user_id, updated.evolve(version=cat.version + 1, updated_at=ctx.now)
        )
    record, earned = record_patrol(system.record, patrol, ctx.now)
    system = NightWatchSystem(record, system.night_seed)
    await ctx.store.nightwatch.save_system(ctx.user_id, system, ctx.stamp)
    await ctx.store.nightwatch.save_patrol(ctx.user_id, patrol, ctx.stamp, settled=True)
    reward = patrol_reward(patrol)
    if reward:
        await change_wallet(
            ctx,
            [
                Change(
                    currency=COINS,
                    amount=Decimal(reward),
                    reason=f"night watch patrol #{patrol.id}",
                    counterparty="nightwatch",
                )
            ],
        )
        ctx.emit(QUEST_EVENT, {"type": "coins_earned", "amount": reward})
    ctx.emit(f"nightwatch.{patrol.status}", {"patrol_id": patrol.id, "summary": patrol.summary()})
    for achievement in earned:
        ctx.emit("nightwatch.achievement", {"id": achievement.id, "name": achievement.name})
    return system


# --- actions ---------------------------------------------------------------------------------


CatKey = Annotated[int, Field(ge=1, le=MAX_ID)]


class DeployArgs(ActionArgs):
    """Send cats on patrol during the night window (21:00–06:00 server-local and at most 10 cats
    by default; `GET /night-watch/status` gives this server's window)."""

    cat_ids: list[RowId] = Field(..., min_length=1, max_length=100, examples=[[1, 3, 5]])
    area: str | None = Field(
        None,
        max_length=50,
        examples=["park"],
        description="neighborhood (default), park, alley, pizzeria or downtown",
    )
    roles: dict[CatKey, Annotated[str, Field(max_length=20)]] | None = Field(
        None,
        max_length=100,
        examples=[{"3": "healer"}],
        description="cat id → scout, guardian, healer or alarm",
    )


class PatrolOut(ActionResult):
    """A patrol with its cats and roles, results, alerts and summary (docs/nightwatch.md)."""

    id: int
    status: str
    area: str
    cats: list[dict[str, Any]]
    summary: dict[str, Any]
    ticks_done: int
    ticks_total: int


class RecallArgs(ActionArgs):
    patrol_id: RowId | None = Field(None, description="Default: every active patrol.")


class Recalled(ActionResult):
    recalled: list[PatrolOut]


class CreateZoneArgs(ActionArgs):
    """Buy a protection zone with coins (its type sets the price, docs/nightwatch.md); radius
    25–200 (default 50)."""

    type: str = Field(..., max_length=50, examples=["safe_haven"])
    name: Label = Field(..., examples=["Home Base"])
    location: Label = Field(..., examples=["Central Park"])
    radius: int | None = Field(None, strict=True, examples=[75])


class ZoneCreated(ActionResult):
    zone: dict[str, Any]
    coins_left: int
    achievements_earned: list[dict[str, Any]]


class RespondArgs(ActionArgs):
    alert_id: RowId


class Responded(ActionResult):
    alert: dict[str, Any]
    reputation: int
    achievements_earned: list[dict[str, Any]]


class CaughtUp(ActionResult):
    patrols: list[dict[str, Any]]


@action("nightwatch.deploy", args=DeployArgs, result=PatrolOut, status_code=201)
async def deploy(ctx: ActionContext, args: DeployArgs) -> dict[str, Any]:
    """Send cats on patrol now (window, one patrol at a time, limit, ownership, energy and roles
    checked)."""
    config = ctx.settings.night_watch.config(zone_of(ctx))
    cat_ids = list(args.cat_ids)
    roles = dict(args.roles or {})
    area = args.area or "neighborhood"
    active = [p for p in await catch_up(ctx) if p.active]
    system = await ensure_system(ctx)
    cats: list[Cat] = []
    missing = []
    for cat_id in dict.fromkeys(cat_ids):
        cat = await ctx.store.cats.get(ctx.user_id, cat_id)
        if cat is None:
            missing.append(cat_id)
        else:
            cats.append(advance(cat, ctx.now))
    if missing:
        raise NotFound(
            f"no cat of yours with id {', '.join(map(str, missing))}",
            details={"field": "cat_ids", "missing": missing},
        )
    by_id = {c.id: c for c in cats}
    patrol = start_patrol(
        [PatrolCat.from_cat(by_id[i]) for i in cat_ids],
        now=ctx.now,
        seed=ctx.seed,
        roles=roles,
        area=area,
        zones=await ctx.store.nightwatch.zones(ctx.user_id),
        config=config,
        active_patrol=active[0] if active else None,
        night=plan_night(night_date(ctx.now, config), system.night_seed),
        reputation=system.record.reputation,
    )
    for result in patrol.results.values():
        cat = by_id[result.cat_id]
        await ctx.store.cats.save(
            ctx.user_id,
            cat.evolve(
                energy=cat.energy - result.energy_spent, version=cat.version + 1, updated_at=ctx.now
            ),
        )
    patrol = await ctx.store.nightwatch.add_patrol(ctx.user_id, patrol, ctx.stamp)
    ctx.emit(
        "nightwatch.deployed", {"patrol_id": patrol.id, "cat_ids": cat_ids, "area": patrol.area}
    )
    return patrol_json(patrol, [])


@action("nightwatch.recall", args=RecallArgs, result=Recalled)
async def recall_patrol(ctx: ActionContext, args: RecallArgs) -> dict[str, Any]:
    """Bring a patrol home now (the given one, else every active patrol)."""
    patrols = await catch_up(ctx)
    wanted = args.patrol_id
    if wanted is not None:
        stored = await ctx.store.nightwatch.patrol(ctx.user_id, wanted)
        if stored is None:
            raise NotFound(f"patrol {wanted} not found", details={"patrol_id": wanted})
        patrol = next((p for p in patrols if p.id == stored.patrol.id), stored.patrol)
        targets = [patrol]
    else:
        targets = [p for p in patrols if p.active]
        if not targets:
            raise Conflict(
                "no patrol is under way; there is nothing to recall", details={"active": 0}
            )
    system = await ensure_system(ctx)
    recalled = []
    for patrol in targets:
        after = recall(patrol, ctx.now)
        system = await store_progress(ctx, system, patrol, after)
        recalled.append(
            patrol_json(
                after, await ctx.store.nightwatch.alerts(ctx.user_id, 1000, 0, patrol_id=after.id)
            )
        )
    return {"recalled": recalled}


@action("nightwatch.create_zone", args=CreateZoneArgs, result=ZoneCreated, status_code=201)
async def create_protection_zone(ctx: ActionContext, args: CreateZoneArgs) -> dict[str, Any]:
    """Buy a protection zone with coins (type and radius 25–200 validated)."""
    system = await ensure_system(ctx)
    zone = create_zone(
        args.type,
        args.name,
        args.location,
        args.radius,
        coins=(await wallet_of(ctx)).coins,
    )
    wallet = await change_wallet(
        ctx,
        [
            Change(
                currency=COINS,
                amount=Decimal(-zone.cost),
                reason=f"night watch zone {zone.type}",
                counterparty="nightwatch",
            )
        ],
    )
    zone = await ctx.store.nightwatch.add_zone(ctx.user_id, zone, ctx.stamp)
    record, earned = record_zone(system.record, ctx.now)
    system = NightWatchSystem(record, system.night_seed)
    await ctx.store.nightwatch.save_system(ctx.user_id, system, ctx.stamp)
    ctx.emit("nightwatch.zone_created", {"zone_id": zone.id, "type": zone.type})
    return {
        "zone": zone.model_dump(mode="json"),
        "coins_left": wallet.coins,
        "achievements_earned": [a.model_dump(mode="json") for a in earned],
    }


@action("nightwatch.respond_alert", args=RespondArgs, result=Responded)
async def respond(ctx: ActionContext, args: RespondArgs) -> dict[str, Any]:
    """Answer a community alert (once, before it expires); fast critical answers count double."""
    alert_id = args.alert_id
    await catch_up(ctx)
    system = await ensure_system(ctx)
    stored = await ctx.store.nightwatch.alert(ctx.user_id, alert_id)
    if stored is None:
        raise NotFound(f"alert {alert_id} not found", details={"alert_id": alert_id})
    answered = respond_alert(stored.alert, ctx.now)
    await ctx.store.nightwatch.respond_alert(ctx.user_id, alert_id, ctx.stamp)
    record, earned = record_alert_response(system.record, answered, ctx.now)
    await ctx.store.nightwatch.save_system(
        ctx.user_id, NightWatchSystem(record, system.night_seed), ctx.stamp
    )
    ctx.emit("nightwatch.alert_answered", {"alert_id": alert_id})
    return {
        "alert": alert_json(StoredAlert(answered, stored.patrol_id)),
        "reputation": record.reputation,
        "achievements_earned": [a.model_dump(mode="json") for a in earned],
    }


@action("nightwatch.catch_up", args=NoArgs, result=CaughtUp, scope="read")
async def catch_up_action(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
    """Bring the player's patrols up to now (run by reads that find ticks waiting)."""
    patrols = await catch_up(ctx)
    return {
        "patrols": [{"id": p.id, "status": p.status, "ticks_done": p.ticks_done} for p in patrols]
    }


# --- reads -----------------------------------------------------------------------------------


def achievements_json(record: NightWatchRecord) -> list[dict[str, Any]]:
    return [
        {**row, "earned_at": row["earned_at"].isoformat() if row["earned_at"] else None}
        for row in achievement_progress(record)
    ]
