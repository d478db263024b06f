"""Known-answer tests for purrr_core.genetics: notation, phenotypes and exact crosses."""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction as F

import pytest

from purrr_core.genetics import (
    GenotypeError,
    Phenotype,
    cross,
    explain,
    parse_genotype,
    phenotype,
)


def names(sire: str, dam: str) -> dict[tuple[str, str], F]:
    """Offspring distribution aggregated by (sex, display name)."""
    result: Counter[tuple[str, str]] = Counter()
    for o in cross(parse_genotype(sire), parse_genotype(dam)).offspring:
        result[(o.sex, o.phenotype.name)] += o.probability
    return dict(result)


def field(sire: str, dam: str, attr: str, sex: str | None = None) -> dict[object, F]:
    """Offspring distribution of one phenotype field, optionally for one sex, as P(field | sex)."""
    result: Counter[object] = Counter()
    for o in cross(parse_genotype(sire), parse_genotype(dam)).offspring:
        if sex is None or o.sex == sex:
            result[getattr(o.phenotype, attr)] += o.probability * (2 if sex else 1)
    return dict(result)


def name_of(text: str) -> str:
    return phenotype(parse_genotype(text)).name


# --- notation ------------------------------------------------------------------------------


def test_defaults_and_canonical_format() -> None:
    g = parse_genotype("O/Y")
    assert g.sex == "male"
    assert g.format() == "O/Y B/B D/D dm/dm a/a Mc/Mc ta/ta sp/sp w/w C/C i/i wb/wb L/L"
    assert str(g) == g.format()


def test_any_order_and_allele_order_normalised() -> None:
    a = parse_genotype("l/L cs/C Y/o w/W b/B")
    b = parse_genotype("o/Y B/b W/w C/cs L/l")
    assert a == b
    assert a.format() == "o/Y B/b D/D dm/dm a/a Mc/Mc ta/ta sp/sp W/w C/cs i/i wb/wb L/l"
    assert parse_genotype(a.format()) == a


def test_female_and_round_trip() -> None:
    g = parse_genotype("O/o B/bl d/d Dm/dm A/a mc/mc Ta/ta Sp/sp S/w cb/cs I/i Wb/wb l/l")
    assert g.sex == "female"
    assert parse_genotype(g.format()) == g
    assert g.pair("C") == ("cb", "cs")


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("O/Y B/Q", "'Q'"),
        ("O/Y B/d", "'d'"),
        ("O/Y Q/q", "'Q'"),
        ("O/Y X/x", "'X/x'"),
        ("O/Y B/b B/B", "'B/B'"),
        ("O/Y B-b", "'B-b'"),
        ("O/Y A/-", "'A/-'"),
        ("Y/Y", "'Y/Y'"),
        ("B/b", "O locus"),
        ("", "O locus"),
        ("O/Y B/b/b", "'B/b/b'"),
        ("O/Y D/Y", "'Y'"),
    ],
)
def test_parser_errors_name_the_token(text: str, token: str) -> None:
    with pytest.raises(GenotypeError) as err:
        parse_genotype(text)
    assert token in str(err.value)
    assert isinstance(err.value, ValueError)


def test_unknown_allele_message_lists_locus_alleles() -> None:
    with pytest.raises(GenotypeError, match=r"unknown allele 'Q' in 'B/Q'; locus B takes B, b, bl"):
        parse_genotype("o/Y B/Q")


def test_sire_must_be_male_and_dam_female() -> None:
    male, female = parse_genotype("o/Y"), parse_genotype("o/o")
    with pytest.raises(GenotypeError, match="sire must be male"):
        cross(female, female)
    with pytest.raises(GenotypeError, match="dam must be female"):
        cross(male, male)


def test_genotype_is_immutable_and_hashable() -> None:
    g = parse_genotype("o/Y B/b")
    with pytest.raises(AttributeError):
        g.sex = "female"  # type: ignore[misc]
    assert len({g, parse_genotype("B/b o/Y")}) == 1


# --- phenotypes ----------------------------------------------------------------------------


def test_contract_object_for_default_black() -> None:
    assert phenotype(parse_genotype("o/Y")).model_dump() == {
        "white": "none",
        "albino": None,
        "restriction": "none",
        "eumelanin": "black",
        "phaeomelanin": None,
        "tabby": "none",
        "silver": False,
        "long_hair": False,
        "name": "black",
    }


@pytest.mark.parametrize(
    ("genotype", "name"),
    [
        ("o/Y", "black"),
        ("o/Y B/b", "black"),
        ("o/Y b/b", "chocolate"),
        ("o/Y b/bl", "chocolate"),
        ("o/Y bl/bl", "cinnamon"),
        ("o/Y d/d", "blue"),
        ("o/Y b/b d/d", "lilac"),
        ("o/Y bl/bl d/d", "fawn"),
        ("O/Y", "red"),
        ("O/Y d/d", "cream"),
        ("O/Y A/a", "red mackerel tabby"),
        ("O/o", "tortoiseshell"),
        ("O/o d/d", "blue-cream"),
        ("O/o b/b", "chocolate tortoiseshell"),
        ("O/o A/a", "mackerel torbie"),
        ("O/o S/w", "calico"),
        ("O/o S/S", "calico"),
        ("O/o d/d S/w", "dilute calico"),
        ("o/Y A/a", "brown mackerel tabby"),
        ("o/Y A/a mc/mc", "brown classic tabby"),
        ("o/Y A/a d/d S/w", "blue mackerel tabby and white"),
        ("o/Y S/w", "black and white"),
        ("o/Y W/w", "white"),
        ("o/Y C/cs", "black"),
        ("o/Y cs/cs", "seal point"),
        ("o/Y cs/cs A/A", "seal lynx point"),
        ("o/Y cs/cs d/d", "blue point"),
        ("O/Y cs/cs", "red point"),
        ("O/o cs/cs", "seal tortie point"),
        ("o/Y cb/cb", "seal sepia"),
        ("o/Y cb/cs", "seal mink"),
        ("o/Y I/i", "black smoke"),
        ("o/Y A/a I/i", "silver mackerel tabby"),
        ("O/Y I/i", "red smoke"),
        ("O/Y A/a I/i", "cameo mackerel tabby"),
        ("o/Y A/a I/i Wb/wb", "shaded silver"),
        ("o/Y A/a I/i Wb/Wb", "shell silver"),
        ("o/Y A/a Wb/wb", "shaded golden"),
        ("O/Y A/a I/i Wb/Wb", "shell cameo"),
        ("O/o A/a I/i Wb/wb", "shaded tortoiseshell"),
        ("o/Y ca/ca", "blue-eyed albino"),
        ("o/Y c/c", "pink-eyed albino"),
    ],
)
def test_display_names(genotype: str, name: str) -> None:
    assert name_of(genotype) == name


def test_dilute_modifier_only_on_dilute() -> None:
    assert phenotype(parse_genotype("o/Y d/d Dm/dm")).eumelanin == "caramel"
    assert phenotype(parse_genotype("o/Y b/b d/d Dm/Dm")).eumelanin == "taupe"
    assert phenotype(parse_genotype("o/Y bl/bl d/d Dm/dm")).eumelanin == "beige"
    assert phenotype(parse_genotype("O/Y d/d Dm/dm")).phaeomelanin == "apricot"
    tortie = phenotype(parse_genotype("O/o d/d Dm/dm"))
    assert (tortie.eumelanin, tortie.phaeomelanin) == ("caramel", "apricot")
    # dense cats carry it silently
    assert phenotype(parse_genotype("o/Y D/d Dm/Dm")).eumelanin == "black"
    assert phenotype(parse_genotype("O/Y Dm/dm")).phaeomelanin == "red"


def test_orange_hides_b_and_always_shows_tabby() -> None:
    red = phenotype(parse_genotype("O/Y b/b a/a mc/mc"))
    assert red.eumelanin is None and red.phaeomelanin == "red"
    assert red.tabby == "classic"
    solid = phenotype(parse_genotype("o/Y a/a mc/mc"))
    assert solid.tabby == "none"


def test_tabby_type_order() -> None:
    assert phenotype(parse_genotype("o/Y A/a Ta/ta Sp/Sp")).tabby == "ticked"
    assert phenotype(parse_genotype("o/Y A/a Ta/ta mc/mc")).tabby == "ticked"
    assert phenotype(parse_genotype("o/Y A/a Sp/sp")).tabby == "spotted"
    assert phenotype(parse_genotype("o/Y A/a Sp/sp mc/mc")).tabby == "classic"
    assert phenotype(parse_genotype("o/Y A/a Mc/mc")).tabby == "mackerel"
    assert phenotype(parse_genotype("o/Y A/a mc/mc")).tabby == "classic"


def test_c_series_classes() -> None:
    expected = {
        "C/c": ("none", None),
        "cb/cb": ("sepia", None),
        "cb/ca": ("sepia", None),
        "cb/c": ("sepia", None),
        "cb/cs": ("mink", None),
        "cs/cs": ("point", None),
        "cs/ca": ("point", None),
        "cs/c": ("point", None),
        "ca/ca": ("none", "blue_eyed"),
        "ca/c": ("none", "blue_eyed"),
        "c/c": ("none", "pink_eyed"),
    }
    for pair, (restriction, albino) in expected.items():
        ph = phenotype(parse_genotype(f"o/Y {pair}"))
        assert (ph.restriction, ph.albino) == (restriction, albino), pair


def test_eye_colours_follow_the_reference() -> None:
    assert phenotype(parse_genotype("o/Y cs/cs")).eye_colours == ("blue",)
    assert phenotype(parse_genotype("o/Y cb/cs")).eye_colours == ("aqua",)
    assert "gold" in phenotype(parse_genotype("o/Y cb/cb")).eye_colours
    assert phenotype(parse_genotype("o/Y W/w")).eye_colours == ("blue", "odd-eyed", "copper")
    assert phenotype(parse_genotype("o/Y S/S")).eye_colours == ("blue", "odd-eyed", "copper")
    assert phenotype(parse_genotype("o/Y")).eye_colours == ("green", "hazel", "gold", "copper")
    assert phenotype(parse_genotype("o/Y S/w")).white_grade == (1, 5)
    assert phenotype(parse_genotype("o/Y S/S")).white_grade == (5, 9)


def test_dominant_white_and_albino_keep_hidden_genotype() -> None:
    white = phenotype(parse_genotype("O/o W/S A/a d/d"))
    assert white.white == "dominant" and white.name == "white"
    assert (white.eumelanin, white.phaeomelanin, white.tabby) == ("blue", "cream", "mackerel")
    albino = phenotype(parse_genotype("o/Y c/c b/b I/i"))
    assert albino.albino == "pink_eyed" and albino.eumelanin == "chocolate" and albino.silver


def test_long_hair_only_recessive() -> None:
    assert not phenotype(parse_genotype("o/Y L/l")).long_hair
    assert phenotype(parse_genotype("o/Y l/l")).long_hair


def test_explain_gives_reasons() -> None:
    steps = explain(parse_genotype("O/o d/d A/a S/w"))
    text = "\n".join(steps)
    assert "tortoiseshell" in text and "dilute" in text and "S/w" in text
    assert steps[-1] == "name: blue mackerel torbie and white"


def test_phenotype_extra_fields_not_in_dump() -> None:
    ph = phenotype(parse_genotype("o/Y A/a I/i Wb/wb"))
    assert ph.shading == "shaded"
    assert set(ph.model_dump()) == {
        "white", "albino", "restriction", "eumelanin", "phaeomelanin",
        "tabby", "silver", "long_hair", "name",
    }  # fmt: skip
    assert Phenotype.model_validate(ph.model_dump()).name == "shaded silver"


# --- the reference's worked examples ----------------------------------------------------------


def test_worked_example_red_x_black() -> None:
    assert names("O/Y", "o/o") == {("male", "black"): F(1, 2), ("female", "tortoiseshell"): F(1, 2)}


def test_worked_example_chocolate_carriers() -> None:
    assert names("o/Y B/b", "o/o B/b") == {
        ("male", "black"): F(3, 8),
        ("male", "chocolate"): F(1, 8),
        ("female", "black"): F(3, 8),
        ("female", "chocolate"): F(1, 8),
    }


def test_worked_example_dilute_and_orange() -> None:
    got = {k: v * 2 for k, v in names("o/Y D/d", "O/o D/d").items()}  # per sex
    assert got == {
        ("male", "red"): F(3, 8),
        ("male", "cream"): F(1, 8),
        ("male", "black"): F(3, 8),
        ("male", "blue"): F(1, 8),
        ("female", "tortoiseshell"): F(3, 8),
        ("female", "blue-cream"): F(1, 8),
        ("female", "black"): F(3, 8),
        ("female", "blue"): F(1, 8),
    }


def test_worked_example_point_carriers() -> None:
    got = {k: v * 2 for k, v in names("o/Y C/cs", "o/o C/cs").items()}
    assert got == {
        ("male", "black"): F(3, 4),
        ("male", "seal point"): F(1, 4),
        ("female", "black"): F(3, 4),
        ("female", "seal point"): F(1, 4),
    }


def test_worked_example_dominant_white() -> None:
    got = {k: v * 2 for k, v in names("o/Y w/w", "O/o W/w").items()}
    assert got == {
        ("male", "white"): F(1, 2),
        ("male", "red"): F(1, 4),
        ("male", "black"): F(1, 4),
        ("female", "white"): F(1, 2),
        ("female", "tortoiseshell"): F(1, 4),
        ("female", "black"): F(1, 4),
    }


# --- more known answers --------------------------------------------------------------------


def test_x_linkage_red_dam_black_sire() -> None:
    # the reciprocal of the worked example: sons take the dam's X
    assert names("o/Y", "O/O") == {("male", "red"): F(1, 2), ("female", "tortoiseshell"): F(1, 2)}


def test_x_linkage_tortie_dam_red_sire() -> None:
    assert field("O/Y", "O/o", "name", "male") == {"red": F(1, 2), "black": F(1, 2)}
    assert field("O/Y", "O/o", "name", "female") == {"red": F(1, 2), "tortoiseshell": F(1, 2)}


def test_orange_epistasis_over_agouti() -> None:
    # a/a red still shows its tabby pattern; the non-orange sons of the same cross are solid
    males = field("O/Y a/a mc/mc", "O/o a/a mc/mc", "tabby", "male")
    assert males == {"classic": F(1, 2), "none": F(1, 2)}
    assert field("O/Y a/a", "O/O a/a", "tabby") == {"mackerel": F(1)}


def test_dilute_modifier_cross() -> None:
    got = field("o/Y d/d Dm/dm", "o/o d/d Dm/dm", "eumelanin")
    assert got == {"caramel": F(3, 4), "blue": F(1, 4)}
    got = field("O/Y d/d b/b Dm/dm", "O/O d/d b/b dm/dm", "phaeomelanin")
    assert got == {"apricot": F(1, 2), "cream": F(1, 2)}
    got = field("o/Y d/d b/b Dm/dm", "o/o d/d b/b dm/dm", "eumelanin")
    assert got == {"taupe": F(1, 2), "lilac": F(1, 2)}
    got = field("o/Y d/d bl/bl Dm/Dm", "o/o d/d bl/bl dm/dm", "eumelanin")
    assert got == {"beige": F(1)}
    # dense parents carrying Dm give dense kittens unless both carry d
    assert field("o/Y D/D Dm/Dm", "o/o d/d Dm/Dm", "eumelanin") == {"black": F(1)}


def test_b_series_cross() -> None:
    got = field("o/Y B/bl", "o/o b/bl", "eumelanin")
    assert got == {"black": F(1, 2), "chocolate": F(1, 4), "cinnamon": F(1, 4)}


@pytest.mark.parametrize(
    ("sire", "dam", "expected"),
    [
        ("cb/cb", "cs/cs", {"mink": F(1)}),
        ("cb/cs", "cb/cs", {"sepia": F(1, 4), "mink": F(1, 2), "point": F(1, 4)}),
        ("cs/ca", "cs/c", {"point": F(3, 4), "none": F(1, 4)}),
        ("C/cb", "cs/ca", {"none": F(1, 2), "mink": F(1, 4), "sepia": F(1, 4)}),
    ],
)
def test_c_series_crosses(sire: str, dam: str, expected: dict[str, F]) -> None:
    assert field(f"o/Y {sire}", f"o/o {dam}", "restriction") == expected


def test_albino_crosses() -> None:
    got = field("o/Y ca/c", "o/o ca/c", "albino")
    assert got == {"blue_eyed": F(3, 4), "pink_eyed": F(1, 4)}
    got = field("o/Y cs/ca", "o/o cs/c", "albino")
    assert got == {None: F(3, 4), "blue_eyed": F(1, 4)}


def test_kit_series_w_over_s_over_w() -> None:
    got = field("o/Y W/S", "o/o S/w", "white")
    assert got == {"dominant": F(1, 2), "high": F(1, 4), "low": F(1, 4)}
    got = field("o/Y S/w", "o/o S/w", "white")
    assert got == {"high": F(1, 4), "low": F(1, 2), "none": F(1, 4)}
    assert field("o/Y W/W", "o/o w/w", "white") == {"dominant": F(1)}


def test_ticked_over_mackerel_and_spotted() -> None:
    got = field("o/Y A/A Ta/ta Mc/Mc", "o/o A/A ta/ta Mc/Mc", "tabby")
    assert got == {"ticked": F(1, 2), "mackerel": F(1, 2)}
    got = field("o/Y A/A Ta/ta Mc/mc Sp/sp", "o/o A/A ta/ta Mc/mc sp/sp", "tabby")
    assert got == {"ticked": F(1, 2), "spotted": F(3, 16), "mackerel": F(3, 16), "classic": F(1, 8)}


def test_agouti_cross_tabby_visibility() -> None:
    assert field("o/Y A/a", "o/o A/a", "tabby") == {"mackerel": F(3, 4), "none": F(1, 4)}


def test_silver_smoke_cameo() -> None:
    got = field("o/Y A/a I/i", "o/o a/a i/i", "name")
    assert got == {
        "silver mackerel tabby": F(1, 4),
        "brown mackerel tabby": F(1, 4),
        "black smoke": F(1, 4),
        "black": F(1, 4),
    }
    got = field("O/Y I/I", "O/O i/i", "name")
    assert got == {"red smoke": F(1)}


def test_shaded_shell_golden() -> None:
    got = field("o/Y A/A I/I Wb/wb", "o/o A/A I/I Wb/wb", "name")
    assert got == {
        "shell silver": F(1, 4),
        "shaded silver": F(1, 2),
        "silver mackerel tabby": F(1, 4),
    }
    got = field("o/Y A/A i/i Wb/Wb", "o/o A/A i/i Wb/wb", "name")
    assert got == {"shell golden": F(1, 2), "shaded golden": F(1, 2)}
    # wide band shows on agouti hair only
    assert field("o/Y a/a I/I Wb/Wb", "o/o a/a I/I Wb/Wb", "name") == {"black smoke": F(1)}


def test_long_hair_cross() -> None:
    assert field("o/Y L/l", "o/o L/l", "long_hair") == {False: F(3, 4), True: F(1, 4)}
    assert field("o/Y l/l", "o/o l/l", "long_hair") == {True: F(1)}


def test_contract_json() -> None:
    result = cross(parse_genotype("O/Y"), parse_genotype("o/o"))
    contract = result.to_contract()
    assert json.loads(json.dumps(contract)) == contract
    assert contract["sire"] == {
        "genotype": "O/Y B/B D/D dm/dm a/a Mc/Mc ta/ta sp/sp w/w C/C i/i wb/wb L/L",
        "phenotype": phenotype(parse_genotype("O/Y")).model_dump(),
    }
    assert contract["offspring"] == [
        {
            "sex": "male",
            "probability": "1/2",
            "p": 0.5,
            "phenotype": {
                "white": "none",
                "albino": None,
                "restriction": "none",
                "eumelanin": "black",
                "phaeomelanin": None,
                "tabby": "none",
                "silver": False,
                "long_hair": False,
                "name": "black",
            },
        },
        {
            "sex": "female",
            "probability": "1/2",
            "p": 0.5,
            "phenotype": {
                "white": "none",
                "albino": None,
                "restriction": "none",
                "eumelanin": "black",
                "phaeomelanin": "red",
                "tabby": "mackerel",
                "silver": False,
                "long_hair": False,
                "name": "tortoiseshell",
            },
        },
    ]


def test_offspring_sorted_and_merged() -> None:
    result = cross(parse_genotype("o/Y B/b D/d"), parse_genotype("O/o B/b D/d"))
    keys = [(o.sex != "male", -o.probability, o.phenotype.name) for o in result.offspring]
    assert keys == sorted(keys)
    seen = [(o.sex, o.phenotype) for o in result.offspring]
    assert len(seen) == len(set(seen))
    assert sum(o.probability for o in result.by_sex("female")) == F(1, 2)
