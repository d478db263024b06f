"""Per-subject request limits in fixed windows, with temporary bans for repeat offenders, shared by
every server process on one database.

A request is counted in memory (no database access on the request path). At most once a
`sync_seconds` a process adds what it counted since its last merge to `rate_limit_counters` in one
transaction and reads back every process's total (`RateLimiter.pending` / `merged`,
`purrr_server.runtime.Runtime`). A decision uses the last merged total plus the local counts, so
the limit can be overshot only by what the *other* processes admitted since they last merged:
with W processes, at most W - 1 intervals' worth of one subject's requests (docs/hosting.md).
Violations (refused requests) are merged the same way, and bans are written to `rate_limit_bans`
at once and read back by every process when it merges.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class _Window:
    start: int
    #: The database's totals at the last merge (every process's counts, this one's included).
    shared_hits: int = 0
    shared_violations: int = 0
    #: Counted here since the last merge.
    hits: int = 0
    violations: int = 0

    @property
    def total_hits(self) -> int:
        return self.shared_hits + self.hits

    @property
    def total_violations(self) -> int:
        return self.shared_violations + self.violations


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


@dataclass(frozen=True, slots=True)
class Pending:
    """Counts of one subject's window not yet added to the database."""

    subject: str
    window_start: int
    hits: int
    violations: int


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
        start = int(now - now % self.window)
        win = self.windows.get(subject)
        if win is None or win.start != start:
            win = self.windows[subject] = _Window(start)
        reset_at = start + self.window
        if win.total_hits < limit:
            win.hits += 1
            return Decision(True, limit, limit - win.total_hits, reset_at)
        win.violations += 1
        if win.total_violations >= self.ban_after:
            until = now + self.ban_seconds
            self.bans[subject] = until
            return Decision(
                False, limit, 0, until, self.ban_seconds, newly_banned=True, banned=True
            )
        return Decision(False, limit, 0, reset_at, int(reset_at - now) + 1)

    def load_bans(self, bans: dict[str, float]) -> None:
        self.bans.update(bans)

    def pending(self) -> list[Pending]:
        """What was counted here since the last merge (subjects with nothing new left out)."""
        return [
            Pending(subject, win.start, win.hits, win.violations)
            for subject, win in self.windows.items()
            if win.hits or win.violations
        ]

    def merged(self, sent: Pending, total_hits: int, total_violations: int) -> None:
        """`sent` is in the database, whose totals are now the given ones; requests counted
        while it was being written stay pending for the next merge."""
        win = self.windows.get(sent.subject)
        if win is None or win.start != sent.window_start:
            return  # a new window began meanwhile: the old one no longer matters
        win.hits -= sent.hits
        win.violations -= sent.violations
        win.shared_hits = total_hits
        win.shared_violations = total_violations

    def forget(self, now: float) -> None:
        """Drop windows and bans that are over at `now` (memory stays bounded)."""
        for subject in [s for s, w in self.windows.items() if w.start + self.window <= now]:
            del self.windows[subject]
        for subject in [s for s, until in self.bans.items() if until <= now]:
            del self.bans[subject]
