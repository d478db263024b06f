"""Wallets (balances + ledger), payment charges, withdrawals, inventory and TOTP secrets.

Amounts are stored as decimal strings. A wallet is rows of `balances`, one per asset; every
change also writes a `ledger_entries` row tagged with the version of the action that caused it.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any

from purrr_core.economy import COINS, Charge, LedgerEntry, Wallet, currencies, format_amount
from purrr_server.store.base import Repository, user_where


def _text(currency: str, amount: Decimal) -> str:
    return str(int(amount)) if currency == COINS else format_amount(amount)


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    if data["currency"] == COINS:
        data["amount"] = int(Decimal(data["amount"]))
        data["balance_after"] = int(Decimal(data["balance_after"]))
    return data


class WalletRepository(Repository):
    async def load(self, user_id: int) -> Wallet | None:
        """The user's wallet, or None before it is opened."""
        rows = await self.fetchall(
            "SELECT currency, balance, locked FROM balances WHERE user_id = ?", (user_id,)
        )
        if not rows:
            return None
        coins = 0
        balances = {code: Decimal(0) for code in currencies()}
        locked = dict(balances)
        for row in rows:
            if row["currency"] == COINS:
                coins = int(Decimal(row["balance"]))
            else:
                balances[row["currency"]] = Decimal(row["balance"])
                locked[row["currency"]] = Decimal(row["locked"])
        return Wallet(coins=coins, balances=balances, locked=locked)

    async def save(self, user_id: int, wallet: Wallet) -> None:
        """Write every balance of `wallet` (the caller holds the write transaction)."""
        for code in (COINS, *currencies()):
            await self.execute(
                "INSERT INTO balances (user_id, currency, balance, locked, row_version)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, currency) DO UPDATE SET"
                " balance = excluded.balance, locked = excluded.locked,"
                " row_version = excluded.row_version"
                " WHERE balances.balance != excluded.balance OR balances.locked != excluded.locked",
                (
                    user_id,
                    code,
                    _text(code, wallet.balance(code)),
                    _text(code, wallet.locked_amount(code)),
                    self.version,
                ),
            )

    async def append(self, user_id: int, entries: list[LedgerEntry], now: str) -> None:
        for e in entries:
            await self.insert(
                "INSERT INTO ledger_entries (user_id, currency, amount, balance_after, reason,"
                " counterparty, action_version, created_at, row_version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    user_id,
                    e.currency,
                    _text(e.currency, e.amount),
                    _text(e.currency, e.balance_after),
                    e.reason,
                    e.counterparty,
                    self.version,
                    now,
                    self.version,
                ),
            )

    async def ledger(
        self, user_id: int, limit: int, offset: int, currency: str | None = None
    ) -> list[dict[str, Any]]:
        """Ledger entries, newest first."""
        where, params = user_where(user_id, currency=currency or None)
        rows = await self.fetchall(
            "SELECT id, currency, amount, balance_after, reason, counterparty, action_version,"
            f" created_at FROM ledger_entries WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_entry(row) for row in rows]

    async def ledger_sums(self, user_id: int) -> dict[str, Decimal]:
        """Σ amount per currency (the invariant: equals the balance)."""
        rows = await self.fetchall(
            "SELECT currency, amount FROM ledger_entries WHERE user_id = ?", (user_id,)
        )
        sums: dict[str, Decimal] = {}
        for row in rows:
            sums[row["currency"]] = sums.get(row["currency"], Decimal(0)) + Decimal(row["amount"])
        return sums


class ChargeRepository(Repository):
    async def add(self, user_id: int, charge: Charge) -> None:
        await self.insert(
            "INSERT INTO charges (charge_id, user_id, provider, data, status, created_at,"
            " row_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                charge.charge_id,
                user_id,
                charge.provider,
                charge.model_dump_json(),
                charge.status,
                charge.created_at.isoformat(),
                self.version,
            ),
        )

    async def get(self, user_id: int, charge_id: str) -> Charge | None:
        row = await self.fetchone(
            "SELECT data FROM charges WHERE user_id = ? AND charge_id = ?", (user_id, charge_id)
        )
        return Charge.model_validate_json(row["data"]) if row else None

    async def save(self, user_id: int, charge: Charge) -> None:
        await self.execute(
            "UPDATE charges SET data = ?, status = ?, row_version = ? WHERE user_id = ?"
            " AND charge_id = ?",
            (charge.model_dump_json(), charge.status, self.version, user_id, charge.charge_id),
        )

    async def for_user(self, user_id: int, limit: int = 50) -> list[Charge]:
        rows = await self.fetchall(
            "SELECT data FROM charges WHERE user_id = ? ORDER BY created_at DESC LIMIT ?",
            (user_id, limit),
        )
        return [Charge.model_validate_json(row["data"]) for row in rows]


class WithdrawalRepository(Repository):
    _COLUMNS = (
        "id, currency, amount, address, status, created_at, updated_at, provider, payout_id,"
        " submitted_at, finished_at, failure_reason"
    )

    async def add(
        self, user_id: int, currency: str, amount: Decimal, address: str, now: str
    ) -> dict[str, Any]:
        new_id = await self.insert(
            "INSERT INTO withdrawals (user_id, currency, amount, address, status, created_at,"
            " updated_at, row_version) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id",
            (user_id, currency, format_amount(amount), address, now, now, self.version),
        )
        found = await self.get(user_id, new_id)
        assert found is not None
        return found

    async def get(self, user_id: int, withdrawal_id: int) -> dict[str, Any] | None:
        row = await self.fetchone(
            f"SELECT {self._COLUMNS} FROM withdrawals WHERE user_id = ? AND id = ?",
            (user_id, withdrawal_id),
        )
        return dict(row) if row else None

    async def for_user(self, user_id: int, limit: int = 50) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            f"SELECT {self._COLUMNS} FROM withdrawals WHERE user_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
        return [dict(row) for row in rows]

    async def open_for_user(self, user_id: int) -> list[dict[str, Any]]:
        """The user's withdrawals still on their way (pending or processing), oldest first."""
        rows = await self.fetchall(
            f"SELECT {self._COLUMNS} FROM withdrawals WHERE user_id = ?"
            " AND status IN ('pending', 'processing') ORDER BY id",
            (user_id,),
        )
        return [dict(row) for row in rows]

    async def owner(self, withdrawal_id: int) -> int | None:
        """The user a withdrawal belongs to (the operator names withdrawals by id alone)."""
        row = await self.fetchone("SELECT user_id FROM withdrawals WHERE id = ?", (withdrawal_id,))
        return int(row["user_id"]) if row else None

    async def every(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        """Every player's withdrawals, newest first, with the username (the operator's queue)."""
        where = "WHERE w.status = ?" if status else ""
        params: tuple[Any, ...] = (status, limit) if status else (limit,)
        columns = ", ".join(f"w.{c.strip()}" for c in self._COLUMNS.split(","))
        rows = await self.fetchall(
            f"SELECT {columns}, w.user_id, u.username FROM withdrawals w"
            f" JOIN users u ON u.id = w.user_id {where} ORDER BY w.id DESC LIMIT ?",
            params,
        )
        return [dict(row) for row in rows]

    async def users_with_open(self) -> list[int]:
        rows = await self.fetchall(
            "SELECT DISTINCT user_id FROM withdrawals WHERE status IN ('pending', 'processing')"
            " ORDER BY user_id"
        )
        return [int(row["user_id"]) for row in rows]

    async def transition(
        self,
        user_id: int,
        withdrawal_id: int,
        before: str,
        after: str,
        now: str,
        **fields: str | None,
    ) -> bool:
        """Move a withdrawal from status `before` to `after` (and set `fields`: provider,
        payout_id, submitted_at, finished_at, failure_reason); False when it was not `before`
        any more. One conditional statement, so each step happens once."""
        allowed = {"provider", "payout_id", "submitted_at", "finished_at", "failure_reason"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown withdrawal fields {sorted(unknown)}")
        assignments = "".join(f", {name} = ?" for name in fields)
        changed = await self.execute(
            f"UPDATE withdrawals SET status = ?, updated_at = ?, row_version = ?{assignments}"
            " WHERE user_id = ? AND id = ? AND status = ?",
            (after, now, self.version, *fields.values(), user_id, withdrawal_id, before),
        )
        return changed > 0

    async def record_payout(
        self, user_id: int, withdrawal_id: int, payout_id: str, now: str
    ) -> bool:
        """The provider's id for a withdrawal marked processing; False when one is already
        recorded (another catch-up got there first) or it is no longer processing."""
        changed = await self.execute(
            "UPDATE withdrawals SET payout_id = ?, updated_at = ?, row_version = ?"
            " WHERE user_id = ? AND id = ? AND status = 'processing' AND payout_id IS NULL",
            (payout_id, now, self.version, user_id, withdrawal_id),
        )
        return changed > 0


class InventoryRepository(Repository):
    async def for_user(self, user_id: int) -> dict[str, int]:
        rows = await self.fetchall(
            "SELECT item_id, quantity FROM inventory WHERE user_id = ? AND quantity > 0"
            " ORDER BY item_id",
            (user_id,),
        )
        return {row["item_id"]: int(row["quantity"]) for row in rows}

    async def add(self, user_id: int, item_id: str, quantity: int) -> int:
        """Add items; return the new quantity."""
        row = await self.fetchone(
            "INSERT INTO inventory (user_id, item_id, quantity, row_version) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, item_id) DO UPDATE SET quantity = inventory.quantity + excluded.quantity,"
            " row_version = excluded.row_version RETURNING quantity",
            (user_id, item_id, quantity, self.version),
        )
        return int(row["quantity"]) if row else 0

    async def take(self, user_id: int, item_id: str, quantity: int = 1) -> int:
        """Remove items (the CHECK constraint refuses going below zero); return what is left."""
        row = await self.fetchone(
            "UPDATE inventory SET quantity = quantity - ?, row_version = ? WHERE user_id = ?"
            " AND item_id = ? RETURNING quantity",
            (quantity, self.version, user_id, item_id),
        )
        return int(row["quantity"]) if row else 0

    async def count(self, user_id: int, item_id: str) -> int:
        row = await self.fetchone(
            "SELECT quantity FROM inventory WHERE user_id = ? AND item_id = ?", (user_id, item_id)
        )
        return int(row["quantity"]) if row else 0


class TotpRepository(Repository):
    async def get(self, user_id: int) -> str | None:
        row = await self.fetchone("SELECT secret FROM totp_secrets WHERE user_id = ?", (user_id,))
        return str(row["secret"]) if row else None

    async def put(self, user_id: int, secret: str, now: str) -> None:
        await self.insert(
            "INSERT INTO totp_secrets (user_id, secret, created_at, row_version) VALUES (?, ?, ?, ?)",
            (user_id, secret, now, self.version),
        )

    async def use_step(self, user_id: int, step: int) -> bool:
        """Record time step `step` as used; False when it (or a later one) was used already.

        One statement in the action's transaction, so concurrent requests with one code cannot
        both pass: the second sees the first's step.
        """
        changed = await self.execute(
            "UPDATE totp_secrets SET last_step = ? WHERE user_id = ? AND last_step < ?",
            (step, user_id, step),
        )
        return changed > 0
