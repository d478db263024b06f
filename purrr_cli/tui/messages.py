"""Messages the app posts to its screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class ServerEvent(Message):
    """One event from the server's event stream (patrol tick, alert, breeding done …)."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__()
        self.event = event

    @property
    def type(self) -> str:
        return str(self.event.get("type") or self.event.get("event_type") or "")


class ConnectionChanged(Message):
    """The server became reachable again, or stopped answering."""

    def __init__(self, connected: bool, reason: str = "", retry_in: float = 0.0) -> None:
        super().__init__()
        self.connected = connected
        self.reason = reason
        self.retry_in = retry_in


class OverviewChanged(Message):
    """The app read a fresh `Overview` (coins, patrol, alerts, busy cats)."""
