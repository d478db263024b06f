"""`purrr genetics …`: exact crosses, COI from a pedigree file, and why a genotype looks as it does.

These commands work offline: they call purrr_core.genetics directly, no server is needed.
Notation and the JSON contract: genetics-reference.md (docs/genetics.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli.errors import CliError, UsageError
from purrr_cli.output import PurrrTyper, examples, is_terminal, options, render, render_rich

app = PurrrTyper(
    help="Coat genetics with exact probabilities: cross two genotypes, compute a COI, explain a "
    "genotype. Works offline (no server).\n\n"
    'Genotypes use the reference notation, loci separated by spaces, e.g. "O/Y B/b D/d"; '
    "omitted loci take their default (solid black dense shorthair)."
)

OFFSPRING_COLUMNS = ["sex", "probability", "name"]
SEXES = (("male", "Sons"), ("female", "Daughters"))


def _genetics() -> Any:
    from purrr_core import genetics

    return genetics


def _invalid(exc: ValueError, **details: Any) -> CliError:
    """A genotype or pedigree the rules reject: exit 1 (VALIDATION_ERROR), naming the token."""
    token = getattr(exc, "token", None) or getattr(exc, "cat_id", None)
    extra = {"token": token} if token is not None else {}
    return CliError(str(exc), code="VALIDATION_ERROR", details={**details, **extra})


def parse(text: str, role: str) -> Any:
    """Parse a genotype argument; an error names the argument and the bad token."""
    genetics = _genetics()
    try:
        return genetics.parse_genotype(text)
    except genetics.GenotypeError as exc:
        raise CliError(
            f"{role}: {exc}", code="VALIDATION_ERROR", details={"field": role, "token": exc.token}
        ) from None


def by_look(contract: dict[str, Any]) -> list[dict[str, Any]]:
    """The kittens for people: one row per sex and coat name (outcomes that differ only in what
    the name does not show are added up), each with its exact fraction of all kittens, as in
    the contract's `probability`. Most likely first within each sex."""
    from fractions import Fraction

    shares: dict[tuple[str, str], Fraction] = {}
    for outcome in contract["offspring"]:
        key = (outcome["sex"], outcome["phenotype"]["name"])
        shares[key] = shares.get(key, Fraction(0)) + Fraction(outcome["probability"])
    order = [sex for sex, _ in SEXES]
    rows = sorted(shares.items(), key=lambda item: (order.index(item[0][0]), -item[1], item[0][1]))
    return [{"sex": sex, "probability": str(p), "name": name} for (sex, name), p in rows]


def punnett(contract: dict[str, Any], title: str | None = None) -> Any:
    """A Rich table of the kittens by sex: sons | daughters, each coat with its exact fraction
    of all kittens (each column sums to 1/2), the same fractions as piped and in --json."""
    from rich.table import Table

    rows = by_look(contract)
    columns = [[r for r in rows if r["sex"] == sex] for sex, _ in SEXES]
    table = Table(
        title=title,
        caption="fractions of all kittens",
        header_style="bold",
        box=None,
        pad_edge=False,
    )
    for _, heading in SEXES:
        table.add_column(heading)
        table.add_column("")
    for row in range(max(len(c) for c in columns)):
        cells: list[str] = []
        for outcomes in columns:
            if row < len(outcomes):
                cells += [outcomes[row]["probability"], outcomes[row]["name"]]
            else:
                cells += ["", ""]
        table.add_row(*cells)
    return table


def show_cross(contract: dict[str, Any], title: str | None = None) -> None:
    """JSON: the contract object; terminal: the Punnett summary; piped: sex, fraction, name rows.
    Both views for people show one row per coat name and sex, with fractions of all kittens."""
    if options.json:
        render(contract)
    elif is_terminal(sys.stdout):
        render_rich(punnett(contract, title), contract)
    else:
        render(by_look(contract), OFFSPRING_COLUMNS)


@app.command(
    epilog=examples(
        'purrr genetics cross "O/Y" "o/o"',
        'purrr genetics cross "o/Y D/d" "O/o D/d" --json',
        'purrr genetics cross "o/Y C/cs" "o/o C/cs" --jq \'.offspring[] | select(.sex == "male")\'',
    )
)
def cross(
    sire: Annotated[
        str, typer.Argument(metavar="SIRE", help='The sire\'s genotype, e.g. "O/Y B/b".')
    ],
    dam: Annotated[str, typer.Argument(metavar="DAM", help='The dam\'s genotype, e.g. "o/o B/b".')],
) -> None:
    """Exact kitten distribution of SIRE x DAM, by sex (fractions sum to 1/2 per sex).

    --json prints the machine-readable contract: {"sire", "dam", "offspring": [{"sex",
    "probability", "p", "phenotype"}]}.
    """
    genetics = _genetics()
    sire_g, dam_g = parse(sire, "sire"), parse(dam, "dam")
    try:
        result = genetics.cross(sire_g, dam_g)
    except genetics.GenotypeError as exc:
        raise _invalid(exc) from None
    sire_name, dam_name = result.sire_phenotype.name, result.dam_phenotype.name
    show_cross(result.to_contract(), f"{sire_name} x {dam_name}")


def _read_pedigree(path: str) -> Any:
    if path == "-":
        text = sys.stdin.read()
    else:
        file = Path(path)
        if not file.is_file():
            raise UsageError(f"no such pedigree file: {path}", details={"field": "PEDIGREE"})
        text = file.read_text("utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path} is not JSON: {exc}", code="VALIDATION_ERROR", details={"field": "PEDIGREE"}
        ) from None


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _records(data: Any) -> list[dict[str, Any]]:
    """The pedigree's cats with ids as text, so `--sire 3` finds the cat whose id is 3 or "3"."""
    cats = data.get("cats") if isinstance(data, dict) else data
    if not isinstance(cats, list) or not all(isinstance(c, dict) for c in cats):
        raise CliError(
            'a pedigree is {"cats": [{"id": …, "sire": …, "dam": …}, …]}',
            code="VALIDATION_ERROR",
            details={"field": "PEDIGREE"},
        )
    return [
        {
            "id": _as_text(c.get("id")),
            "sire": _as_text(c.get("sire", c.get("sire_id"))),
            "dam": _as_text(c.get("dam", c.get("dam_id"))),
        }
        for c in cats
    ]


@app.command(
    epilog=examples(
        "purrr genetics coi pedigree.json --sire tom --dam kitty",
        "purrr genetics coi pedigree.json --sire 3 --dam 4 --json",
        "purrr api GET cats/7/pedigree --jq .data | purrr genetics coi - --sire 3 --dam 4",
    )
)
def coi(
    pedigree: Annotated[
        str,
        typer.Argument(
            metavar="PEDIGREE",
            help='A JSON file {"cats": [{"id", "sire", "dam"}, …]}, or - for stdin.',
        ),
    ],
    sire: Annotated[str, typer.Option("--sire", help="The sire's id in the pedigree.")],
    dam: Annotated[str, typer.Option("--dam", help="The dam's id in the pedigree.")],
) -> None:
    """Wright's coefficient of inbreeding of a kitten of SIRE x DAM: their exact kinship.

    --json prints {"coi": "1/4", "value": 0.25}. Unknown ids and cycles are errors.
    """
    genetics = _genetics()
    records = _records(_read_pedigree(pedigree))
    try:
        value = genetics.coi_from_pedigree(records, sire, dam)
    except genetics.PedigreeError as exc:
        raise _invalid(exc) from None
    render({"coi": str(value), "value": float(value)})


@app.command(
    epilog=examples(
        'purrr genetics explain "o/o B/b D/d A/a S/w"',
        'purrr genetics explain "O/Y C/cs l/l" --json',
    )
)
def explain(
    genotype: Annotated[str, typer.Argument(metavar="GENOTYPE", help='e.g. "O/o A/a S/w".')],
) -> None:
    """Show the phenotype of GENOTYPE and why, step by step in the reference's evaluation order."""
    genetics = _genetics()
    parsed = parse(genotype, "genotype")
    steps = genetics.explain(parsed)
    look = genetics.phenotype(parsed)
    data = {
        "genotype": parsed.format(),
        "sex": parsed.sex,
        "phenotype": look.model_dump(mode="json"),
        "explanation": steps,
    }
    if options.json:
        render(data)
        return
    typer.echo(f"{look.name} ({parsed.sex}): {parsed.format()}")
    for step in steps:
        typer.echo(f"  {step}")
