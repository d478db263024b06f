"""`/api/v1/cats/{id}/devices`: a cat's health devices, their readings and alerts (SPEC §9).

The owner registers, lists and removes devices and reads readings and alerts with their own
credentials. A device posts its readings with its own key (`X-Device-Key`, shown once at
registration), so it never holds the player's credentials; a wrong or revoked key is 401.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.devices import DEVICE_TYPES
from purrr_server.actions import MAX_ID, Label
from purrr_server.auth import Caller, Principal, enforce_rate_limit, hash_secret, log_security
from purrr_server.envelope import ApiError, ok
from purrr_server.http import Envelope, Paging, run_action
from purrr_server.runtime import runtime_of
from purrr_server.services.cats import find_cat
from purrr_server.services.devices import Device, Reading, RegisteredDevice, Removed

router = APIRouter(prefix="/cats/{cat_id}/devices", tags=["devices"])
CatId = Annotated[int, Path(ge=1, le=MAX_ID, description="The cat's id.")]
DeviceId = Annotated[int, Path(ge=1, le=MAX_ID, description="The device's id.")]
DEVICE_KEY_HEADER = "X-Device-Key"


class RegisterDevice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_type: str = Field(examples=list(DEVICE_TYPES), description=", ".join(DEVICE_TYPES))
    name: Label | None = Field(None, examples=["kitchen scale"])


class PostReading(BaseModel):
    """The device type's metrics as top-level fields, e.g. `{"heart_rate_bpm": 182,
    "temperature_f": 101.4}`, and optionally when they were measured (default: now)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"heart_rate_bpm": 182, "temperature_f": 101.4}]},
    )
    measured_at: datetime | None = None


#: What a device key may do: post its own readings (the route checks it is this device's key).
DEVICE_SCOPES = frozenset({"write"})


async def device_caller(request: Request, cat_id: int, device_id: int) -> Principal:
    """The device posting to this path, authenticated by its own key (not the player's), acting
    for the player who owns it with the `write` scope only."""
    runtime = runtime_of(request)
    key = request.headers.get(DEVICE_KEY_HEADER, "").strip()
    if not key:
        raise ApiError(
            "UNAUTHORIZED",
            f"send the device's key in the {DEVICE_KEY_HEADER} header "
            "(shown once when the device was registered)",
        )
    digest = hash_secret(key)
    owner = await runtime.store.read.devices.by_key(digest)
    if owner is None or (owner.device["cat_id"], owner.device["id"]) != (cat_id, device_id):
        await log_security(
            runtime,
            "device_key_rejected",
            request,
            owner.user.id if owner else None,
            device_id=device_id,
        )
        raise ApiError(
            "UNAUTHORIZED",
            f"invalid device key for device {device_id} of cat {cat_id}; "
            "register the device again to get a new key",
        )
    await enforce_rate_limit(
        request, runtime, f"device:{device_id}", owner.user.tier, owner.user.id
    )
    return Principal(owner.user, "device", DEVICE_SCOPES, digest)


@router.post(
    "",
    status_code=201,
    summary="Register a health device (its key is shown only here)",
    response_model=Envelope[RegisteredDevice],
)
async def register(request: Request, body: RegisterDevice, who: Caller, cat_id: CatId) -> Response:
    args = {"cat_id": cat_id, **body.model_dump(exclude_none=True)}
    return await run_action(request, who, "devices.register", args)


@router.get(
    "",
    summary="The cat's health devices (never their keys)",
    response_model=Envelope[list[Device]],
)
async def list_devices(request: Request, who: Caller, cat_id: CatId) -> Response:
    store = runtime_of(request).store.read
    await find_cat(store, who.user.id, cat_id)
    return ok(request, await store.devices.for_cat(who.user.id, cat_id))


@router.get(
    "/alerts",
    summary="Alerts raised by the cat's readings, newest first",
    response_model=Envelope[list[dict[str, Any]]],
)
async def alerts(
    request: Request,
    who: Caller,
    cat_id: CatId,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many alerts.")] = 50,
) -> Response:
    store = runtime_of(request).store.read
    await find_cat(store, who.user.id, cat_id)
    return ok(request, await store.devices.alerts(who.user.id, cat_id, limit))


@router.delete(
    "/{device_id}",
    summary="Remove a device (its key stops working; readings go too)",
    response_model=Envelope[Removed],
)
async def remove(request: Request, who: Caller, cat_id: CatId, device_id: DeviceId) -> Response:
    args = {"cat_id": cat_id, "device_id": device_id}
    return await run_action(request, who, "devices.remove", args)


@router.post(
    "/{device_id}/readings",
    status_code=201,
    summary="Post a reading, authenticated with the device's own key (X-Device-Key)",
    response_model=Envelope[Reading],
)
async def post_reading(
    request: Request, body: PostReading, cat_id: CatId, device_id: DeviceId
) -> Response:
    device = await device_caller(request, cat_id, device_id)
    metrics: dict[str, Any] = dict(body.model_extra or {})
    args: dict[str, Any] = {"cat_id": cat_id, "device_id": device_id, "metrics": metrics}
    if body.measured_at is not None:
        args["measured_at"] = body.measured_at.isoformat()
    return await run_action(request, device, "devices.record", args)


@router.get(
    "/{device_id}/readings",
    summary="A device's readings, newest first",
    response_model=Envelope[list[Reading]],
)
async def readings(
    request: Request, who: Caller, cat_id: CatId, device_id: DeviceId, paging: Paging
) -> Response:
    store = runtime_of(request).store.read
    await find_cat(store, who.user.id, cat_id)
    if await store.devices.get(who.user.id, cat_id, device_id) is None:
        raise ApiError(
            "NOT_FOUND",
            f"device {device_id} not found on cat {cat_id}",
            details={"cat_id": cat_id, "device_id": device_id},
        )
    rows = await store.devices.readings(who.user.id, cat_id, device_id, paging.limit, paging.offset)
    return ok(request, rows)


@router.post(
    "/{device_id}/simulate",
    status_code=201,
    summary="Take a reading from the sandbox's simulated device (derived from the cat's state)",
    response_model=Envelope[Reading],
)
async def simulate(request: Request, who: Caller, cat_id: CatId, device_id: DeviceId) -> Response:
    args = {"cat_id": cat_id, "device_id": device_id}
    return await run_action(request, who, "devices.simulate", args)
