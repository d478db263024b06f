"""From genotype to phenotype: the evaluation pipeline, display names, eyes and deafness.

The pipeline is a fold over the loci in `EVALUATION_ORDER`. Each step reads one locus class and
updates a small state tuple, dropping what can no longer matter (B under full orange, Dm on a
dense cat, the tabby loci when no tabby shows, Wb on a solid cat). The cross engine runs the
same steps over probability distributions, so a single cat and a litter always agree.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import cache
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from purrr_core.genetics.genotype import Genotype
from purrr_core.genetics.loci import EVALUATION_ORDER, LOCUS, LOCUS_INDEX

White = Literal["none", "low", "high", "dominant"]
Albino = Literal["blue_eyed", "pink_eyed"]
Restriction = Literal["none", "point", "mink", "sepia"]
Eumelanin = Literal[
    "black", "chocolate", "cinnamon", "blue", "lilac", "fawn", "caramel", "taupe", "beige"
]
Phaeomelanin = Literal["red", "cream", "apricot"]
Tabby = Literal["none", "mackerel", "classic", "ticked", "spotted"]
Shading = Literal["none", "shaded", "shell"]


class Phenotype(BaseModel):
    """What a cat looks like. `model_dump()` gives exactly the contract's phenotype object.

    For dominant white and albino cats the colour fields describe the hidden genotype. The
    excluded fields are derived from the contract fields and serve portraits and `explain`.
    """

    model_config = ConfigDict(frozen=True)

    white: White
    albino: Albino | None
    restriction: Restriction
    eumelanin: Eumelanin | None
    phaeomelanin: Phaeomelanin | None
    tabby: Tabby
    silver: bool
    long_hair: bool
    name: str
    agouti: bool = Field(default=False, exclude=True)
    shading: Shading = Field(default="none", exclude=True)
    eye_colours: tuple[str, ...] = Field(default=(), exclude=True)
    white_grade: tuple[int, int] = Field(default=(0, 0), exclude=True)

    @property
    def tortoiseshell(self) -> bool:
        """Both pigments show (only possible in a female in the Mendelian path)."""
        return self.eumelanin is not None and self.phaeomelanin is not None


# --- colour tables -------------------------------------------------------------------------

DILUTED: Mapping[str, str] = MappingProxyType(
    {"black": "blue", "chocolate": "lilac", "cinnamon": "fawn", "red": "cream"}
)
MODIFIED: Mapping[str, str] = MappingProxyType(
    {"blue": "caramel", "lilac": "taupe", "fawn": "beige", "cream": "apricot"}
)
# white-spotting grade on the 1-10 scale of the fancy (1 = a locket, 10 = all white)
WHITE_GRADES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"none": (0, 0), "low": (1, 5), "high": (5, 9), "dominant": (10, 10)}
)
QUANTITATIVE_EYES: tuple[str, ...] = ("green", "hazel", "gold", "copper")
WHITE_EYES: tuple[str, ...] = ("blue", "odd-eyed", "copper")
RESTRICTED_EYES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"point": ("blue",), "mink": ("aqua",), "sepia": ("gold", "yellow-green")}
)
ALBINO_EYES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"blue_eyed": ("pale blue",), "pink_eyed": ("pink",)}
)
# Deafness in dominant-white (W) cats by eye colour: 65-85 % with two blue eyes, about 40 % with
# one, 17-22 % with none (Bergsma & Brown 1971; reviewed by Strain, LSU). Values used: mid-points.
DEAFNESS_RISK_W: Mapping[str, Fraction] = MappingProxyType(
    {"blue": Fraction(3, 4), "odd-eyed": Fraction(2, 5), "copper": Fraction(1, 5)}
)
# Eye-colour odds when rolling an individual (game-model choices, not literature figures).
EYE_WEIGHTS: Mapping[str, tuple[tuple[str, int], ...]] = MappingProxyType(
    {
        "dominant": (("blue", 25), ("odd-eyed", 15), ("copper", 60)),
        "high": (("blue", 10), ("odd-eyed", 10), ("copper", 80)),
        "quantitative": (("green", 25), ("hazel", 25), ("gold", 30), ("copper", 20)),
    }
)


# --- the pipeline --------------------------------------------------------------------------

# (sex, orange, eumelanin, phaeomelanin, agouti, tabby-or-None, spotted-pending, silver,
#  shading, C class, white, long hair)
State = tuple[str, str, str | None, str | None, bool, str | None, bool, bool, str, str, str, bool]
# (sex, eumelanin, phaeomelanin, agouti, tabby, silver, shading, C class, white, long hair)
Key = tuple[str, str | None, str | None, bool, str, bool, str, str, str, bool]
Step = Callable[[State, str], State]


def initial_state(sex: str, orange: str) -> State:
    """State after the O locus."""
    return (sex, orange, None, None, False, None, False, False, "none", "full", "none", False)


def _step_b(s: State, cls: str) -> State:
    eu = None if s[1] == "red" else cls  # full orange masks B
    return (s[0], s[1], eu, None, False, None, False, False, "none", "full", "none", False)


def _step_d(s: State, cls: str) -> State:
    dilute = cls == "dilute"
    eu = DILUTED[s[2]] if dilute and s[2] is not None else s[2]
    ph = None if s[1] == "none" else ("cream" if dilute else "red")
    return (s[0], "", eu, ph, False, None, False, False, "none", "full", "none", False)


def _step_dm(s: State, cls: str) -> State:
    if cls != "modifier":
        return s
    eu = MODIFIED.get(s[2], s[2]) if s[2] is not None else None
    ph = MODIFIED.get(s[3], s[3]) if s[3] is not None else None
    return (s[0], "", eu, ph, False, None, False, False, "none", "full", "none", False)


def _step_a(s: State, cls: str) -> State:
    agouti = cls == "agouti"
    # tabby shows with A or wherever there is orange; otherwise the pattern is decided: none
    tabby = None if agouti or s[3] is not None else "none"
    return (s[0], "", s[2], s[3], agouti, tabby, False, False, "none", "full", "none", False)


def _step_ta(s: State, cls: str) -> State:
    if s[5] is not None or cls != "ticked":
        return s
    return (s[0], "", s[2], s[3], s[4], "ticked", False, False, "none", "full", "none", False)


def _step_sp(s: State, cls: str) -> State:
    if s[5] is not None or cls != "spotted":
        return s
    return (s[0], "", s[2], s[3], s[4], None, True, False, "none", "full", "none", False)


def _step_mc(s: State, cls: str) -> State:
    if s[5] is not None:
        return s
    tabby = "classic" if cls == "classic" else ("spotted" if s[6] else "mackerel")
    return (s[0], "", s[2], s[3], s[4], tabby, False, False, "none", "full", "none", False)


def _step_i(s: State, cls: str) -> State:
    return (s[0], "", s[2], s[3], s[4], s[5], False, cls == "silver", "none", "full", "none", False)


def _step_wb(s: State, cls: str) -> State:
    shading = cls if s[4] else "none"  # wide band acts on agouti hair only
    return (s[0], "", s[2], s[3], s[4], s[5], False, s[7], shading, "full", "none", False)


def _step_c(s: State, cls: str) -> State:
    return (s[0], "", s[2], s[3], s[4], s[5], False, s[7], s[8], cls, "none", False)


def _step_w(s: State, cls: str) -> State:
    return (s[0], "", s[2], s[3], s[4], s[5], False, s[7], s[8], s[9], cls, False)


def _step_l(s: State, cls: str) -> State:
    return (s[0], "", s[2], s[3], s[4], s[5], False, s[7], s[8], s[9], s[10], cls == "long")


# steps for EVALUATION_ORDER[1:] (the O locus makes the initial state)
STEPS: tuple[Step, ...] = (
    _step_b, _step_d, _step_dm, _step_a, _step_ta, _step_sp, _step_mc,
    _step_i, _step_wb, _step_c, _step_w, _step_l,
)  # fmt: skip
EVAL_INDEX: tuple[int, ...] = tuple(LOCUS_INDEX[s] for s in EVALUATION_ORDER)


# (sex, eumelanin, phaeomelanin, agouti, tabby, silver, shading): the key before C, W and L
Head = tuple[str, str | None, str | None, bool, str, bool, str]
MASKED_C_CLASSES = frozenset({"blue_eyed", "pink_eyed"})


def head_key(s: State) -> Head:
    """The colour-and-pattern part of a state after the Wb step (scratch fields dropped)."""
    tabby = s[5] if s[5] is not None else "none"
    return (s[0], s[2], s[3], s[4], tabby, s[7], s[8])


def complete_key(head: Head, cclass: str, white: str, long_hair: bool) -> Key:
    """Join the independent C, W and L classes to a head.

    The extra fields agouti and shading describe what shows, so a coat masked by dominant
    white or albinism has neither; this also keeps one contract object per key.
    """
    if white == "dominant" or cclass in MASKED_C_CLASSES:
        return (
            head[0],
            head[1],
            head[2],
            False,
            head[4],
            head[5],
            "none",
            cclass,
            white,
            long_hair,
        )
    return (*head, cclass, white, long_hair)


def final_key(s: State) -> Key:
    """The pipeline key of a finished state."""
    return complete_key(head_key(s), s[9], s[10], s[11])


def genotype_key(g: Genotype) -> Key:
    """Fold one genotype through the pipeline."""
    state = initial_state(g.sex, LOCUS["O"].classify(g.pair("O")))
    for step, symbol in zip(STEPS, EVALUATION_ORDER[1:], strict=True):
        state = step(state, LOCUS[symbol].classify(g.pair(symbol)))
    return final_key(state)


# --- display names -------------------------------------------------------------------------

TORTIE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "black": "tortoiseshell",
        "blue": "blue-cream",
        "chocolate": "chocolate tortoiseshell",
        "lilac": "lilac-cream",
        "cinnamon": "cinnamon tortoiseshell",
        "fawn": "fawn-cream",
        "caramel": "caramel-apricot",
        "taupe": "taupe-apricot",
        "beige": "beige-apricot",
    }
)
CALICO_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "black": "calico",
        "blue": "dilute calico",
        "chocolate": "chocolate calico",
        "lilac": "lilac calico",
        "cinnamon": "cinnamon calico",
        "fawn": "fawn calico",
        "caramel": "caramel calico",
        "taupe": "taupe calico",
        "beige": "beige calico",
    }
)
TORTIE_POINT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "black": "seal tortie",
        "blue": "blue-cream",
        "chocolate": "chocolate tortie",
        "lilac": "lilac-cream",
        "cinnamon": "cinnamon tortie",
        "fawn": "fawn-cream",
        "caramel": "caramel-apricot",
        "taupe": "taupe-apricot",
        "beige": "beige-apricot",
    }
)


def _tabby_colour(eu: str) -> str:
    return "brown" if eu == "black" else eu


def _point_colour(eu: str) -> str:
    return "seal" if eu == "black" else eu


def _coat_name(
    eu: str | None, ph: str | None, agouti: bool, tabby: str, silver: bool, shading: str
) -> str:
    """Name of a full-colour coat (no restriction, no white)."""
    band = "silver" if silver else "golden"
    if eu is not None and ph is None:
        if not agouti:
            return f"{eu} smoke" if silver else eu
        prefix = "" if eu == "black" else f"{eu} "
        if shading != "none":
            return f"{prefix}{shading} {band}"
        if silver:
            return f"{prefix}silver {tabby} tabby"
        return f"{_tabby_colour(eu)} {tabby} tabby"
    if eu is None and ph is not None:
        if silver:
            cameo = "cameo" if ph == "red" else f"{ph} cameo"
            if not agouti:
                return f"{ph} smoke"
            if shading != "none":
                return f"{shading} {cameo}"
            return f"{cameo} {tabby} tabby"
        if not agouti:
            return ph
        if shading != "none":
            return f"{shading} {ph}"
        return f"{ph} {tabby} tabby"
    assert eu is not None and ph is not None
    tortie = TORTIE_NAMES[eu]
    if not agouti:
        return f"{tortie} smoke" if silver else tortie
    if shading != "none":
        return f"{shading} {tortie}" if silver else f"{shading} golden {tortie}"
    prefix = "" if eu == "black" else f"{eu} "
    return f"{prefix}{'silver ' if silver else ''}{tabby} torbie"


def _restricted_name(
    kind: str, eu: str | None, ph: str | None, agouti: bool, silver: bool, shading: str
) -> str:
    """Name of a pointed, mink or sepia coat (pattern type is not named on points)."""
    if eu is not None and ph is not None:
        colour = TORTIE_POINT_NAMES[eu] if not agouti else f"{_point_colour(eu)} torbie"
    elif eu is not None:
        colour = _point_colour(eu)
    else:
        assert ph is not None
        colour = ph
    if agouti and shading != "none":
        return f"{colour} {shading} {'silver' if silver else 'golden'} {kind}"
    if agouti and not (eu is not None and ph is not None):
        return f"{colour} {'silver ' if silver else ''}lynx {kind}"
    return f"{colour} {'smoke ' if silver else ''}{kind}"


def display_name(key: Key) -> str:
    """The fancy's name, decided in the reference's order: KIT white, albino, colour."""
    _, eu, ph, agouti, tabby, silver, shading, cclass, white, _ = key
    if white == "dominant":
        return "white"
    if cclass in ("blue_eyed", "pink_eyed"):
        return "blue-eyed albino" if cclass == "blue_eyed" else "pink-eyed albino"
    if cclass != "full":
        name = _restricted_name(cclass, eu, ph, agouti, silver, shading)
    elif eu is not None and ph is not None and not agouti and not silver and white != "none":
        return CALICO_NAMES[eu]
    else:
        name = _coat_name(eu, ph, agouti, tabby, silver, shading)
    return name if white == "none" else f"{name} and white"


def _eye_colours(cclass: str, white: str) -> tuple[str, ...]:
    if cclass in ALBINO_EYES:
        return ALBINO_EYES[cclass]
    if cclass in RESTRICTED_EYES:
        return RESTRICTED_EYES[cclass]
    if white in ("dominant", "high"):
        return WHITE_EYES
    return QUANTITATIVE_EYES


def phenotype_for_key(key: Key) -> Phenotype:
    """The Phenotype of a pipeline key (cached: equal keys give the same object)."""
    return labelled_phenotype(key)[0]


@cache
def labelled_phenotype(key: Key) -> tuple[Phenotype, tuple[str, ...]]:
    """The Phenotype of a key and its sort label (name first, then every contract field)."""
    _, eu, ph, agouti, tabby, silver, shading, cclass, white, long_hair = key
    name = display_name(key)
    albino = cclass if cclass in MASKED_C_CLASSES else None
    restriction = cclass if cclass in ("point", "mink", "sepia") else "none"
    result = Phenotype.model_validate(
        {
            "white": white,
            "albino": albino,
            "restriction": restriction,
            "eumelanin": eu,
            "phaeomelanin": ph,
            "tabby": tabby,
            "silver": silver,
            "long_hair": long_hair,
            "name": name,
            "agouti": agouti,
            "shading": shading,
            "eye_colours": _eye_colours(cclass, white),
            "white_grade": WHITE_GRADES[white],
        }
    )
    label = (
        name, white, albino or "", restriction, eu or "", ph or "", tabby,
        str(silver), str(long_hair), shading, str(agouti),
    )  # fmt: skip
    return result, label


def phenotype(g: Genotype) -> Phenotype:
    """The phenotype of a genotype (the reference's machine-readable object)."""
    return phenotype_for_key(genotype_key(g))


# --- explanation -----------------------------------------------------------------------------

_CLASS_WORDS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "W": MappingProxyType(
            {
                "dominant": "dominant white (KIT W): the coat is all white and masks every colour "
                "gene below, which are still passed on; deafness risk, highest with blue eyes",
                "high": "two white-spotting alleles (S/S): high white, grade 5-9",
                "low": "one white-spotting allele (S/w): low white, grade 1-5",
                "none": "no white spotting",
            }
        ),
        "C": MappingProxyType(
            {
                "full": "full colour",
                "sepia": "sepia (Burmese): colour slightly lightened, darker points, gold or "
                "yellow-green eyes",
                "mink": "mink (Tonkinese, cb with cs): medium points, aqua eyes",
                "point": "colourpoint (Siamese): colour only on the cool points, blue eyes",
                "blue_eyed": "blue-eyed albino: no pigment in the coat; the colour genes are "
                "hidden but still passed on",
                "pink_eyed": "pink-eyed (full) albino: no pigment at all; the colour genes are "
                "hidden but still passed on",
            }
        ),
    }
)


def _carried(pair: tuple[str, str]) -> str:
    return "" if pair[0] == pair[1] or pair[1] == "Y" else f" (carries {pair[1]})"


def explain(g: Genotype) -> list[str]:
    """Human-readable steps: why each phenotype field has its value, in evaluation order."""
    ph = phenotype(g)
    p = g.pair
    steps: list[str] = []
    w = p("W")
    steps.append(f"W {w[0]}/{w[1]}: {_CLASS_WORDS['W'][LOCUS['W'].classify(w)]}")
    c = p("C")
    cclass = LOCUS["C"].classify(c)
    if cclass in ("blue_eyed", "pink_eyed"):
        steps.append(f"C {c[0]}/{c[1]}: {_CLASS_WORDS['C'][cclass]}")
    o = p("O")
    b = p("B")
    if g.sex == "male":
        orange = "orange: phaeomelanin replaces the B colour" if o[0] == "O" else "no orange"
        steps.append(f"O {o[0]}/Y: male, one X; {orange}")
    else:
        words = {
            "red": "orange on both X: phaeomelanin replaces the B colour",
            "tortie": "one orange X: X-inactivation gives orange and non-orange patches "
            "(tortoiseshell)",
            "none": "no orange",
        }
        steps.append(f"O {o[0]}/{o[1]}: female; {words[LOCUS['O'].classify(o)]}")
    if ph.eumelanin is None:
        steps.append(f"B {b[0]}/{b[1]}: hidden under full orange (still passed on)")
    else:
        steps.append(f"B {b[0]}/{b[1]}: {LOCUS['B'].classify(b)} eumelanin{_carried(b)}")
    d = p("D")
    if d == ("d", "d"):
        steps.append(
            "D d/d: dilute: black to blue, chocolate to lilac, cinnamon to fawn, red to cream"
        )
    else:
        steps.append(f"D {d[0]}/{d[1]}: dense pigment{_carried(d)}")
    dm = p("Dm")
    if dm[0] == "Dm":
        effect = "acts on d/d" if d == ("d", "d") else "carried silently (acts only on d/d)"
        steps.append(f"Dm {dm[0]}/{dm[1]}: dilute modifier {effect}")
    a = p("A")
    if a[0] == "A":
        steps.append(f"A {a[0]}/{a[1]}: agouti: the tabby pattern shows")
    elif ph.phaeomelanin is not None:
        steps.append("A a/a: solid, but orange always shows tabby markings")
    else:
        steps.append("A a/a: solid: the tabby pattern is hidden (still passed on)")
    if ph.tabby != "none":
        ta, sp, mc = p("Ta"), p("Sp"), p("Mc")
        why = {
            "ticked": f"Ta {ta[0]}/{ta[1]} is dominant over the other tabby loci",
            "spotted": f"Sp {sp[0]}/{sp[1]} breaks mackerel (Mc {mc[0]}/{mc[1]}) into spots",
            "mackerel": f"Mc {mc[0]}/{mc[1]}",
            "classic": "mc/mc (classic, also called blotched)",
        }
        steps.append(f"tabby pattern {ph.tabby}: {why[ph.tabby]}")
    i, wb = p("I"), p("Wb")
    if ph.silver:
        what = "silver tabby" if ph.agouti else "smoke"
        if ph.eumelanin is None:
            what = "cameo"
        steps.append(f"I {i[0]}/{i[1]}: inhibitor: {what}")
    if wb[0] == "Wb":
        if ph.agouti:
            kind = "shell" if wb == ("Wb", "Wb") else "shaded"
            tone = "silver" if ph.silver else "golden"
            steps.append(f"Wb {wb[0]}/{wb[1]}: wide band: {kind} {tone}")
        else:
            steps.append(f"Wb {wb[0]}/{wb[1]}: wide band has no effect on a solid coat")
    if cclass in ("point", "mink", "sepia"):
        steps.append(f"C {c[0]}/{c[1]}: {_CLASS_WORDS['C'][cclass]}")
    elif cclass == "full" and c[1] != "C":
        steps.append(f"C {c[0]}/{c[1]}: full colour (carries {c[1]})")
    l_pair = p("L")
    hair = "long hair" if ph.long_hair else f"short hair{_carried(l_pair)}"
    steps.append(f"L {l_pair[0]}/{l_pair[1]}: {hair}")
    steps.append(f"eyes: {', '.join(ph.eye_colours)}")
    steps.append(f"name: {ph.name}")
    return steps


# --- individual traits (rolled once per cat) -------------------------------------------------


class IndividualTraits(BaseModel):
    """Traits that vary between cats of one genotype: eye colour, white grade, hearing."""

    model_config = ConfigDict(frozen=True)

    eye_colour: str
    white_grade: int
    deafness_risk: float
    deaf: bool


def deafness_risk(ph: Phenotype, eye_colour: str) -> Fraction:
    """Risk of congenital deafness: modelled for dominant white (W) only, by eye colour."""
    if ph.white != "dominant":
        return Fraction(0)
    return DEAFNESS_RISK_W.get(eye_colour, DEAFNESS_RISK_W["copper"])


def roll_traits(g: Genotype, rng: random.Random) -> IndividualTraits:
    """Roll eye colour, white grade and deafness for one cat (seeded)."""
    ph = phenotype(g)
    options = ph.eye_colours
    if len(options) == 1:
        eye = options[0]
    else:
        table = "quantitative" if options == QUANTITATIVE_EYES else ph.white
        names, weights = zip(*EYE_WEIGHTS[table], strict=True)
        eye = rng.choices(names, weights=weights)[0]
    low, high = ph.white_grade
    grade = rng.randint(low, high)
    risk = deafness_risk(ph, eye)
    deaf = rng.random() < risk
    return IndividualTraits(eye_colour=eye, white_grade=grade, deafness_risk=float(risk), deaf=deaf)
