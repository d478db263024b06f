"""How game objects look on the wire: the cat JSON every endpoint returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson

from purrr_core import Cat, advance, level_progress, mood_label
from purrr_core.status import CarePlan, care_plan
from purrr_core.timeflow import TICK

#: Bookkeeping of lazy time passing; meaningless to clients.
INTERNAL_FIELDS = frozenset({"decay_carry", "decayed_at"})
#: Entries of each memo below before it starts again (each holds a cat and its JSON).
MEMO_SIZE = 2048
#: (id of a stored cat, ticks it is advanced by) → (that cat, the advanced cat)
_advanced: dict[tuple[int, int], tuple[Cat, Cat]] = {}
#: id of a cat → what of its JSON depends on the cat alone (`_Fixed`)
_fixed: dict[int, _Fixed] = {}


@cache
def _phenotype(genotype: str) -> dict[str, Any] | None:
    """The cat's looks, when purrr_core.genetics is installed and the genotype parses."""
    try:
        from purrr_core import genetics
    except ImportError:
        return None
    try:
        return genetics.phenotype(genetics.parse_genotype(genotype)).model_dump(mode="json")
    except ValueError:
        return None


def cat_json(cat: Cat, now: datetime) -> dict[str, Any]:
    """The cat brought to `now`, with its mood label, care status, level progress and phenotype.

    What depends on the cat alone (its fields, level progress, phenotype, care plan) is computed
    once per cat object, and `advance` once per cat and tick count: cats read from the store are
    shared objects (`purrr_server.store.cats`), and a cat only changes state at whole ticks.
    Mood and care status depend on `now` and are computed every time (from the care plan)."""
    cat = _advance(cat, now)
    fixed = _fixed_parts(cat)
    out = dict(fixed.fields)
    out["mood_label"] = mood_label(cat, now)
    out["care"] = fixed.care.at(now)
    out["level_progress"] = dict(fixed.progress)
    if cat.genotype:
        out["phenotype"] = fixed.phenotype
    return out


def cat_json_bytes(cat: Cat, now: datetime) -> bytes | None:
    """`cat_json(cat, now)` encoded as the envelope encodes it (`envelope.dumps`), put together
    from the cat's fixed parts encoded once: only the mood label and the care status are
    encoded per call. None when orjson cannot encode the cat (the caller then encodes
    `cat_json` the usual way, with its fallbacks)."""
    cat = _advance(cat, now)
    fixed = _fixed_parts(cat)
    if fixed.head is None:
        try:
            fixed.head = orjson.dumps(fixed.fields, option=_ORJSON_OPTIONS)[:-1]
            tail = [b',"level_progress":', orjson.dumps(fixed.progress, option=_ORJSON_OPTIONS)]
            if cat.genotype:
                tail += [b',"phenotype":', orjson.dumps(fixed.phenotype, option=_ORJSON_OPTIONS)]
            fixed.tail = b"".join(tail) + b"}"
        except (orjson.JSONEncodeError, TypeError):
            fixed.head = fixed.tail = b""
    if not fixed.head:
        return None
    label = orjson.dumps(mood_label(cat, now))
    care = orjson.dumps(fixed.care.at(now), option=_ORJSON_OPTIONS)
    # The head ends before the closing brace of the fields; an empty model would need no comma.
    joint = b',"mood_label":' if len(fixed.head) > 1 else b'"mood_label":'
    return b"".join((fixed.head, joint, label, b',"care":', care, fixed.tail))


#: `envelope.dumps`'s orjson options (what it encodes with orjson comes out the same here).
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _advance(cat: Cat, now: datetime) -> Cat:
    ticks = (now - cat.decayed_at) // TICK
    if ticks <= 0:
        return cat
    key = (id(cat), ticks)
    hit = _advanced.get(key)
    if hit is not None and hit[0] is cat:
        return hit[1]
    advanced = advance(cat, now)
    if len(_advanced) >= MEMO_SIZE:
        _advanced.clear()
    _advanced[key] = (cat, advanced)  # holding `cat` keeps its id from being reused
    return advanced


@dataclass(slots=True)
class _Fixed:
    """What of a cat's JSON depends on the cat alone."""

    cat: Cat  # held, so that its id is not reused while the entry lives
    fields: dict[str, Any]
    progress: dict[str, Any]
    phenotype: dict[str, Any] | None
    care: CarePlan
    #: `cat_json_bytes`'s parts, encoded on its first use: the fields without their closing
    #: brace, and level progress, phenotype and that brace ("" when orjson refused the cat).
    head: bytes | None = None
    tail: bytes = b""


def _fixed_parts(cat: Cat) -> _Fixed:
    hit = _fixed.get(id(cat))
    if hit is not None and hit.cat is cat:
        return hit
    fields = cat.model_dump(mode="json", exclude=set(INTERNAL_FIELDS))
    phenotype = _phenotype(cat.genotype) if cat.genotype else None
    if len(_fixed) >= MEMO_SIZE:
        _fixed.clear()
    entry = _fixed[id(cat)] = _Fixed(cat, fields, level_progress(cat), phenotype, care_plan(cat))
    return entry


#: The counter holding quest XP claimed without a cat (services/quests.py).
ACCOUNT_XP = "account_xp"


async def player_json(session: Any, user_id: int) -> dict[str, int]:
    """The player's level (`player_level`, `player_xp`, `player_xp_to_next`): the XP of their
    cats plus the quest XP claimed without a cat (docs/rules.md "Levels")."""
    from purrr_core.levels import player_progress

    cats: list[Cat] = await session.cats.for_user(user_id, limit=1_000_000)
    counters: dict[str, int] = await session.counters.all(user_id)
    return player_progress(sum(c.experience for c in cats), counters.get(ACCOUNT_XP, 0))
