"""The banner shown while the server cannot be reached."""

from __future__ import annotations

from textual.widgets import Static


class ConnectionBanner(Static):
    """Hidden while connected; otherwise says what is wrong and that we are retrying."""

    DEFAULT_CSS = """
    ConnectionBanner { display: none; }
    ConnectionBanner.-lost { display: block; }
    """

    def show_lost(self, reason: str, retry_in: float) -> None:
        self.update(f"⚠ Server unreachable ({reason}). Reconnecting in {retry_in:.0f}s …")
        self.add_class("-lost")

    def show_connected(self) -> None:
        self.remove_class("-lost")
