"""Night Watch (`n`): the window, deploying patrols, the live patrol timeline, zones, alerts."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from purrr_cli.errors import CliError
from purrr_cli.render.patrol import PatrolView, local_clock
from purrr_cli.tui import clock
from purrr_cli.tui.screens.base import PurrrScreen
from purrr_cli.tui.screens.deploy import DeployDialog
from purrr_cli.tui.screens.form import FormDialog, FormField
from purrr_cli.tui.widgets.records import Column, RecordTable, records_of
from purrr_core.nightwatch import rules

ZONE_COLUMNS: list[Column] = [
    ("Zone", "name"),
    ("Type", lambda z: _zone_name(z.get("type"))),
    ("Where", "location"),
    ("Radius", "radius"),
]
ALERT_COLUMNS: list[Column] = [
    ("State", lambda a: alert_state(a)),
    ("Level", "level"),
    ("Raised", lambda a: local_clock(a.get("raised_at"), int(a.get("_offset") or 0))),
    ("Message", "message"),
]
ACHIEVEMENT_COLUMNS: list[Column] = [
    ("Achievement", "name"),
    ("Progress", lambda a: _progress(a)),
    ("Earned", "earned"),
]


def _zone_name(zone_type: Any) -> str:
    zone = rules().zones.get(str(zone_type))
    return zone.name if zone else str(zone_type or "")


def alert_state(alert: dict[str, Any]) -> str:
    """`OPEN` (answer it with a), `answered`, or `expired`: a word, readable without colour."""
    if alert.get("responded_at"):
        return "answered"
    return "OPEN" if alert.get("open") else "expired"


def server_offset(status: dict[str, Any]) -> int:
    """The server's UTC offset in minutes, from its window line (local time) and `now` (UTC)."""
    patrol = status.get("patrol")
    if isinstance(patrol, dict) and patrol.get("utc_offset_minutes") is not None:
        return int(patrol["utc_offset_minutes"])
    window = status.get("window") or {}
    now = clock.parse(status.get("now"))
    if not window.get("local_time") or now is None:
        return 0
    local = _seconds(window["local_time"]) // 60
    minutes = (local - (now.hour * 60 + now.minute)) % (24 * 60)
    return minutes - 24 * 60 if minutes > 12 * 60 else minutes


def _progress(item: dict[str, Any]) -> str:
    if "current" in item and "required" in item:
        return f"{item['current']}/{item['required']}"
    return str(item.get("progress", ""))


class NightWatchScreen(PurrrScreen):
    """Patrols between 21:00 and 06:00; the server simulates them, this screen watches."""

    HELP = """\
# Night Watch: save the strays

Between **21:00 and 06:00** you can deploy up to 10 cats to patrol an area. Each cat takes a
role (scout, guardian, healer, alarm; *auto* picks one from its personality). The server plays
the night out tick by tick; the **Patrol** tab shows encounters, strays and alerts as they happen.
Zones (bought with coins) strengthen every patrol. Answer community alerts from the **Alerts** tab.
"""
    MODE = "nightwatch"
    LIVE_EVENTS = ("nightwatch.", "night_watch.", "patrol.", "alert.")
    #: A patrol advances with time; re-read it this often while the screen is shown.
    REFRESH_SECONDS = 10.0
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "deploy", "Deploy", id="nightwatch.deploy"),
        Binding("z", "create_zone", "New zone", id="nightwatch.zone"),
        Binding("a", "respond", "Answer alert", id="nightwatch.respond"),
        Binding("x", "recall", "Recall", id="nightwatch.recall"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: dict[str, Any] = {}
        self.cats: list[dict[str, Any]] = []
        #: When `status` was read: the window countdown runs on from the server's local time.
        self.fetched_at: datetime | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="nw-window", classes="summary")
        yield Static(id="nw-record", classes="summary")
        with TabbedContent(id="nw-tabs"):
            with TabPane("Patrol", id="tab-patrol"):
                with VerticalScroll(id="nw-patrol-scroll"):
                    yield Static("Loading the night…", id="nw-patrol")
            with TabPane("Zones", id="tab-zones"):
                yield RecordTable(ZONE_COLUMNS, id="nw-zones")
            with TabPane("Alerts", id="tab-alerts"):
                yield RecordTable(ALERT_COLUMNS, id="nw-alerts")
            with TabPane("Achievements", id="tab-achievements"):
                yield RecordTable(ACHIEVEMENT_COLUMNS, key="id", id="nw-achievements")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick_clock)
        self.set_interval(self.REFRESH_SECONDS, self._refresh_active)

    async def fetch(self) -> dict[str, Any]:
        status, zones, alerts, cats = await asyncio.gather(
            self.api.nightwatch_status(),
            self.api.nightwatch_zones(),
            self.api.nightwatch_alerts(),
            self.api.cats(),
        )
        return {"status": status, "zones": zones, "alerts": alerts, "cats": cats}

    def show(self, data: dict[str, Any]) -> None:
        self.status = data["status"] or {}
        self.fetched_at = clock.now()
        self.cats = data["cats"]
        self._tick_clock()
        self.query_one("#nw-record", Static).update(record_line(self.status))
        patrol = active_patrol(self.status)
        self.query_one("#nw-patrol", Static).update(
            PatrolView(patrol) if patrol else "No patrol tonight. Press d to deploy one."
        )
        self.query_one("#nw-zones", RecordTable).set_records(records_of(data["zones"], "zones"))
        offset = server_offset(self.status)
        alerts = [{**a, "_offset": offset} for a in records_of(data["alerts"], "alerts")]
        alerts.sort(key=lambda a: alert_state(a) != "OPEN")  # open ones first, newest first
        self.query_one("#nw-alerts", RecordTable).set_records(alerts)
        achievements = records_of(self.status.get("achievements"), "achievements")
        self.query_one("#nw-achievements", RecordTable).set_records(achievements)

    def failed(self, exc: CliError) -> None:
        if not self.status:  # never loaded: no "Loading…" left behind (the error line says why)
            self.query_one("#nw-patrol", Static).update("The night could not be loaded.")

    def _tick_clock(self) -> None:
        window = self.status.get("window")
        if not isinstance(window, dict) or self.fetched_at is None:
            return
        elapsed = (clock.now() - self.fetched_at).total_seconds()
        self.query_one("#nw-window", Static).update(window_line(window, elapsed))

    def _refresh_active(self) -> None:
        if self.is_current and active_patrol(self.status):
            self.reload()

    # --- actions ------------------------------------------------------------------------

    def action_deploy(self, preselect: list[int] | None = None) -> None:
        cats = self.cats or self.purrr.cats
        if not cats:
            self.notify("Adopt a cat first.", severity="warning")
            return

        def deploy(body: dict[str, Any] | None) -> None:
            if body:
                self.call(self.api.deploy(body), self._deployed)

        overview = self.purrr.overview
        busy = overview.busy if overview else {}
        self.app.push_screen(DeployDialog(cats, busy, preselect), deploy)

    def _deployed(self, result: Any) -> None:
        patrol = result.get("patrol", result) if isinstance(result, dict) else {}
        area = rules().areas.get(str(patrol.get("area")))
        names = ", ".join(str(c.get("name")) for c in patrol.get("cats") or [])
        where = area.name if area else "the night"
        self.notify(f"Patrol #{patrol.get('id', '')} deployed to {where}: {names}.")
        self.reload()

    def action_create_zone(self) -> None:
        radius = rules().zone_radius
        zone_types = tuple((f"{z.name} ({z.cost} coins)", z.id) for z in rules().zones.values())
        fields = [
            FormField("type", "Type", choices=zone_types),
            FormField("name", "Name"),
            FormField("location", "Location", "Home"),
            FormField(
                "radius",
                f"Radius {int(radius['min'])}–{int(radius['max'])}",
                int(radius["default"]),
                integer=True,
            ),
        ]

        def create(values: dict[str, Any] | None) -> None:
            if values:
                self.call(
                    self.api.create_zone(values),
                    lambda result: self._done(zone_created(result, values)),
                )

        self.app.push_screen(FormDialog("New protection zone", fields, "Buy"), create)

    def action_respond(self) -> None:
        alert = self.query_one("#nw-alerts", RecordTable).selected()
        if alert is None or alert_state(alert) != "OPEN":
            state = alert_state(alert) if alert else "none"
            reason = {"answered": "it is already answered", "expired": "it has expired"}
            self.notify(
                f"Select an open alert on the Alerts tab ({reason.get(state, 'no alert selected')}).",
                severity="warning",
            )
            return
        self.call(
            self.api.respond_alert(int(alert["id"])),
            lambda _: self._done("You answered the alert."),
        )

    def action_recall(self) -> None:
        patrol = active_patrol(self.status)
        if not patrol:
            self.notify("No active patrol to recall.", severity="warning")
            return
        self.call(self.api.recall(int(patrol["id"])), lambda _: self._done("Patrol recalled."))

    def _done(self, message: str) -> None:
        self.notify(message)
        self.reload()


def active_patrol(status: dict[str, Any]) -> dict[str, Any] | None:
    """The patrol to watch: the active one, else tonight's last one."""
    patrols = records_of(status.get("patrols"), "patrols")
    if isinstance(status.get("patrol"), dict):
        patrols.insert(0, status["patrol"])
    active = [p for p in patrols if p.get("status") == "active"]
    candidates = active or patrols
    return candidates[0] if candidates else None


_DAY = 24 * 3600


def _seconds(hh_mm: str) -> int:
    hours, minutes = str(hh_mm).split(":")[:2]
    return int(hours) * 3600 + int(minutes) * 60


def _until(boundary: int, moment: float) -> float:
    """Seconds from `moment` to the next `boundary` (both seconds into the day); a full day at it."""
    return (boundary - moment) % _DAY or _DAY


def window_line(window: dict[str, Any], elapsed: float = 0.0) -> str:
    """`Window OPEN (21:00–06:00, your time 22:00) — closes in 8h 00m` from the server's
    `status["window"]`, `elapsed` seconds after it was read (the countdown runs on from there)."""
    start, end = _seconds(window["start"]), _seconds(window["end"])
    fetched = _seconds(window["local_time"])
    moment = (fetched + elapsed) % _DAY
    is_open = bool(window["open"])
    if elapsed >= _until(end if is_open else start, fetched):  # a boundary passed since the read
        if start < end:
            is_open = start <= moment < end
        else:
            is_open = moment >= start or moment < end
    left = _until(end if is_open else start, moment)
    local = int(moment) // 60
    hours = f"{window['start']}–{window['end']}, your time {local // 60:02d}:{local % 60:02d}"
    if is_open:
        return f"Window OPEN ({hours}) — closes in {clock.countdown(left)}"
    return f"Window closed ({hours}) — opens in {clock.countdown(left)}"


def record_line(status: dict[str, Any]) -> str:
    record = status.get("record") or status.get("stats") or {}
    if not record:
        return "No patrols yet."
    parts = [
        ("saved", "cats_saved"),
        ("encounters", "encounters"),
        ("deterred", "bobcats_deterred"),
        ("patrols", "patrols"),
        ("reputation", "reputation"),
        ("score", "score"),
    ]
    return " · ".join(f"{label} {record[key]}" for label, key in parts if key in record)


def zone_created(result: Any, asked: dict[str, Any]) -> str:
    """`Zone Gate (Motion Sensor) built; 800 coins left.` from the server's answer."""
    zone = result.get("zone", result) if isinstance(result, dict) else {}
    name = zone.get("name") or asked.get("name") or "?"
    text = f"Zone {name} ({_zone_name(zone.get('type') or asked.get('type'))}) built"
    if isinstance(result, dict) and result.get("coins_left") is not None:
        text += f"; {result['coins_left']} coins left"
    return text + "."
