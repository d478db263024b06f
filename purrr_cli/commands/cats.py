"""`purrr cats …`: adopt, care for and inspect cats. Each command: parse, call the API, render."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from purrr_cli.choices import completer
from purrr_cli.client import connect
from purrr_cli.commands.devices import app as devices_app
from purrr_cli.output import PurrrTyper, confirm, examples, message, render, render_rich
from purrr_cli.resolve import CatArg, cat_id

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
HISTORY_COLUMNS = ["id", "name", "created_at", "args"]
#: Parts of an action result people need not read after every action (--json keeps them).
ACTION_HIDDEN = ("cat", "interaction", "new_stats")
STATUS_COLUMNS = ["id", "name", "mood_label", "care.care_score", "care.care_band", "care.needs"]


def _cat_path(cat: str | None, suffix: str = "") -> str:
    client = connect()
    return f"cats/{cat_id(client, cat)}{suffix}"


def _act(cat: str | None, action: str, body: dict[str, Any]) -> None:
    """Run a care action and print what changed."""
    payload = {key: value for key, value in body.items() if value is not None}
    render(connect().post(_cat_path(cat, f"/{action}"), payload), hide=ACTION_HIDDEN)


@app.command(
    "list",
    epilog=examples(
        "purrr cats list", "purrr cats list --json id,name", "purrr cats list --jq '.[].name'"
    ),
)
def list_cats() -> None:
    """List your cats (an empty list is not an error)."""
    render(
        connect().get("cats"),
        LIST_COLUMNS,
        empty="No cats yet. Adopt one: purrr cats adopt NAME --personality playful",
    )


@app.command(epilog=examples("purrr cats show 1", "purrr cats show Mittens --json"))
def show(cat: CatArg = None) -> None:
    """Show one cat with all its stats (`hunger` is satiation: 100 = full)."""
    render(connect().get(_cat_path(cat)), SHOW_COLUMNS)


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
    body = {"name": name, "personality_type": personality, "sex": sex, "breed": breed}
    body["genotype"] = genotype
    created = connect().post("cats", {k: v for k, v in body.items() if v is not None})
    render(created, SHOW_COLUMNS)


@app.command(epilog=examples("purrr cats rename 1 Whiskers", "purrr cats rename Mittens Mitzi"))
def rename(
    cat: Annotated[str, typer.Argument(metavar="CAT", help="Cat id or unique name.")],
    new_name: Annotated[str, typer.Argument(metavar="NAME", help="The new name.")],
) -> None:
    """Give a cat a new name."""
    render(connect().put(_cat_path(cat), {"name": new_name}), SHOW_COLUMNS)


@app.command(epilog=examples("purrr cats release 3", "purrr cats release Mittens --yes"))
def release(
    cat: Annotated[str, typer.Argument(metavar="CAT", help="Cat id or unique name.")],
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
    limit: Annotated[int | None, typer.Option(help="Show at most this many entries.")] = None,
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
    render(connect().get(_cat_path(cat, "/insights")))


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
    cat: Annotated[str, typer.Argument(metavar="CAT", help="Cat id or unique name.")],
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
    _act(cat, "use", {"item_id": item})


app.add_typer(devices_app, name="devices")
