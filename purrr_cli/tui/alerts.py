"""Health-device alerts (docs/devices.md) as the dashboard keeps them: per cat, the last day's.

They arrive as `device.alert` events (live), and the dashboard reads the recent ones from the
event feed when it starts, so a cat whose collar raised an alert this morning shows it now.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from purrr_cli.tui import clock

#: Alerts older than this (by measurement time) are no longer shown.
WINDOW = timedelta(hours=24)
#: How many of the newest events the dashboard reads at start for recent alerts.
RECENT_EVENTS = 500
#: How a metric reads in a cat's needs ("heart rate high").
METRICS = {
    "heart_rate_bpm": "heart rate",
    "temperature_f": "temperature",
    "weight_kg": "weight",
    "active_minutes": "activity",
    "steps": "steps",
}
KINDS = {"low": "low", "high": "high", "change": "changed"}


def label(alert: dict[str, Any]) -> str:
    """`heart rate high`: the alert in a few words, for the needs column."""
    metric = str(alert.get("metric", ""))
    name = METRICS.get(metric, metric.replace("_", " "))
    return f"{name} {KINDS.get(str(alert.get('kind', '')), '')}".strip()


class DeviceAlerts:
    """cat id → its alerts of the last `WINDOW`, newest first."""

    def __init__(self) -> None:
        self._by_cat: dict[int, list[dict[str, Any]]] = {}

    def add(self, alert: dict[str, Any]) -> bool:
        """Remember an alert (a `device.alert` event's payload); whether it is recent and new."""
        cat_id = alert.get("cat_id")
        if not isinstance(cat_id, int) or not self._recent(alert):
            return False
        known = self._by_cat.setdefault(cat_id, [])
        if alert in known:
            return False
        known.append(alert)
        known.sort(key=lambda a: str(a.get("measured_at") or ""), reverse=True)
        return True

    def __len__(self) -> int:
        return sum(len(alerts) for alerts in self._by_cat.values())

    def for_cat(self, cat_id: int) -> list[dict[str, Any]]:
        return [a for a in self._by_cat.get(cat_id, []) if self._recent(a)]

    def labels(self, cat_id: int) -> list[str]:
        """The distinct short labels of the cat's recent alerts, newest first."""
        seen: list[str] = []
        for alert in self.for_cat(cat_id):
            if label(alert) not in seen:
                seen.append(label(alert))
        return seen

    @staticmethod
    def _recent(alert: dict[str, Any], now: datetime | None = None) -> bool:
        measured = clock.parse(str(alert.get("measured_at") or "")) if alert else None
        return measured is not None and measured > (now or clock.now()) - WINDOW


def alerts_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The payloads of the `device.alert` events among `events`."""
    return [
        e["payload"]
        for e in events
        if e.get("type") == "device.alert" and isinstance(e.get("payload"), dict)
    ]
