"""Rule numbers live in `purrr_core/data/*.json`: care, territory and pacing code holds only
structural constants and never branches on an id."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

import purrr_core
from purrr_core import catalog, perform
from tests.core.conftest import NOW, make_cat

CARE_SOURCE = Path(purrr_core.__file__).parent / "care.py"
#: 0 and 1 (identities), 0.5 (rounding halves), 10 (play effects are per 10 minutes), 100 (the
#: stat scale).
STRUCTURAL = {0, 0.5, 1, 10, 100}
IDS = set(catalog.personalities()) | set(catalog.foods())


def _literals(tree: ast.AST) -> list[tuple[int, object]]:
    """Numeric and id literals outside request models (their defaults and bounds) and round(x, n)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    skip.update(id(n) for n in ast.walk(stmt.value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("Field", "round"):
                skip.update(id(n) for arg in node.args[1:] for n in ast.walk(arg))
                skip.update(id(n) for kw in node.keywords for n in ast.walk(kw))
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Literal":
            skip.update(id(n) for n in ast.walk(node.slice))
    found: list[tuple[int, object]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and value not in STRUCTURAL:
            found.append((node.lineno, value))
        if isinstance(value, str) and value in IDS:
            found.append((node.lineno, value))
    return found


@pytest.mark.parametrize("module", ["care.py", "territory.py", "pacing.py"])
def test_rule_code_has_no_balance_numbers_or_id_branches(module: str) -> None:
    source = CARE_SOURCE.parent / module
    assert _literals(ast.parse(source.read_text("utf-8"))) == []


def test_the_checker_would_catch_a_balance_number() -> None:
    tree = ast.parse(
        'def pet(cat):\n    return 8 * cat.happiness if cat.personality_type == "aloof" else 0\n'
    )
    assert set(_literals(tree)) == {(2, 8), (2, "aloof")}


def _with_rules(monkeypatch: pytest.MonkeyPatch, section: str, **changes: float) -> None:
    base = catalog.care_rules()
    edited = base.model_copy(update={section: getattr(base, section).model_copy(update=changes)})
    monkeypatch.setattr(catalog, "care_rules", lambda: edited)


def test_pet_follows_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    cat = make_cat(personality_type="curious", mood=50, happiness=20)
    before = perform(cat, "pet", {}, NOW, random.Random(1))[1]["happiness_gained"]
    _with_rules(monkeypatch, "pet", happiness=16)
    after = perform(cat, "pet", {}, NOW, random.Random(1))[1]["happiness_gained"]
    assert (before, after) == (8, 16)  # 8 × 1.0 at mood 50 (factor 1.0), then the edited 16


def test_rest_refusal_follows_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    cat = make_cat(energy=90)
    assert perform(cat, "rest", {}, NOW, random.Random(1))[0].is_resting
    _with_rules(monkeypatch, "rest", refused_at_energy=90)
    with pytest.raises(purrr_core.Conflict, match="not tired"):
        perform(cat, "rest", {}, NOW, random.Random(1))


def test_calm_bath_tolerance_is_a_personality_column() -> None:
    calm = {p.id for p in catalog.personalities().values() if p.dislike_factor < 1}
    assert calm == {"lazy", "aloof"}
