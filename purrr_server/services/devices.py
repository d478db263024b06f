"""Health-device actions (SPEC §9): register and remove a cat's devices, record a reading (sent by
the device with its own key) and take a reading from the sandbox's simulated device.

A reading is validated against its device type (purrr_core.devices), stored with the alerts it
raises, and each alert is emitted as a `device.alert` event in the player's stream. Devices are
credentials of the server that issued their key, so these actions never sync.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from purrr_core import Cat, Conflict, InvalidRequest, NotFound
from purrr_core.devices import (
    alerts_for,
    check_measured_at,
    device_type,
    simulate_reading,
    validate_reading,
)
from purrr_server.actions import ActionArgs, ActionContext, ActionResult, Label, RowId, action
from purrr_server.auth import hash_secret
from purrr_server.services.cats import find_cat

#: A device key: `pd_` + 64 hex characters (256 random bits).
KEY_PREFIX = "pd_"
#: How many devices one cat may wear.
MAX_DEVICES_PER_CAT = 10


class RegisterArgs(ActionArgs):
    cat_id: RowId
    device_type: str = Field(
        description="collar_sensor, weight_scale or activity_tracker (purrr_core/data/devices.json)"
    )
    name: Label | None = Field(None, description="A label; defaults to the device type.")


class DeviceArgs(ActionArgs):
    cat_id: RowId
    device_id: RowId


class RecordArgs(DeviceArgs):
    metrics: dict[str, Any] = Field(description="The device type's metrics, e.g. heart_rate_bpm.")
    measured_at: datetime | None = Field(None, description="When measured (default: now).")


class Device(ActionResult):
    id: int
    cat_id: int
    device_type: str
    name: str
    key_prefix: str
    created_at: str
    last_reading_at: str | None


class RegisteredDevice(Device):
    #: Shown only in this result (stored hashed; redacted in the action log and replays).
    device_key: str


class Reading(ActionResult):
    id: int
    device_id: int
    cat_id: int
    source: Literal["device", "simulated"]
    measured_at: str
    metrics: dict[str, int | float]
    alerts: list[dict[str, Any]]


class Removed(ActionResult):
    id: int
    cat_id: int
    deleted: Literal[True] = True


def new_device_key() -> str:
    return KEY_PREFIX + secrets.token_hex(32)


async def _cat(ctx: ActionContext, cat_id: int) -> Cat:
    """The caller's cat; a device keeps reading a cat that is out on patrol, so no duty rule."""
    return await find_cat(ctx.store, ctx.user_id, cat_id)


async def _device(ctx: ActionContext, cat_id: int, device_id: int) -> dict[str, Any]:
    await _cat(ctx, cat_id)
    device = await ctx.store.devices.get(ctx.user_id, cat_id, device_id)
    if device is None:
        raise NotFound(
            f"device {device_id} not found on cat {cat_id}; list them: purrr cats devices list "
            f"{cat_id}",
            details={"cat_id": cat_id, "device_id": device_id},
        )
    return device


@action(
    "devices.register",
    args=RegisterArgs,
    result=RegisteredDevice,
    status_code=201,
    secret_result=("device_key",),
    syncs=False,
)
async def register(ctx: ActionContext, args: RegisterArgs) -> dict[str, Any]:
    kind = device_type(args.device_type)
    await _cat(ctx, args.cat_id)
    if await ctx.store.devices.count_for_cat(ctx.user_id, args.cat_id) >= MAX_DEVICES_PER_CAT:
        raise Conflict(
            f"cat {args.cat_id} already has {MAX_DEVICES_PER_CAT} devices; remove one first",
            details={"cat_id": args.cat_id, "max": MAX_DEVICES_PER_CAT},
        )
    key = new_device_key()
    device = await ctx.store.devices.add(
        ctx.user_id,
        args.cat_id,
        device_type=kind.id,
        name=args.name or kind.name,
        key_prefix=key[:11],
        key_hash=hash_secret(key),
        now=ctx.stamp,
    )
    ctx.emit("device.registered", {"cat_id": args.cat_id, "device_id": device["id"]})
    return RegisteredDevice(**device, device_key=key).model_dump()


@action("devices.remove", args=DeviceArgs, result=Removed, syncs=False)
async def remove(ctx: ActionContext, args: DeviceArgs) -> dict[str, Any]:
    device = await _device(ctx, args.cat_id, args.device_id)
    await ctx.store.devices.delete(ctx.user_id, device["id"])
    ctx.emit("device.removed", {"cat_id": args.cat_id, "device_id": device["id"]})
    return Removed(id=device["id"], cat_id=args.cat_id).model_dump()


async def _store_reading(
    ctx: ActionContext,
    device: dict[str, Any],
    values: dict[str, float],
    measured_at: datetime,
    source: Literal["device", "simulated"],
) -> dict[str, Any]:
    stamp = measured_at.astimezone(UTC).isoformat()
    previous = await ctx.store.devices.previous_values(
        ctx.user_id, device["cat_id"], tuple(values), stamp
    )
    alerts = [a.model_dump(exclude_none=True) for a in alerts_for(values, previous)]
    reading = await ctx.store.devices.add_reading(
        ctx.user_id,
        device,
        source=source,
        measured_at=stamp,
        metrics=values,
        alerts=alerts,
        now=ctx.stamp,
    )
    for alert in alerts:
        ctx.emit(
            "device.alert",
            {
                "cat_id": device["cat_id"],
                "device_id": device["id"],
                "device_type": device["device_type"],
                "reading_id": reading["id"],
                "measured_at": stamp,
                **alert,
            },
        )
    return Reading(**reading).model_dump()


@action("devices.record", args=RecordArgs, result=Reading, status_code=201, syncs=False)
async def record(ctx: ActionContext, args: RecordArgs) -> dict[str, Any]:
    """A reading sent by the device itself (the route authenticated it with its key)."""
    device = await _device(ctx, args.cat_id, args.device_id)
    measured_at = args.measured_at or ctx.now
    if measured_at.tzinfo is None:
        raise InvalidRequest(
            "measured_at needs a timezone (e.g. 2026-01-01T12:00:00Z)",
            details={"field": "measured_at", "value": measured_at.isoformat()},
        )
    check_measured_at(measured_at, ctx.now)
    values = validate_reading(device["device_type"], args.metrics)
    return await _store_reading(ctx, device, values, measured_at, "device")


@action("devices.simulate", args=DeviceArgs, result=Reading, status_code=201, syncs=False)
async def simulate(ctx: ActionContext, args: DeviceArgs) -> dict[str, Any]:
    """The sandbox device reads the cat now: derived from its state with the action's seed."""
    device = await _device(ctx, args.cat_id, args.device_id)
    cat = await _cat(ctx, args.cat_id)
    values = simulate_reading(cat, device["device_type"], ctx.now, ctx.rng)
    return await _store_reading(ctx, device, values, ctx.now, "simulated")
