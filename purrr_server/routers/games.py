"""`/api/v1/games`: the games, playing, history and leaderboard; `/api/v1/special-cats`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import unlock_progress
from purrr_core.games import game, games
from purrr_server.actions import ActionResult
from purrr_server.auth import Caller
from purrr_server.envelope import ok
from purrr_server.http import Envelope, Paging, run_action
from purrr_server.runtime import runtime_of
from purrr_server.services.cats import CatOut
from purrr_server.services.games import GameResult, PlayBody

router = APIRouter(tags=["games"])
GameFilter = Annotated[str | None, Query(max_length=50, description="Only this game.")]


class GameInfo(ActionResult):
    type: str
    name: str
    description: str
    kind: str
    energy_cost: int
    min_energy: int


class GameRecord(ActionResult):
    """One stored game result (replayable from its seed)."""

    id: int
    seed: int
    created_at: str


class Leader(ActionResult):
    rank: int
    username: str
    plays: int
    wins: int


class SpecialProgress(ActionResult):
    id: str
    name: str
    current: int
    required: int
    percent: float
    unlocked: bool


@router.get("/games", summary="Available games", response_model=Envelope[list[GameInfo]])
async def list_games(request: Request, who: Caller) -> Response:
    return ok(request, [g.view() for g in games().values()])


@router.post(
    "/games/{game_type}/play",
    status_code=201,
    summary="Play a game with a cat",
    response_model=Envelope[GameResult],
)
async def play(
    request: Request, body: PlayBody, who: Caller, game_type: Annotated[str, Path(max_length=50)]
) -> Response:
    args = {**body.model_dump(), "game_type": game_type}
    return await run_action(request, who, "games.play", args)


@router.get(
    "/games/history",
    summary="Your game results, newest first",
    response_model=Envelope[list[GameRecord]],
)
async def history(
    request: Request, who: Caller, paging: Paging, game: GameFilter = None
) -> Response:
    if game:
        _check(game)
    rows = await runtime_of(request).store.read.game_results.for_user(
        who.user.id, paging.limit, paging.offset, game
    )
    return ok(request, rows)


@router.get(
    "/games/leaderboard",
    summary="Players ranked by wins, then best score",
    response_model=Envelope[list[Leader]],
)
async def leaderboard(
    request: Request,
    who: Caller,
    game: GameFilter = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    if game:
        _check(game)
    return ok(request, await runtime_of(request).store.read.game_results.leaderboard(game, limit))


@router.get(
    "/special-cats",
    summary="Unlock progress toward the special cats",
    response_model=Envelope[list[SpecialProgress]],
)
async def special_cats(request: Request, who: Caller) -> Response:
    counters = await runtime_of(request).store.read.counters.all(who.user.id)
    return ok(request, unlock_progress(counters))


@router.post(
    "/special-cats/{special_id}/adopt",
    status_code=201,
    summary="Adopt an unlocked special cat",
    response_model=Envelope[CatOut],
)
async def adopt_special_cat(
    request: Request, special_id: Annotated[str, Path(max_length=50)], who: Caller
) -> Response:
    return await run_action(request, who, "cats.adopt_special", {"special_id": special_id})


def _check(game_id: str) -> None:
    game(game_id)
