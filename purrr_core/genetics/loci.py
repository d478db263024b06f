"""The locus table: every coat locus, its alleles and how a genotype at it classifies.

Rules as data: the parser, the formatter, the phenotype pipeline and the cross engine all read
`LOCI`. A locus genotype is a pair of alleles written dominant-first (the order of `alleles`);
a male's O locus is `(allele, "Y")`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations_with_replacement
from types import MappingProxyType

Pair = tuple[str, str]
Y = "Y"


@dataclass(frozen=True, slots=True)
class Locus:
    """One locus: symbol, alleles (dominant first), default genotype and genotype classes."""

    symbol: str
    alleles: tuple[str, ...]
    default: Pair
    gene: str
    effect: str
    # canonical pair -> phenotype-relevant class (e.g. B/bl -> "black")
    classes: Mapping[Pair, str]
    x_linked: bool = False

    def canonical(self, first: str, second: str) -> Pair:
        """Order a pair dominant-first (Y always last)."""
        if second == Y or first == Y:
            return (second, Y) if first == Y else (first, Y)
        rank = self.alleles.index
        return (first, second) if rank(first) <= rank(second) else (second, first)

    def classify(self, pair: Pair) -> str:
        """The phenotype class of a canonical pair."""
        return self.classes[pair]


def _series(alleles: tuple[str, ...], names: tuple[str, ...]) -> Mapping[Pair, str]:
    """Complete dominance down a series: the most dominant allele present decides."""
    return MappingProxyType(
        {(a, b): names[alleles.index(a)] for a, b in combinations_with_replacement(alleles, 2)}
    )


def _table(entries: dict[Pair, str]) -> Mapping[Pair, str]:
    return MappingProxyType(entries)


LOCI: tuple[Locus, ...] = (
    Locus(
        "O",
        ("O", "o"),
        ("o", "o"),
        "ARHGAP36 region (X chromosome)",
        "orange: replaces eumelanin with phaeomelanin; X-linked",
        _table(
            {
                ("O", "O"): "red",
                ("O", "o"): "tortie",
                ("o", "o"): "none",
                ("O", Y): "red",
                ("o", Y): "none",
            }
        ),
        x_linked=True,
    ),
    Locus(
        "B",
        ("B", "b", "bl"),
        ("B", "B"),
        "TYRP1",
        "eumelanin colour: black > chocolate > cinnamon",
        _series(("B", "b", "bl"), ("black", "chocolate", "cinnamon")),
    ),
    Locus(
        "D",
        ("D", "d"),
        ("D", "D"),
        "MLPH",
        "dilution: d/d turns black to blue, chocolate to lilac, cinnamon to fawn, red to cream",
        _series(("D", "d"), ("dense", "dilute")),
    ),
    Locus(
        "Dm",
        ("Dm", "dm"),
        ("dm", "dm"),
        "not identified (hypothesised dilute modifier)",
        "dilute modifier: on d/d only, blue to caramel, lilac to taupe, fawn to beige, cream to "
        "apricot",
        _series(("Dm", "dm"), ("modifier", "none")),
    ),
    Locus(
        "A",
        ("A", "a"),
        ("a", "a"),
        "ASIP",
        "agouti: A/- shows the tabby pattern, a/a is solid",
        _series(("A", "a"), ("agouti", "solid")),
    ),
    Locus(
        "Mc",
        ("Mc", "mc"),
        ("Mc", "Mc"),
        "TAQPEP",
        "tabby pattern: mackerel > classic (blotched)",
        _series(("Mc", "mc"), ("mackerel", "classic")),
    ),
    Locus(
        "Ta",
        ("Ta", "ta"),
        ("ta", "ta"),
        "DKK4",
        "ticked tabby: dominant, hides mackerel, spotted and classic",
        _series(("Ta", "ta"), ("ticked", "none")),
    ),
    Locus(
        "Sp",
        ("Sp", "sp"),
        ("sp", "sp"),
        "not a single identified gene (game-model locus)",
        "spotted: breaks mackerel stripes into spots; no effect on classic; hidden by ticked",
        _series(("Sp", "sp"), ("spotted", "none")),
    ),
    Locus(
        "W",
        ("W", "S", "w"),
        ("w", "w"),
        "KIT",
        "dominant white > white spotting > none; S is incompletely dominant",
        _table(
            {
                ("W", "W"): "dominant",
                ("W", "S"): "dominant",
                ("W", "w"): "dominant",
                ("S", "S"): "high",
                ("S", "w"): "low",
                ("w", "w"): "none",
            }
        ),
    ),
    Locus(
        "C",
        ("C", "cb", "cs", "ca", "c"),
        ("C", "C"),
        "TYR",
        "colour restriction: full > sepia = point (mink together) > blue-eyed albino > albino",
        _table(
            {
                ("C", "C"): "full",
                ("C", "cb"): "full",
                ("C", "cs"): "full",
                ("C", "ca"): "full",
                ("C", "c"): "full",
                ("cb", "cb"): "sepia",
                ("cb", "cs"): "mink",
                ("cb", "ca"): "sepia",
                ("cb", "c"): "sepia",
                ("cs", "cs"): "point",
                ("cs", "ca"): "point",
                ("cs", "c"): "point",
                ("ca", "ca"): "blue_eyed",
                ("ca", "c"): "blue_eyed",
                ("c", "c"): "pink_eyed",
            }
        ),
    ),
    Locus(
        "I",
        ("I", "i"),
        ("i", "i"),
        "not identified",
        "inhibitor: removes pigment from the hair base; silver tabby, smoke, cameo",
        _series(("I", "i"), ("silver", "none")),
    ),
    Locus(
        "Wb",
        ("Wb", "wb"),
        ("wb", "wb"),
        "not identified (polygenic in reality; game-model locus)",
        "wide band, agouti cats only: Wb/wb shaded, Wb/Wb shell; golden without I",
        _table({("Wb", "Wb"): "shell", ("Wb", "wb"): "shaded", ("wb", "wb"): "none"}),
    ),
    Locus(
        "L",
        ("L", "l"),
        ("L", "L"),
        "FGF5",
        "hair length: long hair only as l/l",
        _series(("L", "l"), ("short", "long")),
    ),
)

LOCUS_INDEX: Mapping[str, int] = MappingProxyType({lc.symbol: i for i, lc in enumerate(LOCI)})
LOCUS: Mapping[str, Locus] = MappingProxyType({lc.symbol: lc for lc in LOCI})
# allele symbol -> locus symbol; allele symbols are unique across loci
ALLELE_LOCUS: Mapping[str, str] = MappingProxyType(
    {allele: lc.symbol for lc in LOCI for allele in lc.alleles} | {Y: "O"}
)

# The order in which the phenotype pipeline reads the loci (see docs/genetics.md).
EVALUATION_ORDER: tuple[str, ...] = (
    "O", "B", "D", "Dm", "A", "Ta", "Sp", "Mc", "I", "Wb", "C", "W", "L",
)  # fmt: skip
