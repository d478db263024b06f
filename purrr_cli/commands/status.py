"""`purrr status`: one overview of what needs you, like `gh status`, built from existing endpoints.

Cats needing care and why, the patrol under way, breedings and when they are due, quests ready
to claim, open alerts, coins and crypto, and the sync state of a linked local game.
"""

from __future__ import annotations

from typing import Any

from purrr_cli.client import Client, connect
from purrr_cli.errors import CliError
from purrr_cli.output import PurrrTyper, examples, options, render

app = PurrrTyper(
    help="One overview: cats needing care, patrol, breedings, quests, alerts, coins, sync.",
    no_args_is_help=False,
)

CURRENCIES = ("BTC", "ETH", "USDC", "SOL", "XRP")


def _needing_care(cats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cats with overdue needs: which (feed, play, groom, treat), hours since each, score."""
    needy = []
    for cat in cats:
        care = cat.get("care") or {}
        if not care.get("needs_attention"):
            continue
        needs = list(care.get("needs") or [])
        hours = care.get("hours_since") or {}
        needy.append(
            {
                "id": cat["id"],
                "name": cat["name"],
                "needs": needs,
                "hours_since": {need: hours.get(need) for need in needs},
                "care_score": care.get("care_score"),
                "care_band": care.get("care_band"),
                "mood_label": cat.get("mood_label"),
            }
        )
    return needy


def _patrol(night: dict[str, Any]) -> dict[str, Any] | None:
    patrol = night.get("patrol")
    if not night.get("active") or not patrol:
        return None
    keys = ("id", "status", "area", "ticks_done", "ticks_total", "started_at", "ends_at")
    return {k: patrol.get(k) for k in keys} | {"cats": [c["name"] for c in patrol.get("cats", [])]}


def _sync(client: Client) -> dict[str, Any] | None:
    """The link of a local game (None when talking to a remote server or not linked)."""
    if client.which().kind == "remote":
        return None
    try:
        state = client.get("sync/status")
    except CliError:
        return None
    if not state.get("linked"):
        return {"linked": False}
    keys = ("pending", "last_push", "last_pull", "last_error")
    return {"linked": True, "remote": (state.get("remote") or {}).get("url")} | {
        k: state.get(k) for k in keys
    }


def overview(client: Client) -> dict[str, Any]:
    """The `purrr status --json` object (docs/scripting.md)."""
    profile = client.get("auth/profile") or {}
    cats = client.get("cats/status") or []
    night = client.get("night-watch/status") or {}
    breedings = client.get("breeding/status") or []
    quests = client.get("quests") or []
    balance = client.get("economy/balance") or {}
    window = night.get("window") or {}
    return {
        "user": profile.get("username"),
        "player_level": profile.get("player_level"),
        "player_xp": profile.get("player_xp"),
        "player_xp_to_next": profile.get("player_xp_to_next"),
        "server": client.which().as_dict(),
        "coins": balance.get("coins"),
        "crypto": {c: balance[c] for c in CURRENCIES if c in balance and float(balance[c])},
        "cats": len(cats),
        "needing_care": _needing_care(cats),
        "patrol": _patrol(night),
        "night_window": {k: window.get(k) for k in ("open", "start", "end", "local_time")},
        "breedings": [
            {k: b.get(k) for k in ("id", "sire_id", "dam_id", "method", "estimated_completion")}
            for b in breedings
            if b.get("status") == "pending"
        ],
        "claimable_quests": [
            {"id": q["id"], "name": q.get("name"), "rewards": q.get("rewards")}
            for q in quests
            if q.get("claimable")
        ],
        "open_alerts": night.get("open_alerts", 0),
        "sync": _sync(client),
    }


def _time(value: Any) -> str:
    text = str(value or "")
    return f"{text[:10]} {text[11:16]}" if len(text) >= 16 else text


def _lines(data: dict[str, Any]) -> list[str]:
    """The overview for people: one line per topic, with the command that acts on it."""
    server = data["server"]
    where = "local game" if server["kind"] != "remote" else server["url"]
    lines = [f"{data['user'] or '?'} on the {where} · {data['coins']} coins"]
    if data.get("player_level") is not None:
        lines[0] += (
            f" · player level {data['player_level']} "
            f"({data['player_xp']} XP, {data['player_xp_to_next']} to next)"
        )
    if data["crypto"]:
        lines[0] += " · " + ", ".join(f"{v} {k}" for k, v in data["crypto"].items())
    needy = data["needing_care"]
    if not data["cats"]:
        lines.append("No cats yet. Adopt one: purrr cats adopt NAME --personality playful")
    elif needy:
        lines.append(f"{len(needy)} of {data['cats']} cats need care:")
        for cat in needy:
            hours = [h for h in cat["hours_since"].values() if isinstance(h, int | float)]
            since = f" (up to {max(hours):.0f} h)" if hours else ""
            lines.append(
                f"  {cat['name']} (#{cat['id']}): {', '.join(cat['needs'])} overdue{since} · "
                f"care {cat['care_score']} "
                f"({cat['care_band']}) → purrr cats {cat['needs'][0]} {cat['id']}"
            )
    else:
        lines.append(f"All {data['cats']} cats are cared for.")
    patrol = data["patrol"]
    window = data["night_window"]
    if patrol:
        lines.append(
            f"Patrol #{patrol['id']} in the {patrol['area']}: tick {patrol['ticks_done']}/"
            f"{patrol['ticks_total']}, ends {_time(patrol['ends_at'])} → purrr nightwatch status"
        )
    elif window.get("open"):
        lines.append(
            f"Night Watch window open until {window['end']}, no patrol out → "
            "purrr nightwatch deploy CAT..."
        )
    for b in data["breedings"]:
        lines.append(
            f"Breeding #{b['id']} (cats {b['sire_id']} × {b['dam_id']}) due "
            f"{_time(b['estimated_completion'])} → purrr breed status {b['id']}"
        )
    for q in data["claimable_quests"]:
        lines.append(f"Quest ready to claim: {q['name']} → purrr quests claim {q['id']}")
    if data["open_alerts"]:
        lines.append(f"{data['open_alerts']} open alert(s) → purrr nightwatch alerts --open")
    sync = data["sync"]
    if sync and sync.get("linked"):
        state = f"error: {sync['last_error']}" if sync.get("last_error") else "ok"
        lines.append(
            f"Sync with {sync['remote']}: {sync['pending']} pending, last pull "
            f"{_time(sync['last_pull']) or 'never'} ({state}) → purrr sync"
        )
    return lines


@app.command(
    epilog=examples(
        "purrr status",
        "purrr status --json",
        "purrr status --jq '.needing_care[] | .name'",
    )
)
def status() -> None:
    """What needs you now: cats needing care and why, the patrol under way, breedings due,
    quests to claim, open alerts, coins and the sync state."""
    data = overview(connect())
    if options.json:
        render(data)
        return
    import typer

    for line in _lines(data):
        typer.echo(line)
