"""Genotype: the immutable value, its parser and its canonical notation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from purrr_core.genetics.loci import ALLELE_LOCUS, LOCI, LOCUS, LOCUS_INDEX, Pair, Y

Sex = Literal["male", "female"]
SEXES: tuple[Sex, Sex] = ("male", "female")


class GenotypeError(ValueError):
    """A genotype that cannot be parsed or used; the message names the offending token."""

    def __init__(self, message: str, token: str | None = None) -> None:
        super().__init__(message)
        self.token = token


@dataclass(frozen=True, slots=True)
class Genotype:
    """A cat's genotype at every locus of `LOCI`, pairs canonical (dominant first).

    Build one with `parse_genotype`; `format()` gives the canonical notation.
    """

    sex: Sex
    pairs: tuple[Pair, ...]

    def pair(self, locus: str) -> Pair:
        """The allele pair at `locus` (e.g. `("B", "b")`; a male's O is `("o", "Y")`)."""
        return self.pairs[LOCUS_INDEX[locus]]

    def with_pair(self, locus: str, first: str, second: str) -> Genotype:
        """A copy with the pair at `locus` replaced, validated like parsed input."""
        if locus not in LOCUS:
            raise GenotypeError(f"unknown locus {locus!r}", locus)
        symbol, pair = _parse_token(f"{first}/{second}")
        if symbol != locus:
            raise GenotypeError(f"{first}/{second!s} is not a genotype at locus {locus}", locus)
        sex: Sex = ("male" if pair[1] == Y else "female") if locus == "O" else self.sex
        pairs = list(self.pairs)
        pairs[LOCUS_INDEX[locus]] = pair
        return Genotype(sex, tuple(pairs))

    def format(self) -> str:
        """Canonical notation: every locus, in table order, alleles dominant first."""
        return " ".join(f"{a}/{b}" for a, b in self.pairs)

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return f"Genotype({self.format()!r})"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Let pydantic models hold a Genotype: validated from notation, serialised to it."""

        def validate(value: object) -> Genotype:
            if isinstance(value, Genotype):
                return value
            if isinstance(value, str):
                return parse_genotype(value)
            raise GenotypeError("a genotype must be a notation string such as 'O/Y B/b'")

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda g: g.format(), when_used="always"
            ),
        )


def _takes(symbol: str) -> str:
    alleles = ", ".join(LOCUS[symbol].alleles)
    return f"{alleles} (and Y in a male)" if symbol == "O" else alleles


def _parse_token(token: str) -> tuple[str, Pair]:
    parts = token.split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise GenotypeError(
            f"malformed token {token!r}: write one locus as two alleles joined by '/', e.g. 'B/b'",
            token,
        )
    for allele in parts:
        if allele == "-":
            raise GenotypeError(
                f"'-' in {token!r}: a genotype names both alleles; '-' (either allele) is only "
                "used in descriptions",
                token,
            )
    home = next((ALLELE_LOCUS[a] for a in parts if a in ALLELE_LOCUS), None)
    if home is None:
        raise GenotypeError(f"unknown allele {parts[0]!r} in {token!r}; no locus takes it", token)
    locus = LOCUS[home]
    for allele in parts:
        other = ALLELE_LOCUS.get(allele)
        if other is None:
            raise GenotypeError(
                f"unknown allele {allele!r} in {token!r}; locus {home} takes {_takes(home)}",
                token,
            )
        if other != home:
            raise GenotypeError(
                f"allele {allele!r} in {token!r} belongs to locus {other}, not {home}", token
            )
    first, second = parts
    if Y in parts:
        if first == Y and second == Y:
            raise GenotypeError(
                f"{token!r} has no X chromosome; a male is written 'O/Y' or 'o/Y'", token
            )
    return home, locus.canonical(first, second)


@lru_cache(maxsize=4096)
def parse_genotype(text: str) -> Genotype:
    """Parse notation such as `"O/Y B/b D/d A/a W/w C/cs L/l"` into a Genotype.

    Loci may come in any order; omitted loci take their default (`LOCI[i].default`). The O
    locus is required and gives the sex. Errors raise `GenotypeError` naming the token.
    """
    if not isinstance(text, str):
        raise GenotypeError(f"a genotype must be a string, not {type(text).__name__}")
    found: dict[str, Pair] = {}
    for token in text.split():
        symbol, pair = _parse_token(token)
        if symbol in found:
            raise GenotypeError(f"locus {symbol} given twice (again in {token!r})", token)
        found[symbol] = pair
    if "O" not in found:
        raise GenotypeError(
            f"missing O locus in {text!r}: it gives the sex ('O/Y' or 'o/Y' for a male, "
            "'O/O', 'O/o' or 'o/o' for a female)",
            text,
        )
    sex: Sex = "male" if found["O"][1] == Y else "female"
    return Genotype(sex, tuple(found.get(lc.symbol, lc.default) for lc in LOCI))


def check_sex(sex: str) -> Sex:
    """Validate a sex string."""
    if sex == "male":
        return "male"
    if sex == "female":
        return "female"
    raise GenotypeError(f"unknown sex {sex!r}; use 'male' or 'female'", sex)
