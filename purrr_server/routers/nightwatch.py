"""`/api/v1/night-watch`: deploy and recall patrols, status, zones, alerts, stats, achievements.

Writes go through the `nightwatch.*` actions (purrr_server.services.nightwatch). Reads bring the
player's patrols up to now first: when a tick has ended since the last write, they run the
`nightwatch.catch_up` action (so alerts get ids and ended patrols are settled exactly once).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import NotFound
from purrr_server.actions import MAX_ID, ActionResult
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Envelope, Paging, run_action
from purrr_server.lazy import catch_up_patrols
from purrr_server.runtime import runtime_of
from purrr_server.services import nightwatch as service
from purrr_server.services.nightwatch import (
    CreateZoneArgs,
    DeployArgs,
    PatrolOut,
    RecallArgs,
    Recalled,
    RespondArgs,
    Responded,
    ZoneCreated,
)
from purrr_server.services.timezones import player_zone

router = APIRouter(prefix="/night-watch", tags=["night-watch"])

PatrolId = Annotated[int, Path(ge=1, le=MAX_ID, description="The patrol's id.")]
AlertId = Annotated[int, Path(ge=1, le=MAX_ID, description="The alert's id.")]


class Record(ActionResult):
    """Running totals (SPEC §2 names), score, reputation, specializations and coins."""

    cats_saved: int
    encounters: int
    bobcats_deterred: int
    patrols: int
    reputation: int
    score: int
    coins: int


class Status(BaseModel):
    now: str
    window: dict[str, Any]
    active: bool
    patrol: PatrolOut | None
    patrols: list[PatrolOut]
    record: Record
    achievements: list[dict[str, Any]]
    open_alerts: int


class PatrolRow(ActionResult):
    id: int
    status: str
    area: str
    started_at: str
    ends_at: str
    ended_at: str | None
    cats: list[dict[str, Any]]


class Zone(ActionResult):
    id: int
    type: str
    name: str


class Alert(ActionResult):
    id: int
    type: str
    level: str
    message: str
    open: bool


class Achievement(ActionResult):
    id: str
    name: str


async def _patrol_view(repo: Any, user_id: int, patrol: Any) -> dict[str, Any]:
    alerts = await repo.alerts(user_id, 1000, 0, patrol_id=patrol.id)
    return service.patrol_json(patrol, alerts)


@router.post(
    "/deploy",
    status_code=201,
    summary="Deploy cats on a night patrol",
    response_model=Envelope[PatrolOut],
)
async def deploy(request: Request, body: DeployArgs, who: Caller) -> Response:
    return await run_action(request, who, "nightwatch.deploy", body)


@router.post(
    "/recall", summary="Recall the active patrol(s) now", response_model=Envelope[Recalled]
)
async def recall(
    request: Request, who: Caller, body: Annotated[RecallArgs | None, Body()] = None
) -> Response:
    return await run_action(request, who, "nightwatch.recall", body or RecallArgs())


@router.post(
    "/patrols/{patrol_id}/recall",
    summary="Recall one patrol now",
    response_model=Envelope[Recalled],
)
async def recall_one(request: Request, patrol_id: PatrolId, who: Caller) -> Response:
    return await run_action(request, who, "nightwatch.recall", {"patrol_id": patrol_id})


@router.get(
    "/status",
    summary="The window, the patrol brought to now, totals, achievements",
    response_model=Envelope[Status],
)
async def status(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    runtime = runtime_of(request)
    repo = runtime.store.read.nightwatch
    now = runtime.settings.now()
    config = runtime.settings.night_watch.config(player_zone(runtime.settings, who.user))
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


@router.get(
    "/patrols", summary="Patrol history, newest first", response_model=Envelope[list[PatrolRow]]
)
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


@router.get(
    "/patrols/{patrol_id}", summary="One patrol, brought to now", response_model=Envelope[PatrolOut]
)
async def patrol(request: Request, patrol_id: PatrolId, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    repo = runtime_of(request).store.read.nightwatch
    stored = await repo.patrol(who.user.id, patrol_id)
    if stored is None:
        raise NotFound(f"patrol {patrol_id} not found", details={"patrol_id": patrol_id})
    return ok(request, await _patrol_view(repo, who.user.id, stored.patrol))


@router.get("/zones", summary="Your protection zones", response_model=Envelope[list[Zone]])
async def zones(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    repo = runtime_of(request).store.read.nightwatch
    return ok(request, [z.model_dump(mode="json") for z in await repo.zones(who.user.id)])


@router.post(
    "/zones",
    status_code=201,
    summary="Buy a protection zone",
    response_model=Envelope[ZoneCreated],
)
async def add_zone(request: Request, body: CreateZoneArgs, who: Caller) -> Response:
    return await run_action(request, who, "nightwatch.create_zone", body)


@router.get(
    "/stats",
    summary="Running totals, score, reputation, specializations, coins",
    response_model=Envelope[Record],
)
async def stats(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    runtime = runtime_of(request)
    read = runtime.store.read
    record = await service.read_record(read, who.user.id)
    coins = await service.read_coins(read, who.user.id)
    return ok(request, service.record_json(record, coins))


@router.get(
    "/alerts", summary="Community alerts, newest first", response_model=Envelope[list[Alert]]
)
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


@router.post("/alerts", summary="Answer a community alert", response_model=Envelope[Responded])
async def respond(request: Request, body: RespondArgs, who: Caller) -> Response:
    return await run_action(request, who, "nightwatch.respond_alert", body)


@router.post(
    "/alerts/{alert_id}/respond",
    summary="Answer a community alert",
    response_model=Envelope[Responded],
)
async def respond_one(request: Request, alert_id: AlertId, who: Caller) -> Response:
    return await run_action(request, who, "nightwatch.respond_alert", {"alert_id": alert_id})


@router.get(
    "/achievements",
    summary="The ten Night Watch achievements with progress",
    response_model=Envelope[list[Achievement]],
)
async def achievements(request: Request, who: Caller) -> Response:
    await catch_up_patrols(request, who.user, create_system=True)
    record = await service.read_record(runtime_of(request).store.read, who.user.id)
    return ok(request, service.achievements_json(record))
