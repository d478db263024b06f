"""Game results: every play with the seed, cat snapshot and rates that replay it exactly."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from purrr_core.economy import format_amount
from purrr_core.games import GameOutcome
from purrr_core.models import Cat
from purrr_server.store.base import Repository, dumps, user_where

_COLUMNS = (
    "id, cat_id, game_type, mode, crypto_type, entry_fee, win_amount, coins, result,"
    " score, seed, game_data, created_at"
)


def _result(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["game_data"] = json.loads(data["game_data"])
    return data


class GameResultRepository(Repository):
    async def add(
        self,
        user_id: int,
        before: Cat,
        outcome: GameOutcome,
        seed: int,
        rates: dict[str, str],
        now: str,
    ) -> int:
        return await self.insert(
            "INSERT INTO game_results (user_id, cat_id, game_type, mode, crypto_type, entry_fee,"
            " win_amount, coins, result, score, seed, cat_snapshot, rates, game_data, created_at,"
            " row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                before.id,
                outcome.game_id,
                outcome.mode,
                outcome.currency,
                format_amount(outcome.entry_fee),
                format_amount(outcome.payout),
                outcome.coins,
                outcome.result,
                outcome.score,
                seed,
                before.model_dump_json(),
                dumps(rates),
                dumps(outcome.game_data),
                now,
                self.version,
            ),
        )

    async def for_user(
        self, user_id: int, limit: int, offset: int, game_type: str | None = None
    ) -> list[dict[str, Any]]:
        where, params = user_where(user_id, game_type=game_type or None)
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM game_results WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_result(row) for row in rows]

    async def replay_data(self, user_id: int, result_id: int) -> dict[str, Any] | None:
        """What replays one result: the cat before, the seed, the time, currency and rates."""
        row = await self.fetchone(
            "SELECT game_type, crypto_type, mode, seed, cat_snapshot, rates, created_at, score,"
            " result FROM game_results WHERE user_id = ? AND id = ?",
            (user_id, result_id),
        )
        return dict(row) if row else None

    async def leaderboard(self, game_type: str | None, limit: int) -> list[dict[str, Any]]:
        """Players ranked by wins, then best score (one game or all)."""
        where = "WHERE g.game_type = ?" if game_type else ""
        params: tuple[Any, ...] = (game_type, limit) if game_type else (limit,)
        rows = await self.fetchall(
            "SELECT u.username, COUNT(*) AS plays,"
            " CAST(SUM(CASE WHEN g.result = 'win' THEN 1 ELSE 0 END) AS BIGINT) AS wins,"
            " MAX(g.score) AS best_score, CAST(SUM(g.coins) AS BIGINT) AS coins_won"
            f" FROM game_results g JOIN users u ON u.id = g.user_id {where}"
            " GROUP BY g.user_id, u.username"
            " ORDER BY wins DESC, best_score DESC, u.username LIMIT ?",
            params,
        )
        return [{"rank": i + 1, **dict(row)} for i, row in enumerate(rows)]
