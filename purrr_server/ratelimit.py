"""Per-subject request limits in fixed windows, with temporary bans for repeat offenders.

Counters live in memory (one process serves a data dir's hosted traffic); bans are also written
to the `rate_limit_bans` table so they survive a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class _Window:
    start: float
    count: int = 0
    violations: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict for one request and the headers that describe it."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    retry_after: int = 0
    newly_banned: bool = False
    banned: bool = False

    def headers(self) -> dict[str, str]:
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(int(self.reset_at)),
        }
        if not self.allowed:
            out["Retry-After"] = str(max(1, self.retry_after))
        return out


@dataclass
class RateLimiter:
    """Fixed-window counting: `limit` requests per `window` seconds per subject."""

    window: int
    ban_after: int
    ban_seconds: int
    windows: dict[str, _Window] = field(default_factory=dict)
    bans: dict[str, float] = field(default_factory=dict)

    def check(self, subject: str, limit: int, now: float) -> Decision:
        """Count one request by `subject` at epoch second `now`."""
        banned_until = self.bans.get(subject)
        if banned_until is not None and banned_until > now:
            return Decision(False, limit, 0, banned_until, int(banned_until - now) + 1, banned=True)
        start = now - now % self.window
        win = self.windows.get(subject)
        if win is None or win.start != start:
            win = self.windows[subject] = _Window(start)
        reset_at = start + self.window
        if win.count < limit:
            win.count += 1
            return Decision(True, limit, limit - win.count, reset_at)
        win.violations += 1
        if win.violations >= self.ban_after:
            until = now + self.ban_seconds
            self.bans[subject] = until
            return Decision(
                False, limit, 0, until, self.ban_seconds, newly_banned=True, banned=True
            )
        return Decision(False, limit, 0, reset_at, int(reset_at - now) + 1)

    def load_bans(self, bans: dict[str, float]) -> None:
        self.bans.update(bans)
