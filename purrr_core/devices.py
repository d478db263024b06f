"""Health devices (SPEC §9): device types, reading validation, alert thresholds, the sandbox device.

Everything is a rule over the table `purrr_core/data/devices.json`: which metrics each device type
reports, their physically possible range (a reading outside it is refused as a sensor fault), their
healthy range (a reading outside it raises an alert; the bounds themselves are healthy) and the
largest change between two readings that is not an alert. The simulated device derives a reading
from the cat's state at `now` with a seeded RNG, so the same cat, time and seed read the same.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from purrr_core.catalog import load
from purrr_core.errors import InvalidRequest, choose_one
from purrr_core.models import Cat
from purrr_core.timeflow import advance

AlertKind = Literal["low", "high", "change"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Metric(_Frozen):
    """One measured quantity and its rules."""

    id: str
    label: str
    unit: str
    integer: bool
    #: Physically possible values (inclusive); anything else is a sensor fault and refused.
    valid: tuple[float, float]
    #: Healthy values (inclusive); a reading outside raises an alert. None: no range alert.
    normal: tuple[float, float] | None
    #: Percent change since the previous reading above which an alert is raised.
    change_pct: float | None


class DeviceType(_Frozen):
    id: str
    name: str
    metrics: tuple[str, ...]


class Alert(_Frozen):
    """A reading outside its healthy range (or moving too fast)."""

    metric: str
    kind: AlertKind
    value: float
    #: The bound crossed: the range bound for low/high, the allowed percent for a change.
    threshold: float
    #: For a change alert: the previous value and the percent moved.
    previous: float | None = None
    change_pct: float | None = None
    message: str


@cache
def _table() -> dict[str, Any]:
    data: dict[str, Any] = load("devices")
    return data


@cache
def metrics() -> dict[str, Metric]:
    """Every metric by id, in table order."""
    return {row["id"]: Metric.model_validate(row) for row in _table()["metrics"]}


@cache
def device_types() -> dict[str, DeviceType]:
    """Every device type by id (`collar_sensor`, `weight_scale`, `activity_tracker`)."""
    return {row["id"]: DeviceType.model_validate(row) for row in _table()["device_types"]}


DEVICE_TYPES: tuple[str, ...] = tuple(device_types())


def device_type(type_id: str) -> DeviceType:
    """The device type `type_id`, or VALIDATION_ERROR listing the supported ones."""
    found = device_types().get(type_id)
    if found is None:
        raise choose_one("device type", type_id, DEVICE_TYPES)
    return found


#: The longest piece of a refused value an error message repeats.
_ECHO = 40


def _brief(value: Any) -> str:
    """A refused value as an error repeats it: at most `_ECHO` characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _ECHO else text[:_ECHO] + "…"


def _number(metric: Metric, raw: Any) -> float:
    """`raw` as this metric's number, or VALIDATION_ERROR naming the field and its range."""
    low, high = metric.valid
    unit = f" {metric.unit}"
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or (isinstance(raw, float) and not math.isfinite(raw))
    ):
        raise InvalidRequest(
            f"{metric.id} must be a finite number ({metric.label} in {metric.unit})",
            details={"field": metric.id, "value": _brief(raw)},
        )
    if not low <= raw <= high:
        raise InvalidRequest(
            f"{metric.id} {_brief(raw)}{unit} is not a possible reading; it must be between "
            f"{_show(metric, low)} and {_show(metric, high)}{unit} (check the sensor)",
            details={"field": metric.id, "value": _brief(raw), "min": low, "max": high},
        )
    if metric.integer and raw != int(raw):
        raise InvalidRequest(
            f"{metric.id} must be a whole number of {metric.unit}",
            details={"field": metric.id, "value": raw},
        )
    return int(raw) if metric.integer else round(float(raw), 2)


def _show(metric: Metric, value: float) -> str:
    return str(int(value)) if metric.integer else f"{value:g}"


def validate_reading(type_id: str, values: dict[str, Any]) -> dict[str, float]:
    """The reading of a `type_id` device, checked: exactly its metrics, each a number within
    its physically possible range. VALIDATION_ERROR names the first wrong field."""
    kind = device_type(type_id)
    unknown = sorted(set(values) - set(kind.metrics))
    if unknown:
        raise InvalidRequest(
            f"a {kind.id} does not report {_brief(unknown[0])!r}; it reports "
            f"{', '.join(kind.metrics)}",
            details={"field": _brief(unknown[0]), "choices": list(kind.metrics)},
        )
    missing = [m for m in kind.metrics if values.get(m) is None]
    if missing:
        raise InvalidRequest(
            f"{missing[0]} is required for a {kind.id} reading ({', '.join(kind.metrics)})",
            details={"field": missing[0]},
        )
    table = metrics()
    return {m: _number(table[m], values[m]) for m in kind.metrics}


def check_measured_at(measured_at: datetime, now: datetime) -> None:
    """Refuse a reading from the future (beyond the allowed clock skew) or too old to matter."""
    rules = _table()["readings"]
    if measured_at > now + timedelta(minutes=rules["max_clock_skew_minutes"]):
        raise InvalidRequest(
            f"measured_at {measured_at.isoformat()} is in the future; check the device's clock",
            details={"field": "measured_at", "value": measured_at.isoformat()},
        )
    if measured_at < now - timedelta(days=rules["max_age_days"]):
        raise InvalidRequest(
            f"measured_at {measured_at.isoformat()} is more than {rules['max_age_days']} days "
            "old; such readings are not accepted",
            details={"field": "measured_at", "value": measured_at.isoformat()},
        )


def alerts_for(values: dict[str, float], previous: dict[str, float] | None = None) -> list[Alert]:
    """The alerts a reading raises: each metric outside its healthy range (bounds inclusive are
    healthy), and each metric that changed more than its `change_pct` since `previous`."""
    out: list[Alert] = []
    table = metrics()
    for metric_id, value in values.items():
        metric = table[metric_id]
        shown = f"{_show(metric, value)} {metric.unit}"
        if metric.normal is not None:
            low, high = metric.normal
            if value < low:
                out.append(
                    Alert(
                        metric=metric_id,
                        kind="low",
                        value=value,
                        threshold=low,
                        message=f"{metric.label} {shown} is below {_show(metric, low)}",
                    )
                )
            elif value > high:
                out.append(
                    Alert(
                        metric=metric_id,
                        kind="high",
                        value=value,
                        threshold=high,
                        message=f"{metric.label} {shown} is above {_show(metric, high)}",
                    )
                )
        before = (previous or {}).get(metric_id)
        if metric.change_pct is not None and before:
            moved = round((value - before) / before * 100, 1)
            if abs(moved) > metric.change_pct:
                direction = "up" if moved > 0 else "down"
                out.append(
                    Alert(
                        metric=metric_id,
                        kind="change",
                        value=value,
                        threshold=metric.change_pct,
                        previous=before,
                        change_pct=moved,
                        message=f"{metric.label} {direction} {abs(moved):g}% since the last "
                        f"reading ({_show(metric, before)} → {shown})",
                    )
                )
    return out


def _clamp(metric_id: str, value: float) -> float:
    metric = metrics()[metric_id]
    low, high = metric.valid
    value = min(max(value, low), high)
    return round(value) if metric.integer else round(value, 2)


def simulate_reading(cat: Cat, type_id: str, now: datetime, rng: random.Random) -> dict[str, float]:
    """A plausible reading of a `type_id` device worn by `cat` at `now` (the sandbox device).

    Derived from the cat's state at `now`: poor health raises the heart rate and brings fever,
    a starving cat (satiation below the table's stress level) runs cold, loses weight and both
    tiredness and illness cut its activity. The same cat, `now` and RNG state give the same
    reading."""
    kind = device_type(type_id)
    cat = advance(cat, now)
    sim = _table()["simulation"]
    illness = (100 - cat.health) / 100
    stress_below = sim["hunger_stress_below"]
    hunger_stress = max(0, stress_below - cat.hunger) / stress_below
    out: dict[str, float] = {}
    for metric_id in kind.metrics:
        if metric_id == "heart_rate_bpm":
            hr = sim["heart_rate"]
            value = (
                hr["base"]
                + hr["per_energy"] * (cat.energy - 50)
                + hr["illness"] * illness
                + hr["hunger_stress"] * hunger_stress
                + rng.gauss(0, hr["noise"])
            )
        elif metric_id == "temperature_f":
            temp = sim["temperature"]
            fever = max(0, temp["illness_from_health"] - cat.health) / temp["illness_from_health"]
            value = (
                temp["base"]
                + temp["illness"] * fever
                + temp["hunger_stress"] * hunger_stress
                + rng.gauss(0, temp["noise"])
            )
        elif metric_id == "weight_kg":
            weight = sim["weight"]
            frame = weight["base_kg"] + weight["per_strength"] * cat.strength / 100
            frame += weight["male_kg"] if cat.sex == "male" else 0
            value = frame * (1 - weight["starving_loss"] * hunger_stress) * (
                1 - weight["illness_loss"] * illness
            ) + rng.gauss(0, weight["noise"])
        elif metric_id == "active_minutes":
            activity = sim["activity"]
            value = activity["max_minutes"] * cat.energy / 100 * cat.health / 100 + rng.gauss(
                0, activity["noise"]
            )
        elif metric_id == "steps":
            low, high = sim["activity"]["steps_per_minute"]
            value = out["active_minutes"] * rng.randint(low, high)
        else:  # a metric added to the table without a simulation rule
            raise InvalidRequest(
                f"the sandbox cannot simulate {metric_id!r} yet", details={"field": metric_id}
            )
        out[metric_id] = _clamp(metric_id, value)
    return out
