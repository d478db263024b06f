"""`/api/v1/night-watch`: deploy and recall patrols, status, zones, alerts, stats, achievements.

Writes go through the `nightwatch.*` actions (purrr_server.services.nightwatch). Reads bring the
player's patrols up to now first: when a tick has ended since the last write, they run the
`nightwatch.catch_up` action (so alerts get ids and ended patrols are settled exactly once).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import NotFound
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Paging, run_action
from purrr_server.lazy import catch_up_patrols
from purrr_server.runtime import runtime_of
from purrr_server.services import nightwatch as service

router = APIRouter(prefix="/night-watch", tags=["night-watch"])

PatrolId = Annotated[int, Path(ge=1, description="The patrol's id.")]
AlertId = Annotated[int, Path(ge=1, description="The alert's id.")]


class Deploy(BaseModel):
    """Send cats on patrol during the night window (21:00–06:00 server-local and at most 10 cats
    by default; `GET /night-watch/status` gives this server's window)."""

    model_config = ConfigDict(extra="forbid")
    cat_ids: list[int] = Field(..., examples=[[1, 3, 5]])
    area: str | None = Field(
        None,
        examples=["park"],
        description="neighborhood (default), park, alley, pizzeria or downtown",
    )
    roles: dict[str, str] | None = Field(
        None, examples=[{"3": "healer"}], description="cat id → scout, guardian, healer or alarm"
    )


class Recall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patrol_id: int | None = Field(None, description="Default: every active patrol.")


class CreateZone(BaseModel):
    """Buy a protection zone with coins (its type sets the price, docs/nightwatch.md); radius
    25–200 (default 50)."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(..., examples=["safe_haven"])
    name: str = Field(..., max_length=200, examples=["Home Base"])
    location: str = Field(..., max_length=200, examples=["Central Park"])
    radius: int | None = Field(None, examples=[75])


class Respond(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alert_id: int = Field(..., ge=1)


async def _patrol_view(repo: Any, user_id: int, patrol: Any) -> dict[str, Any]:
    alerts = await repo.alerts(user_id, 1000, 0, patrol_id=patrol.id)
    return service.patrol_json(patrol, alerts)


@router.post("/deploy", status_code=201, summary="Deploy cats on a night patrol")
async def deploy(request: Request, body: Deploy, who: Caller) -> Response:
    return await run_action(
        request, who.user, "nightwatch.deploy", body.model_dump(exclude_none=True)
    )


@router.post("/recall", summary="Recall the active patrol(s) now")
async def recall(
    request: Request, who: Caller, body: Annotated[Recall | None, Body()] = None
) -> Response:
    args = body.model_dump(exclude_none=True) if body else {}
    return await run_action(request, who.user, "nightwatch.recall", args)


@router.post("/patrols/{patrol_id}/recall", summary="Recall one patrol now")
async def recall_one(request: Request, patrol_id: PatrolId, who: Caller) -> Response:
    return await run_action(request, who.user, "nightwatch.recall", {"patrol_id": patrol_id})


@router.get("/status", summary="The window, the patrol brought to now, totals, achievements")
async def status(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    runtime = runtime_of(request)
    repo = runtime.store.read.nightwatch
    now = runtime.settings.now()
    config = service.night_config()
    record = await service.read_record(runtime.store.read, who.user.id)
    recent = await repo.patrols(who.user.id, 20, 0)
    active = [s.patrol for s in recent if s.patrol.active]
    shown = active[0] if active else (recent[0].patrol if recent else None)
    open_alerts = [a for a in await repo.alerts(who.user.id, 200, 0) if a.alert.is_open(now)]
    return ok(
        request,
        {
            "now": now.isoformat(),
            "window": service.window_json(config, now),
            "active": bool(active),
            "patrol": await _patrol_view(repo, who.user.id, shown) if shown else None,
            "patrols": [await _patrol_view(repo, who.user.id, p) for p in active],
            "record": service.record_json(
                record, await service.read_coins(runtime.store.read, who.user.id)
            ),
            "achievements": service.achievements_json(record),
            "open_alerts": len(open_alerts),
        },
    )


@router.get("/patrols", summary="Patrol history, newest first")
async def patrols(request: Request, paging: Paging, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    repo = runtime_of(request).store.read.nightwatch
    rows = []
    for stored in await repo.patrols(who.user.id, paging.limit, paging.offset):
        p = stored.patrol
        rows.append(
            {
                "id": p.id,
                "status": p.status,
                "area": p.area,
                "started_at": p.started_at.isoformat(),
                "ends_at": p.ends_at.isoformat(),
                "ended_at": p.ended_at.isoformat() if p.ended_at else None,
                "cats": [{"id": c.id, "name": c.name, "role": p.roles[c.id]} for c in p.cats],
                "weather": p.night.weather,
                "season": p.night.season,
                **p.summary(),
            }
        )
    total = await repo.count_patrols(who.user.id)
    return ok(request, rows, headers={"X-Total-Count": str(total)})


@router.get("/patrols/{patrol_id}", summary="One patrol, brought to now")
async def patrol(request: Request, patrol_id: PatrolId, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    repo = runtime_of(request).store.read.nightwatch
    stored = await repo.patrol(who.user.id, patrol_id)
    if stored is None:
        raise NotFound(f"patrol {patrol_id} not found", details={"patrol_id": patrol_id})
    return ok(request, await _patrol_view(repo, who.user.id, stored.patrol))


@router.get("/zones", summary="Your protection zones")
async def zones(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    repo = runtime_of(request).store.read.nightwatch
    return ok(request, [z.model_dump(mode="json") for z in await repo.zones(who.user.id)])


@router.post("/zones", status_code=201, summary="Buy a protection zone")
async def add_zone(request: Request, body: CreateZone, who: Caller) -> Response:
    return await run_action(
        request, who.user, "nightwatch.create_zone", body.model_dump(exclude_none=True)
    )


@router.get("/stats", summary="Running totals, score, reputation, specializations, coins")
async def stats(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    runtime = runtime_of(request)
    read = runtime.store.read
    record = await service.read_record(read, who.user.id)
    coins = await service.read_coins(read, who.user.id)
    return ok(request, service.record_json(record, coins))


@router.get("/alerts", summary="Community alerts, newest first")
async def alerts(
    request: Request,
    paging: Paging,
    who: Caller,
    open_only: Annotated[
        bool, Query(alias="open", description="Only unanswered, unexpired.")
    ] = False,
) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    runtime = runtime_of(request)
    now = runtime.settings.now()
    rows = await runtime.store.read.nightwatch.alerts(who.user.id, paging.limit, paging.offset)
    if open_only:
        rows = [a for a in rows if a.alert.is_open(now)]
    return ok(request, [{**service.alert_json(a), "open": a.alert.is_open(now)} for a in rows])


@router.post("/alerts", summary="Answer a community alert")
async def respond(request: Request, body: Respond, who: Caller) -> Response:
    return await run_action(
        request, who.user, "nightwatch.respond_alert", {"alert_id": body.alert_id}
    )


@router.post("/alerts/{alert_id}/respond", summary="Answer a community alert")
async def respond_one(request: Request, alert_id: AlertId, who: Caller) -> Response:
    return await run_action(request, who.user, "nightwatch.respond_alert", {"alert_id": alert_id})


@router.get("/achievements", summary="The ten Night Watch achievements with progress")
async def achievements(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    record = await service.read_record(runtime_of(request).store.read, who.user.id)
    return ok(request, service.achievements_json(record))
