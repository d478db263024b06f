"""The economy from the real command tree (in this process, an in-process server per command):
earn, spend, play and quest with exact money."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.user import Purrr, ok_json

pytest.importorskip("purrr_server.app")

NOW = "2026-03-01T12:00:00Z"
GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"


@pytest.fixture
def purrr(purrr_in_process: Purrr) -> Purrr:
    return lambda *args: purrr_in_process(*args, PURRR_NOW=NOW, PURRR_QUEST_TIMEZONE="UTC")


_json = ok_json


def test_earn_spend_play_and_quest(purrr: Any) -> None:
    cat = _json(
        purrr(
            "cats", "adopt", "Mochi", "--personality", "curious", "--genotype", GENOTYPE, "--json"
        )
    )
    balance = _json(purrr("wallet", "balance", "--json"))
    assert balance["coins"] == 1000 and balance["BTC"] == "0.00000000"

    charge = _json(purrr("wallet", "deposit", "--currency", "usdc", "--usd", "3", "--json"))
    assert charge["charge_id"].startswith("sbx_") and charge["amount_crypto"] == "3.00000000"
    _json(purrr("wallet", "confirm", charge["charge_id"], "--json"))
    assert _json(purrr("wallet", "balance", "--json"))["USDC"] == "3.00000000"

    played = _json(
        purrr("games", "play", "paw_match", "--cat", str(cat["id"]), "--currency", "USDC", "--json")
    )
    assert played["entry_fee"] == "1.00000000" and played["result"] in ("win", "loss")
    assert len(_json(purrr("games", "history", "--json"))) == 1

    bought = _json(purrr("store", "buy", "toy_mouse", "--quantity", "2", "--json"))
    assert bought["total"] == 20
    inventory = _json(purrr("store", "inventory", "--json"))
    assert inventory[0]["quantity"] == 2
    used = _json(purrr("cats", "use", str(cat["id"]), "toy_mouse", "--json"))
    assert used["remaining"] == 1

    quests = {q["id"]: q for q in _json(purrr("quests", "list", "--json"))}
    assert quests["big_spender"]["requirements"][0]["text"] == "buy_items: 2/25"
    assert quests["daily_player"]["requirements"][0]["text"] == "play_games: 1/3"

    ledger = _json(purrr("wallet", "history", "--limit", "100", "--json"))
    coins = sum(e["amount"] for e in ledger if e["currency"] == "COINS")
    assert coins == _json(purrr("wallet", "balance", "--json"))["coins"]


def test_refusals_exit_with_meaningful_codes(purrr: Any) -> None:
    broke = purrr("store", "buy", "jeweled_collar", "--quantity", "3")
    assert broke.returncode == 5 and "short by 500" in broke.stderr
    unknown = purrr("store", "buy", "rocks")
    assert unknown.returncode != 0 and "unknown item 'rocks'" in unknown.stderr
    zero = purrr("store", "buy", "catnip", "--quantity", "0")
    assert zero.returncode != 0 and "quantity" in zero.stderr
    assert _json(purrr("wallet", "balance", "--json"))["coins"] == 1000
    assert _json(purrr("store", "inventory", "--json")) == []
    claim = purrr("quests", "claim", "daily_feeder")
    assert claim.returncode == 5 and "feed_cat: 0/5" in claim.stderr


def test_help_pages_have_examples(purrr: Any) -> None:
    for group in ("games", "quests", "store", "wallet"):
        result = purrr(group, "--help")
        assert result.returncode == 0 and group in result.stdout
    assert "Examples" in purrr("wallet", "deposit", "--help").stdout
    listed = _json(purrr("games", "list", "--json"))
    assert {g["type"] for g in listed} >= {"paw_match", "exploration"}
