"""Withdrawals from the CLI: the player's `purrr wallet withdrawals|cancel` as time passes, and
the operator's `purrr server withdrawals list|approve|reject` on the same data directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.user import Purrr, ok_json, run_in_process, run_purrr, user_env

pytest.importorskip("purrr_server.app")

NOW = "2026-03-01T12:00:00+00:00"
ADDRESS = "0x" + "ab" * 20


@pytest.fixture
def purrr(tmp_path: Path) -> Purrr:
    env = user_env(tmp_path)

    def run(
        *args: str, now: str = NOW, in_process: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """`in_process`: for set-up the test is not about (tests/cli/user.run_in_process)."""
        return (run_in_process if in_process else run_purrr)(env, *args, PURRR_NOW=now)

    return run


def _withdraw(purrr: Purrr) -> int:
    args = ("--currency", "USDC", "--amount", "5", "--address", ADDRESS, "--json")
    made = ok_json(purrr("wallet", "withdraw", *args, in_process=True))
    return int(made["withdrawal"]["id"])


def test_a_withdrawal_settles_as_time_passes_and_the_operator_works_the_queue(
    purrr: Purrr, tmp_path: Path
) -> None:
    deposit = ("wallet", "deposit", "--currency", "USDC", "--usd", "30", "--json")
    charge = ok_json(purrr(*deposit, in_process=True))
    assert purrr("wallet", "confirm", charge["charge_id"], in_process=True).returncode == 0
    first, second, third = _withdraw(purrr), _withdraw(purrr), _withdraw(purrr)
    cancelled = purrr("wallet", "cancel", str(third), "--json")
    assert ok_json(cancelled)["withdrawal"]["status"] == "cancelled"

    # the operator sends one at once and rejects another, before the local hold is over
    where = ("--data-dir", str(tmp_path / "data"))
    queue = ok_json(purrr("server", "withdrawals", "list", "--status", "pending", *where, "--json"))
    assert sorted(w["id"] for w in queue) == [first, second]
    approved = purrr(
        "server", "withdrawals", "approve", str(first), "--yes", "--allow-sandbox-payments", *where
    )
    assert approved.returncode == 0 and "processing" in approved.stderr
    rejected = purrr(
        "server", "withdrawals", "reject", str(second), "--reason", "test", "--yes", *where
    )
    assert rejected.returncode == 0, rejected.stderr
    again = purrr("server", "withdrawals", "reject", str(second), "--yes", *where)
    assert again.returncode == 5 and "rejected, not pending" in again.stderr
    missing = purrr("server", "withdrawals", "approve", "999", "--yes", *where)
    assert missing.returncode == 3

    later = "2026-03-01T12:10:00+00:00"  # the sandbox settles ten minutes after sending
    mine = ok_json(purrr("wallet", "withdrawals", "--json", now=later))
    assert {w["id"]: w["status"] for w in mine} == {
        first: "settled",
        second: "rejected",
        third: "cancelled",
    }
    table = purrr("wallet", "withdrawals", now=later)
    assert f"{first}\tsettled\t" in table.stdout  # a table when piped: tab-separated
    shown = ok_json(purrr("wallet", "balance", "--json", now=later))
    assert shown["USDC"] == "25.00000000" and shown["locked"]["USDC"] == "0.00000000"


def test_2fa_setup_draws_a_qr_code_and_shows_the_secret_once(purrr: Purrr) -> None:
    done = purrr("wallet", "2fa", "setup")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    uri = next(line for line in lines if line.startswith("otpauth://totp/purrr:"))
    secret = next(line for line in lines if line.startswith("secret: ")).removeprefix("secret: ")
    assert f"secret={secret}" in uri and "issuer=purrr" in uri
    assert sum("█" in line for line in lines) >= 20  # the QR code, in half blocks
    assert "shown only once" in done.stderr
    again = purrr("wallet", "2fa", "setup", "--json")
    assert again.returncode == 5 and "already set up" in again.stderr
