"""`purrr cats devices …`: a cat's health devices, their readings and alerts (docs/devices.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from purrr_cli.client import connect
from purrr_cli.output import PurrrTyper, confirm, examples, message, options, render
from purrr_cli.resolve import CatArg, cat_id

app = PurrrTyper(
    help="Health devices worn by a cat: collar_sensor (heart rate, temperature), weight_scale "
    "(weight) and activity_tracker (active minutes, steps in the last 24 h).\n\n"
    "A device posts readings itself with its own key (X-Device-Key, shown once by `add`); "
    "`simulate` takes a reading from the sandbox's simulated device, derived from the cat's "
    "state, so it can be played offline. Readings outside the healthy range raise alerts "
    "(heart rate 140–220 bpm, temperature 100.5–102.5 °F, activity ≥ 30 min, weight moving "
    "≤ 10%)."
)

COLUMNS = ["id", "device_type", "name", "key_prefix", "last_reading_at", "created_at"]
ALERT_COLUMNS = ["measured_at", "device_id", "device_type", "source", "message"]

DeviceArg = Annotated[
    int, typer.Argument(metavar="DEVICE", help="The device's id (see purrr cats devices list).")
]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Show at most N.")]


CatName = Annotated[str, typer.Argument(metavar="CAT", help="Cat id or unique name.")]


def _complete_type(incomplete: str) -> list[str]:
    from purrr_core.devices import DEVICE_TYPES

    return [t for t in DEVICE_TYPES if t.startswith(incomplete)]


def _path(cat: str | None, suffix: str = "") -> str:
    return f"cats/{cat_id(connect(), cat)}/devices{suffix}"


def _reading_rows(readings: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Readings as table rows: one column per metric, the alerts as their messages."""
    metrics: list[str] = []
    rows = []
    for reading in readings:
        for name in reading.get("metrics", {}):
            if name not in metrics:
                metrics.append(name)
        alerts = "; ".join(a.get("message", "") for a in reading.get("alerts", []))
        rows.append(
            {
                "id": reading["id"],
                "measured_at": reading["measured_at"],
                "source": reading["source"],
                **reading.get("metrics", {}),
                "alerts": alerts or "-",
            }
        )
    return rows, ["id", "measured_at", "source", *metrics, "alerts"]


def _render_readings(data: Any, empty: str | None = None) -> None:
    if options.json:
        render(data)
        return
    rows, columns = _reading_rows(data if isinstance(data, list) else [data])
    render(rows, columns, empty=empty)


@app.command(
    "list",
    epilog=examples("purrr cats devices list 1", "purrr cats devices list Mittens --json"),
)
def list_devices(cat: CatArg = None) -> None:
    """List the cat's devices (never their keys)."""
    render(
        connect().get(_path(cat)),
        COLUMNS,
        empty="No devices yet. Add one: purrr cats devices add CAT collar_sensor",
    )


@app.command(
    epilog=examples(
        "purrr cats devices add 1 collar_sensor",
        "purrr cats devices add Mittens weight_scale --name 'kitchen scale' --json",
    )
)
def add(
    cat: CatName,
    device_type: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="collar_sensor, weight_scale or activity_tracker.",
            autocompletion=_complete_type,
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="A label for the device (default: its type).")
    ] = None,
) -> None:
    """Register a device on a cat; its key is shown once, so give it to the device now."""
    body = {"device_type": device_type, **({"name": name} if name is not None else {})}
    created = connect().post(_path(cat), body)
    message(
        "Give the device its key now: it is shown only once. The device posts readings to "
        f"/api/v1/cats/{created['cat_id']}/devices/{created['id']}/readings "
        "with the header X-Device-Key."
    )
    render(created)


@app.command(
    epilog=examples("purrr cats devices remove 1 2", "purrr cats devices remove Mittens 2 --yes")
)
def remove(
    cat: CatName,
    device: DeviceArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a device: its key stops working and its readings are deleted."""
    path = _path(cat, f"/{device}")
    confirm(f"remove device {device} and its readings?", yes=yes)
    result = connect().delete(path)
    message(f"Removed device {device}.")
    if options.json:
        render(result)


@app.command(
    epilog=examples(
        "purrr cats devices readings 1 2",
        "purrr cats devices readings Mittens 2 --limit 5 --json",
        "purrr cats devices readings 1 2 --jq '.[].metrics.heart_rate_bpm'",
    )
)
def readings(cat: CatName, device: DeviceArg, limit: Limit = 50) -> None:
    """A device's readings, newest first, with the alerts each raised."""
    data = connect().get(_path(cat, f"/{device}/readings"), limit=limit)
    _render_readings(data, empty="No readings yet. Try: purrr cats devices simulate CAT DEVICE")


@app.command(
    epilog=examples(
        "purrr cats devices simulate 1 2", "purrr cats devices simulate Mittens 2 --json"
    )
)
def simulate(
    cat: CatName,
    device: DeviceArg,
) -> None:
    """Take a reading from the sandbox's simulated device, derived from the cat's state.

    A sick, starving or exhausted cat reads worse, so alerts can be played offline."""
    data = connect().post(_path(cat, f"/{device}/simulate"))
    _render_readings(data)
    for alert in [] if options.json else data.get("alerts", []):
        message(f"alert: {alert['message']}")


@app.command(
    epilog=examples(
        "purrr cats devices alerts 1",
        "purrr cats devices alerts Mittens --json metric,kind,value,measured_at",
    )
)
def alerts(cat: CatArg = None, limit: Limit = 50) -> None:
    """The cat's health alerts from all its devices, newest first."""
    render(
        connect().get(_path(cat, "/alerts"), limit=limit),
        ALERT_COLUMNS,
        empty="No alerts: every reading was in the healthy range.",
    )
