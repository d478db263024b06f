"""`purrr cats …`: adopt, care for and inspect cats. Each command: parse, call the API, render."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from purrr_cli.choices import completer
from purrr_cli.client import connect
from purrr_cli.commands.devices import app as devices_app
from purrr_cli.errors import UsageError
from purrr_cli.output import (
    PurrrTyper,
    confirm,
    examples,
    is_terminal,
    message,
    options,
    render,
    render_rich,
)
from purrr_cli.resolve import NAME_PREFIX, CatArg, CatRequired, cat_id, is_id

app = PurrrTyper(
    help="Adopt, care for and inspect your cats.\n\n"
    "Stats run 0–100. `hunger` is satiation: 100 = full, 0 = starving; feeding raises it and "
    "time lowers it. CAT is an id or a unique name."
)

LIST_COLUMNS = [
    "id", "name", "personality_type", "level", "mood_label",
    "hunger", "happiness", "energy", "health", "cleanliness",
]  # fmt: skip
SHOW_COLUMNS = [
    "id", "name", "breed", "personality_type", "sex", "level", "experience", "mood_label",
    "happiness", "energy", "hunger", "mood", "health", "cleanliness",
    "intelligence", "strength", "agility", "charisma", "training", "social",
    "genotype", "generation", "born_at", "last_care_at", "version",
]  # fmt: skip
#: `cats show` adds what people look for first: the coat, care and how far to the next level.
DETAIL_COLUMNS = [
    "phenotype.name", "care.care_score", "care.care_band", "care.needs",
    "level_progress.xp_into_level", "level_progress.xp_for_next",
]  # fmt: skip
HISTORY_COLUMNS = ["id", "name", "created_at", "args"]
#: Parts of an action result people need not read after every action (--json keeps them).
ACTION_HIDDEN = ("cat", "interaction", "new_stats")
STATUS_COLUMNS = ["id", "name", "mood_label", "care.care_score", "care.care_band", "care.needs"]


def _cat_path(cat: str | None, suffix: str = "") -> str:
    client = connect()
    return f"cats/{cat_id(client, cat)}{suffix}"


#: How each action's one-line summary starts ("Fed Tom: …").
VERBS = {
    "feed": "Fed {name}",
    "play": "Played with {name}",
    "groom": "Groomed {name}",
    "pet": "Petted {name}",
    "rest": "{name} is resting",
    "train": "Trained {name}",
    "treat": "Gave {name} a treat",
    "use": "Used {item} on {name}",
}
#: What people call a stat in a summary (`hunger` is satiation: 100 = full).
STAT_WORDS = {"hunger": "satiation"}


def summary(result: dict[str, Any], item: str | None = None) -> str:
    """One line for people: "Fed Tom: satiation +32, happiness +25 (+5 XP)", with what to do
    next when the cat still needs something."""
    cat = result.get("cat") or {}
    name = cat.get("name", "the cat")
    action = str(result.get("action", ""))
    head = VERBS.get(action, f"{action.capitalize()} {{name}}").format(name=name, item=item)
    changes = ", ".join(
        f"{STAT_WORDS.get(stat, stat)} {delta:+d}"
        for stat, delta in (result.get("changes") or {}).items()
        if isinstance(delta, int) and delta
    )
    line = f"{head}: {changes or 'no change'}"
    if result.get("xp_gained"):
        line += f" (+{result['xp_gained']} XP)"
    if action == "train" and "success" in result:
        line += " · learned it" if result["success"] else " · not this time"
    leveled = result.get("leveled_up")
    if isinstance(leveled, dict):
        line += f" · level {leveled.get('from')} → {leveled.get('to')}!"
    needs = list((cat.get("care") or {}).get("needs") or [])
    if needs and cat.get("id") is not None:
        line += f" · next: purrr cats {needs[0]} {cat['id']}"
    return line


def _act(cat: str | None, action: str, body: dict[str, Any], item: str | None = None) -> None:
    """Run a care action: a one-line summary for people (stderr); the result as data when
    piped or with --json (a terminal shows only the summary)."""
    payload = {key: value for key, value in body.items() if value is not None}
    result = connect().post(_cat_path(cat, f"/{action}"), payload)
    if not options.json:
        message(summary(result, item))
        if is_terminal(sys.stdout):
            return
    render(result, hide=ACTION_HIDDEN)


@app.command(
    "list",
    epilog=examples(
        "purrr cats list", "purrr cats list --json id,name", "purrr cats list --jq '.[].name'"
    ),
)
def list_cats() -> None:
    """List your cats (an empty list is not an error)."""
    render(
        connect().get_all("cats"),
        LIST_COLUMNS,
        empty="No cats yet. Adopt one: purrr cats adopt NAME --personality playful",
    )


@app.command(epilog=examples("purrr cats show 1", "purrr cats show Mittens --json"))
def show(cat: CatArg = None) -> None:
    """Show one cat with all its stats, its coat, care and level progress (`hunger` is
    satiation: 100 = full)."""
    render(connect().get(_cat_path(cat)), SHOW_COLUMNS + DETAIL_COLUMNS)


@app.command(
    epilog=examples(
        "purrr cats adopt Mittens --personality playful",
        "purrr cats adopt Luna --personality curious --sex female --breed siamese --json",
    )
)
def adopt(
    name: Annotated[str, typer.Argument(help="The new cat's name (1–100 characters).")],
    personality: Annotated[
        str,
        typer.Option(
            "--personality",
            "-p",
            help="playful, aloof, curious, lazy, territorial or social_butterfly.",
            autocompletion=completer("personalities", "personalities"),
        ),
    ],
    sex: Annotated[str | None, typer.Option(help="male or female.")] = None,
    breed: Annotated[str | None, typer.Option(help="Breed, e.g. siamese.")] = None,
    genotype: Annotated[
        str | None, typer.Option(help="Coat genotype (see genetics-reference.md).")
    ] = None,
) -> None:
    """Adopt a new cat; prints it (with --json, the cat object including its id)."""
    for flag, value in (("--sex", sex), ("--breed", breed), ("--genotype", genotype)):
        if value is not None and not value.strip():
            raise UsageError(
                f"{flag} must not be empty; leave it out for the default",
                details={"field": flag, "value": value},
            )
    body = {"name": name, "personality_type": personality, "sex": sex, "breed": breed}
    body["genotype"] = genotype
    created = connect().post("cats", {k: v for k, v in body.items() if v is not None})
    _hint_numeric_name(created)
    render(created, SHOW_COLUMNS)


def _hint_numeric_name(cat: dict[str, Any]) -> None:
    """A name of digits reads as an id on the command line: say how to reach the cat by name."""
    name = str(cat.get("name", ""))
    if is_id(name):
        message(
            f"Note: {name} reads as a cat id; refer to this cat as {NAME_PREFIX}{name} or as {cat.get('id')}."
        )


@app.command(epilog=examples("purrr cats rename 1 Whiskers", "purrr cats rename Mittens Mitzi"))
def rename(
    cat: CatRequired,
    new_name: Annotated[str, typer.Argument(metavar="NAME", help="The new name.")],
) -> None:
    """Give a cat a new name."""
    renamed = connect().put(_cat_path(cat), {"name": new_name})
    _hint_numeric_name(renamed)
    render(renamed, SHOW_COLUMNS)


@app.command(epilog=examples("purrr cats release 3", "purrr cats release Mittens --yes"))
def release(
    cat: CatRequired,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Release a cat for good (asks first on a terminal; scripts pass --yes)."""
    path = _cat_path(cat)
    confirm(f"release cat {cat} for good?", yes=yes)
    result = connect().delete(path)
    message(f"Released cat {cat}.")
    if result:
        render(result)


@app.command(
    epilog=examples(
        "purrr cats feed 1 --food salmon",
        "purrr cats feed Mittens --food tuna_fish --portion large --quantity 2",
    )
)
def feed(
    cat: CatArg = None,
    food: Annotated[
        str | None,
        typer.Option(
            "--food", "-f", help="Food id, e.g. salmon.", autocompletion=completer("foods", "foods")
        ),
    ] = None,
    portion: Annotated[
        str | None,
        typer.Option(help="small, normal or large.", autocompletion=completer("foods", "portions")),
    ] = None,
    quantity: Annotated[int | None, typer.Option(help="How many servings (1–10).")] = None,
) -> None:
    """Feed a cat: raises `hunger` (satiation, 100 = full), happiness and energy."""
    _act(cat, "feed", {"food_item": food, "portion": portion, "quantity": quantity})


@app.command(
    epilog=examples(
        "purrr cats play 1", "purrr cats play Mittens --game laser_pointer --duration 20"
    )
)
def play(
    cat: CatArg = None,
    game: Annotated[
        str | None,
        typer.Option(
            "--game",
            "-g",
            help="Play kind, e.g. yarn_chase.",
            autocompletion=completer("care", "play"),
        ),
    ] = None,
    duration: Annotated[int | None, typer.Option(help="Minutes of play (default 10).")] = None,
) -> None:
    """Play with a cat: happiness and XP for energy."""
    _act(cat, "play", {"game": game, "duration": duration})


@app.command(epilog=examples("purrr cats groom 1", "purrr cats groom Mittens --kind bath"))
def groom(
    cat: CatArg = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="brushing, bath, nail_trim or dental.",
            autocompletion=completer("care", "grooming"),
        ),
    ] = None,
) -> None:
    """Groom a cat: cleanliness (bath, brushing) or health (nail_trim, dental)."""
    _act(cat, "groom", {"kind": kind})


@app.command(epilog=examples("purrr cats pet 1"))
def pet(cat: CatArg = None) -> None:
    """Pet a cat: a little happiness and mood."""
    _act(cat, "pet", {})


@app.command(epilog=examples("purrr cats rest Mittens"))
def rest(cat: CatArg = None) -> None:
    """Let a cat rest: energy comes back over time."""
    _act(cat, "rest", {})


@app.command(epilog=examples("purrr cats train 1 --command sit"))
def train(
    cat: CatArg = None,
    command: Annotated[
        str,
        typer.Option(
            help="sit, stay, come or fetch.", autocompletion=completer("care", "training")
        ),
    ] = "sit",
) -> None:
    """Train a cat on a command: training and XP for energy."""
    _act(cat, "train", {"command": command})


@app.command(epilog=examples("purrr cats treat 1 --kind catnip"))
def treat(
    cat: CatArg = None,
    kind: Annotated[str, typer.Option(help="catnip or honeysuckle.")] = "catnip",
) -> None:
    """Give a stimulant treat; how excited the cat gets depends on its stimulant response."""
    _act(cat, "treat", {"kind": kind})


@app.command(epilog=examples("purrr cats history 1", "purrr cats history Mittens --limit 5 --json"))
def history(
    cat: CatArg = None,
    limit: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Show at most this many entries (1-1000).")
    ] = None,
) -> None:
    """Show a cat's recent actions, newest first."""
    render(
        connect().get(_cat_path(cat, "/history"), limit=limit),
        HISTORY_COLUMNS,
        empty="No history yet.",
    )


@app.command(epilog=examples("purrr cats insights 1", "purrr cats insights Mittens --json"))
def insights(cat: CatArg = None) -> None:
    """What the cat likes best (activities, foods, times of day), learned from its history."""
    data = connect().get(_cat_path(cat, "/insights"))
    if options.json:
        render(data)
        return
    for line in insight_lines(data):
        typer.echo(line)


def _ranked(rows: list[dict[str, Any]], key: str, top: int = 4) -> str:
    """`ball_toss +18.0 (1×), petting +7.2 (4×)`: the best few by score, with the mean gain."""
    shown = [
        f"{row.get(key)} {row.get('mean_happiness_gain', 0):+.1f} ({row.get('count', 0)}×)"
        for row in rows[:top]
    ]
    more = f", … {len(rows) - top} more" if len(rows) > top else ""
    return ", ".join(shown) + more if shown else "not enough history yet"


def insight_lines(data: dict[str, Any]) -> list[str]:
    """`cats insights` for people: the summary, then preferences ranked with happiness gains."""
    prefs = data.get("preferences") or {}
    persona = data.get("personality") or {}
    confidence = float(data.get("confidence") or 0)
    lines = [
        f"{data.get('name')} ({data.get('personality_type')}, {data.get('interactions', 0)} "
        f"interactions, confidence {confidence:.0%})",
        str(data.get("summary") or ""),
        f"Activities: {_ranked(prefs.get('activities') or [], 'activity')}",
        f"Foods: {_ranked(prefs.get('foods') or [], 'food')}",
        f"Times of day: {_ranked(prefs.get('times_of_day') or [], 'time_of_day')}",
    ]
    if persona.get("behaves_like"):
        lines.append(
            f"Behaves like: {persona.get('behaves_like')} (declared {persona.get('declared')}, "
            f"consistency {persona.get('consistency')}%)"
        )
    if data.get("best_hour") is not None:
        lines.append(f"Best hour: {int(data['best_hour']):02d}:00 (predicted mood by hour: --json)")
    return lines


@app.command(epilog=examples("purrr cats portrait 1", "purrr cats portrait Mittens --no-color"))
def portrait(cat: CatArg = None) -> None:
    """Draw a cat's portrait from its coat (phenotype colours)."""
    from purrr_core import portrait as core_portrait

    data = connect().get(_cat_path(cat))
    render_rich(core_portrait.portrait(data), data)


@app.command(
    epilog=examples(
        "purrr cats status", "purrr cats status --jq '.[] | select(.care.needs_attention) | .name'"
    )
)
def status() -> None:
    """Care status of every cat: needs, care score and band (excellent … critical)."""
    render(connect().get("cats/status"), STATUS_COLUMNS, empty="No cats yet.")


@app.command(epilog=examples("purrr cats specials", "purrr cats specials --json"))
def specials() -> None:
    """Progress toward the special cats (BanditCat, LunaCat, RyCat) and whether they are unlocked."""
    render(
        connect().get("special-cats"),
        ["id", "name", "rarity", "condition", "current", "required", "percent", "unlocked"],
    )


@app.command(
    "adopt-special",
    epilog=examples("purrr cats adopt-special bandit", "purrr cats adopt-special rycat --json"),
)
def adopt_special(
    special: Annotated[
        str, typer.Argument(metavar="ID", help="bandit, luna or rycat (see purrr cats specials).")
    ],
) -> None:
    """Bring home a special cat once you have unlocked it (each comes once)."""
    render(connect().post(f"special-cats/{special}/adopt"), SHOW_COLUMNS)


# --- items from the store (issue 7: games, store and wallet) -------------------------------------


@app.command(epilog=examples("purrr cats use 1 catnip", "purrr cats use Mittens toy_mouse --json"))
def use(
    cat: CatRequired,
    item: Annotated[
        str,
        typer.Argument(
            metavar="ITEM",
            help="An item from your inventory.",
            autocompletion=completer("store", "items"),
        ),
    ],
) -> None:
    """Use one ITEM from your inventory on a cat (buy it first: purrr store buy ITEM)."""
    _act(cat, "use", {"item_id": item}, item=item)


@app.command(
    epilog=examples(
        "purrr cats pedigree Mittens",
        "purrr cats pedigree 7 --json | purrr genetics coi - --sire 3 --dam 4",
    )
)
def pedigree(cat: CatArg = None) -> None:
    """A cat and its known ancestors, with its COI; --json is the pedigree `genetics coi` reads."""
    data = connect().get(_cat_path(cat, "/pedigree"))
    if options.json:
        render(data)
        return
    cats = data.get("cats") or []
    name = next((c.get("name") for c in cats if c.get("id") == data.get("cat_id")), "the cat")
    message(f"{name}: COI {data.get('coi_fraction')}, {len(cats) - 1} known ancestor(s)")
    render(cats, ["id", "name", "sex", "generation", "sire", "dam", "coi"])


app.add_typer(devices_app, name="devices")
