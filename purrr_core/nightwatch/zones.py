"""Protection zones: validated, paid for in coins, and read by every patrol of their owner."""

from __future__ import annotations

from purrr_core.errors import Conflict, InvalidRequest, choose_one
from purrr_core.models import clean_name
from purrr_core.nightwatch.models import Zone
from purrr_core.nightwatch.rules import ZoneType, rules


def zone_types() -> dict[str, ZoneType]:
    """The zone catalogue: cost and effects by type."""
    return dict(rules().zones)


def _text(field: str, value: str) -> str:
    try:
        return clean_name(value)
    except ValueError as exc:
        raise InvalidRequest(
            f"zone {field}: {exc}", details={"field": field, "value": value}
        ) from None


def create_zone(
    zone_type: str,
    name: str,
    location: str,
    radius: int | None = None,
    *,
    coins: int,
    zone_id: int = 0,
) -> Zone:
    """A new zone, refused for an unknown type, a radius outside 25–200 or too few coins
    (`coins` is the player's wallet balance; the caller pays `zone.cost` from the wallet)."""
    table = rules()
    if zone_type not in table.zones:
        raise choose_one("zone type", zone_type, tuple(table.zones))
    limits = table.zone_radius
    low, high = int(limits["min"]), int(limits["max"])
    chosen = int(limits["default"]) if radius is None else radius
    if not low <= chosen <= high:
        raise InvalidRequest(
            f"zone radius must be {low}–{high} (got {chosen})",
            details={"field": "radius", "value": chosen, "min": low, "max": high},
        )
    cost = table.zones[zone_type].cost
    if coins < cost:
        raise Conflict(
            f"not enough coins: a {zone_type} zone costs {cost} coins and you have {coins}",
            details={"field": "coins", "cost": cost, "balance": coins},
        )
    return Zone(
        id=zone_id,
        type=zone_type,
        name=_text("name", name),
        location=_text("location", location),
        radius=chosen,
        cost=cost,
    )


def home_base(zone_id: int = 0) -> Zone:
    """The free safe haven every player's night-watch system starts with."""
    spec = rules().home_base
    return Zone(
        id=zone_id,
        type=spec["type"],
        name=spec["name"],
        location=spec["location"],
        radius=int(spec["radius"]),
        cost=0,
    )
