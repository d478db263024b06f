"""`purrr nightwatch …`: Night Watch patrols, zones, alerts, stats and local simulations.

Each command parses, calls the API, renders. `simulate` is the one exception: it fetches the
cats and runs `purrr_core.nightwatch.simulate` locally on copies, so nothing on the server changes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from purrr_cli import complete
from purrr_cli.choices import completer
from purrr_cli.client import Client, connect
from purrr_cli.errors import ConflictError, UsageError, from_api
from purrr_cli.output import PurrrTyper, examples, message, options, render, render_rich
from purrr_cli.resolve import ID_MAX, cat_id, parse_id

app = PurrrTyper(
    help="Night Watch: deploy cats between 21:00 and 06:00 (server-local) to deter bobcats and "
    "rescue strays.\n\n"
    "Roles: scout (early detection), guardian (deters bobcats), healer (rescues strays), alarm "
    "(alerts and coordinates); each personality suits one role (×1.5). The server plays the "
    "night out in 30-minute ticks whenever you look; `status` shows it brought up to now."
)

CatsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="CAT...",
        help="Cat ids or unique names.",
        show_default=False,
        autocompletion=complete.cats,
    ),
]
RoleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--role",
        "-r",
        metavar="CAT=ROLE",
        help="A role for one cat, e.g. 3=healer (repeatable); default: by personality.",
    ),
]
AreaOpt = Annotated[
    str | None,
    typer.Option(
        "--area",
        "-a",
        help="neighborhood (default), park, alley, pizzeria, downtown.",
        autocompletion=completer("nightwatch", "areas"),
    ),
]
PATROL_CAT_COLUMNS = ["id", "name", "personality_type", "level", "role"]
HISTORY_COLUMNS = [
    "id",
    "status",
    "area",
    "started_at",
    "weather",
    "season",
    "encounters",
    "deterred",
    "strays_found",
    "strays_saved",
    "coins_earned",
]
ZONE_COLUMNS = ["id", "name", "type", "location", "radius", "cost"]
ALERT_COLUMNS = [
    "id",
    "type",
    "level",
    "message",
    "raised_at",
    "npc_responders",
    "open",
    "responded_at",
]
STATS_COLUMNS = [
    "cats_saved",
    "encounters",
    "bobcats_deterred",
    "deter_rate",
    "patrols",
    "reputation",
    "protection_level",
    "score",
    "strays_found",
    "strays_rescued",
    "alerts_responded",
    "zones",
    "achievements_earned",
    "coins",
]
ACHIEVEMENT_COLUMNS = ["name", "description", "current", "required", "percent", "earned"]


def _ids(client: Client, cats: list[str]) -> list[int]:
    return [cat_id(client, ref) for ref in cats]


def _roles(client: Client, pairs: list[str] | None) -> dict[str, str]:
    roles: dict[str, str] = {}
    for pair in pairs or []:
        ref, sep, role = pair.partition("=")
        if not sep or not ref.strip() or not role.strip():
            raise UsageError(
                f"--role takes CAT=ROLE, e.g. 3=healer (got {pair!r})",
                details={"field": "role", "value": pair},
            )
        roles[str(cat_id(client, ref))] = role.strip()
    return roles


@app.command(
    epilog=examples(
        "purrr nightwatch deploy 1 3 5",
        "purrr nightwatch deploy 1 3 5 --area park --role 3=healer",
        "purrr nightwatch deploy Mittens Luna --json id,status,ends_at",
    )
)
def deploy(cats: CatsArg, area: AreaOpt = None, role: RoleOpt = None) -> None:
    """Send cats on patrol now (21:00–06:00; one patrol at a time, up to 10 cats; uses energy)."""
    client = connect()
    body: dict[str, Any] = {"cat_ids": _ids(client, cats)}
    if area:
        body["area"] = area
    roles = _roles(client, role)
    if roles:
        body["roles"] = roles
    patrol = client.post("night-watch/deploy", body)
    message(
        f"Patrol #{patrol['id']} deployed to the {patrol['area']} until "
        f"{str(patrol['ends_at'])[11:16]}. Check on it: purrr nightwatch status"
    )
    render(patrol if options.json else patrol["cats"], PATROL_CAT_COLUMNS)


@app.command(epilog=examples("purrr nightwatch recall", "purrr nightwatch recall 4 --json"))
def recall(
    patrol: Annotated[
        str | None,
        typer.Argument(
            metavar="PATROL",
            help="Patrol id (default: the patrol under way).",
            autocompletion=complete.patrols,
        ),
    ] = None,
) -> None:
    """Bring the cats home now; what happened so far counts, the tick under way does not."""
    client = connect()
    path = (
        f"night-watch/patrols/{parse_id(patrol, 'PATROL')}/recall"
        if patrol is not None
        else "night-watch/recall"
    )
    result = client.post(path)
    recalled = result.get("recalled", [])
    for p in recalled:
        message(f"Patrol #{p['id']} recalled after {p['ticks_done']} tick(s).")
    render(result if options.json else recalled, ["id", "status", "area", "ticks_done"])


@app.command(
    epilog=examples(
        "purrr nightwatch status",
        "purrr nightwatch status --json",
        "purrr nightwatch status --jq '.patrol.summary'",
    )
)
def status() -> None:
    """The night window, the patrol brought up to now, your totals and your coins.

    The patrol shows its timeline, encounters, strays, XP and coins earned.
    """
    data = connect().get("night-watch/status")
    from rich.console import Group
    from rich.text import Text

    from purrr_cli.render.patrol import PatrolView

    window = data["window"]
    state = "OPEN" if window["open"] else "closed"
    parts: list[Any] = [
        Text(
            f"Night window {window['start']}–{window['end']}: {state} "
            f"(your time {window['local_time']})"
        )
    ]
    record = data.get("record") or {}
    parts.append(
        Text(
            f"Saved {record.get('cats_saved', 0)} · deterred "
            f"{record.get('bobcats_deterred', 0)}/{record.get('encounters', 0)} · "
            f"patrols {record.get('patrols', 0)} · reputation "
            f"{record.get('reputation', 0)} · score {record.get('score', 0)} · "
            f"open alerts {data.get('open_alerts', 0)} · coins {record.get('coins', 0)}"
        )
    )
    patrol = data.get("patrol")
    parts.append(Text(""))
    parts.append(
        PatrolView(patrol)
        if patrol
        else Text("No patrol yet. Deploy one: purrr nightwatch deploy 1 3 5")
    )
    render_rich(Group(*parts), data)


@app.command(
    epilog=examples(
        "purrr nightwatch watch",
        "purrr nightwatch watch --interval 30",
        "purrr nightwatch watch --json | jq -r .message",
    )
)
def watch(
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            "-i",
            min=1,
            max=3600,
            help="Seconds between looks (default 60: a patrol ticks every 30 minutes, and a "
            "hosted server counts each look against your hourly limit).",
        ),
    ] = 60,
) -> None:
    """Follow the patrol under way, like `gh run watch`: each event as it happens, until the
    patrol ends (then its result). --json prints one event object per line."""
    import time

    client = connect()
    shown = 0
    patrol_id = None
    while True:
        data = client.get("night-watch/status")
        patrol = data.get("patrol") if data.get("active") or patrol_id else None
        if patrol is None or (patrol_id is not None and patrol.get("id") != patrol_id):
            if patrol_id is None:
                raise ConflictError(
                    "no patrol is under way; deploy one: purrr nightwatch deploy CAT...",
                    details={"active": False},
                )
            return
        patrol_id = patrol["id"]
        events = patrol.get("events") or []
        for event in events[shown:]:
            if options.json:
                write_json_line(event)
            else:
                typer.echo(f"{str(event.get('at', ''))[11:16]}  {event.get('message', '')}")
        shown = len(events)
        if patrol.get("status") != "active":
            from purrr_cli.render.patrol import coins_line

            message(
                f"Patrol #{patrol_id} {patrol.get('status')} after {patrol.get('ticks_done')} "
                f"tick(s): {coins_line(patrol)}."
            )
            return
        time.sleep(interval)


def write_json_line(value: Any) -> None:
    """One JSON value on one line (a stream a script can read line by line)."""
    import json

    typer.echo(json.dumps(value, ensure_ascii=False, default=str))


@app.command(epilog=examples("purrr nightwatch zones", "purrr nightwatch zones --json"))
def zones() -> None:
    """Your protection zones (every player starts with the free Home Base)."""
    render(connect().get("night-watch/zones"), ZONE_COLUMNS)


@app.command(
    "create-zone",
    context_settings={"ignore_unknown_options": True},
    epilog=examples(
        'purrr nightwatch create-zone safe_haven "Home Base" "Central Park" 75',
        "purrr nightwatch create-zone motion_sensor Gate 'Back gate'",
    ),
)
def create_zone(
    zone_type: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="cat_condo (500 coins), motion_sensor (200), safe_haven (300), "
            "community_alert (150).",
            autocompletion=completer("nightwatch", "zones"),
        ),
    ],
    name: Annotated[str, typer.Argument(help="The zone's name.")],
    location: Annotated[str, typer.Argument(help="Where it is, e.g. 'Central Park'.")],
    radius: Annotated[int | None, typer.Argument(help="Meters, 25–200 (default 50).")] = None,
) -> None:
    """Buy a protection zone with coins; zones strengthen every patrol."""
    body: dict[str, Any] = {"type": zone_type, "name": name, "location": location}
    if radius is not None:
        body["radius"] = radius
    result = connect().post("night-watch/zones", body)
    message(f"Zone {result['zone']['name']} built; {result['coins_left']} coins left.")
    for earned in result.get("achievements_earned", []):
        message(f"Achievement earned: {earned['name']}!")
    render(result if options.json else result["zone"], ZONE_COLUMNS)


@app.command(epilog=examples("purrr nightwatch history", "purrr nightwatch history --json"))
def history() -> None:
    """Past patrols, newest first."""
    render(
        connect().get("night-watch/patrols"),
        HISTORY_COLUMNS,
        empty="No patrols yet. Deploy one: purrr nightwatch deploy 1 3 5",
    )


@app.command(epilog=examples("purrr nightwatch stats", "purrr nightwatch stats --json score"))
def stats() -> None:
    """Running totals: cats saved, encounters, deterred, patrols, reputation, score, coins."""
    render(connect().get("night-watch/stats"), STATS_COLUMNS)


@app.command(epilog=examples("purrr nightwatch alerts", "purrr nightwatch alerts --open --json"))
def alerts(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only alerts you can still answer.")
    ] = False,
) -> None:
    """Community alerts raised by your patrols (bobcat sightings, strays in danger, emergencies)."""
    data = connect().get("night-watch/alerts", open="true" if open_only else None)
    render(data, ALERT_COLUMNS, empty="No alerts.")


@app.command(epilog=examples("purrr nightwatch respond 12"))
def respond(
    alert: Annotated[
        str, typer.Argument(metavar="ALERT", help="The alert's id.", autocompletion=complete.alerts)
    ],
) -> None:
    """Answer a community alert (critical ones within 5 minutes count for Emergency Responder)."""
    alert_id = parse_id(alert, "ALERT")
    result = connect().post(f"night-watch/alerts/{alert_id}/respond")
    message(f"You answered alert {alert}; reputation {result['reputation']}.")
    for earned in result.get("achievements_earned", []):
        message(f"Achievement earned: {earned['name']}!")
    render(result if options.json else result["alert"], ALERT_COLUMNS)


@app.command(
    epilog=examples(
        "purrr nightwatch achievements",
        "purrr nightwatch achievements --jq '.[] | select(.earned) | .name'",
    )
)
def achievements() -> None:
    """The ten Night Watch achievements and your progress toward each."""
    render(connect().get("night-watch/achievements"), ACHIEVEMENT_COLUMNS)


@app.command(
    epilog=examples(
        "purrr nightwatch simulate 1 3 5 --nights 365 --seed 7",
        "purrr nightwatch simulate 1 2 --nights 30 --area park --role 2=healer --json",
    )
)
def simulate(
    cats: CatsArg,
    nights: Annotated[
        int, typer.Option("--nights", "-n", min=1, max=3650, help="How many nights.")
    ] = 30,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, max=ID_MAX, help="Same seed, same result.")
    ] = 1,
    area: AreaOpt = None,
    role: RoleOpt = None,
    start: Annotated[
        str | None, typer.Option(help="First night (YYYY-MM-DD); default 2026-01-01.")
    ] = None,
) -> None:
    """Simulate many nights locally on copies of these cats; nothing on the server changes.

    Each night the copies start rested and your zones apply. Same seed, same output.
    """
    from purrr_core import RuleError
    from purrr_core.nightwatch import PatrolCat, Zone
    from purrr_core.nightwatch import simulate as run_simulation
    from purrr_core.nightwatch.simulation import DEFAULT_START

    client = connect()
    ids = _ids(client, cats)
    roles = {int(k): v for k, v in _roles(client, role).items()}
    snapshots = []
    for i in ids:
        cat = client.get(f"cats/{i}")
        fields = {k: cat[k] for k in PatrolCat.model_fields if k in cat and k != "role"}
        snapshots.append(PatrolCat.model_validate(fields))
    zones = [
        Zone.model_validate({k: z[k] for k in Zone.model_fields if k in z})
        for z in client.get("night-watch/zones")
    ]
    try:
        first = date.fromisoformat(start) if start else DEFAULT_START
    except ValueError:
        raise UsageError(f"--start must be a date like 2026-01-01 (got {start!r})") from None
    try:
        summary = run_simulation(
            snapshots,
            nights,
            seed,
            roles=roles,
            area=area or "neighborhood",
            zones=zones,
            start=first,
        )
    except RuleError as exc:  # the same error (and exit code) the server gives `deploy`
        raise from_api(
            400, {"code": exc.code, "message": exc.message, "details": exc.details}
        ) from None
    data = summary.model_dump(mode="json")
    render_rich(_simulation_view(data), data)


def _simulation_view(data: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.1%}"

    head = Text(
        f"{data['nights']} nights from {data['start']} (seed {data['seed']}) in the "
        f"{data['area']}: {data['encounters']} encounters, {data['deterred']} deterred "
        f"({pct(data['deter_rate'])}); {data['strays_found']} strays found, "
        f"{data['strays_rescued']}/{data['strays_needing_rescue']} rescued "
        f"({pct(data['rescue_rate'])}), {data['strays_saved']} saved; "
        f"{data['injuries']} injuries; score {data['score']}; {data['coins_earned']} coins"
    )
    roles = Table(
        "role", "cats", "xp", "role xp", "deterred", box=None, header_style="bold", pad_edge=False
    )
    for name, row in data["by_role"].items():
        roles.add_row(
            name,
            str(row["cats"]),
            str(row["xp"]),
            str(row["role_xp"]),
            str(row["bobcats_deterred"]),
        )
    threats = Table(
        "threat", "encounters", "deterred", "rate", box=None, header_style="bold", pad_edge=False
    )
    for name, row in data["by_threat_level"].items():
        threats.add_row(name, str(row["encounters"]), str(row["deterred"]), pct(row["deter_rate"]))
    earned = ", ".join(data["achievements"]) or "none"
    return Group(head, Text(""), roles, Text(""), threats, Text(f"\nAchievements: {earned}"))
