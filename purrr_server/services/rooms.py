"""Multiplayer rooms (docs/rooms.md): join or create a room with a cat, leave it, play a round.

Rooms exist on hosted servers only (`require_hosted`: the local game answers HOSTED_ONLY). A
round (`rooms.play`, run by any player in the room) plays the room type's activity
(`purrr_core.rooms.play_round`) for every fit cat present and, in the same transaction, saves
each cat, pays each player's coins, records each player's quest progress (community quests add up
everyone's) and tells the room (`room_events`) and each player (their own event stream).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field

from purrr_core import Conflict, InvalidRequest, NotFound
from purrr_core.duty import patrolling
from purrr_core.economy import COINS, Change
from purrr_core.models import Cat
from purrr_core.quests import QuestEvent
from purrr_core.rooms import Entrant, Placing, Round, check_fit, is_fit, play_round, room_type
from purrr_server.actions import ActionArgs, ActionContext, ActionResult, RowId, action
from purrr_server.envelope import ApiError
from purrr_server.limits import ensure_room_slot
from purrr_server.services.cats import load_cat
from purrr_server.services.economy import change_wallet
from purrr_server.services.quests import record_quest_events
from purrr_server.settings import Settings
from purrr_server.store.base import Session

HOSTED_ONLY = "HOSTED_ONLY"


def require_hosted(settings: Settings) -> None:
    """Refuse rooms on the local game (in-process or daemon): they need other players."""
    if not settings.hosted:
        raise ApiError(
            HOSTED_ONLY,
            "multiplayer rooms need a hosted server; this is your local game, where you are the "
            "only player. Play rooms on a hosted server: `purrr --server URL rooms list` "
            "(or PURRR_SERVER=URL), after `purrr auth login` there (docs/rooms.md)",
            details={"hosted": False, "feature": "rooms"},
        )


class JoinArgs(ActionArgs):
    """Bring `cat_id` into a room: room `room_id`, or any open room of `type` (a new one when
    all are full)."""

    cat_id: RowId
    type: str | None = Field(None, min_length=1, max_length=30, examples=["contest"])
    room_id: RowId | None = None


class RoomArgs(ActionArgs):
    room_id: RowId


class Member(ActionResult):
    user_id: int
    player: str
    cat_id: int
    cat_name: str
    personality_type: str
    level: int
    joined_at: str


class RoomOut(ActionResult):
    """A room as every route shows it (docs/rooms.md, "JSON fields")."""

    id: int
    type: str
    name: str
    activity: str
    status: str
    min_cats: int
    max_players: int
    cooldown_seconds: int
    rounds: int
    last_round_at: str | None
    next_round_at: str | None
    created_at: str
    closed_at: str | None
    members: list[Member]


class RoundOut(ActionResult):
    """A played round (docs/rooms.md): the contest event or patrol summary, each cat's placing."""

    room_id: int
    round: int
    activity: str
    event: dict[str, str] | None
    summary: dict[str, Any]
    placings: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    seed: int
    played_at: str


def room_view(room: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
    """A stored room with its type's rules and its players (the `RoomOut` fields)."""
    kind = room_type(room["type"])
    next_at = None
    if room["last_round_at"]:
        last = datetime.fromisoformat(room["last_round_at"])
        next_at = (last + timedelta(seconds=kind.cooldown_seconds)).isoformat()
    return {
        **room,
        "name": kind.name,
        "activity": kind.activity,
        "min_cats": kind.min_cats,
        "max_players": kind.max_players,
        "cooldown_seconds": kind.cooldown_seconds,
        "next_round_at": next_at,
        "members": members,
    }


async def load_room(session: Session, room_id: int) -> dict[str, Any]:
    room = await session.rooms.get(room_id)
    if room is None:
        raise NotFound(f"room {room_id} not found", details={"room_id": room_id})
    return room


async def _view(ctx: ActionContext, room_id: int) -> dict[str, Any]:
    room = await load_room(ctx.store, room_id)
    members = await ctx.store.rooms.members([room_id])
    return room_view(room, members[room_id])


async def _pick_room(ctx: ActionContext, type_id: str) -> int:
    """The oldest open room of `type_id` with space and without the caller, else a new one."""
    kind = room_type(type_id)
    rooms = await ctx.store.rooms.open_rooms(type_id)
    members = await ctx.store.rooms.members([r["id"] for r in rooms])
    for room in rooms:
        present = members[room["id"]]
        if len(present) < kind.max_players and all(m["user_id"] != ctx.user_id for m in present):
            return int(room["id"])
    room_id = await ctx.store.rooms.create(type_id, ctx.stamp)
    await ctx.store.rooms.add_event(room_id, "room.created", {"type": type_id}, ctx.stamp)
    return room_id


def _who(ctx: ActionContext, cat: Cat) -> dict[str, Any]:
    assert ctx.user is not None
    return {
        "user_id": ctx.user_id,
        "player": ctx.user.username,
        "cat_id": cat.id,
        "cat_name": cat.name,
        "personality_type": cat.personality_type,
        "level": cat.level,
    }


@action("rooms.join", args=JoinArgs, result=RoomOut, syncs=False)
async def join(ctx: ActionContext, args: JoinArgs) -> dict[str, Any]:
    require_hosted(ctx.settings)
    if args.type is not None:
        room_type(args.type)  # an unknown type names the valid ones before anything else
    cat = await load_cat(ctx, args.cat_id)  # refuses a cat out on patrol
    if (args.type is None) == (args.room_id is None):
        raise InvalidRequest(
            "give either type (playground, contest, patrol) or room_id, not both",
            details={"field": "type", "type": args.type, "room_id": args.room_id},
        )
    check_fit(cat, ctx.now)
    elsewhere = await ctx.store.rooms.room_of_cat(cat.id)
    if elsewhere is not None:
        raise Conflict(
            f"{cat.name} (#{cat.id}) is already in room #{elsewhere}; "
            f"leave it first (`purrr rooms leave {elsewhere}`)",
            details={"cat_id": cat.id, "room_id": elsewhere},
        )
    await ensure_room_slot(ctx)
    if args.room_id is not None:
        room = await load_room(ctx.store, args.room_id)
        kind = room_type(room["type"])
        present = (await ctx.store.rooms.members([room["id"]]))[room["id"]]
        if room["status"] != "open":
            raise Conflict(
                f"room {room['id']} is closed; join an open one (`purrr rooms list`)",
                details={"room_id": room["id"], "status": room["status"]},
            )
        if any(m["user_id"] == ctx.user_id for m in present):
            raise Conflict(
                f"you are already in room {room['id']} (one cat per player and room)",
                details={"room_id": room["id"]},
            )
        if len(present) >= kind.max_players:
            raise Conflict(
                f"room {room['id']} is full ({kind.max_players} players); join another "
                f"with `purrr rooms join {room['type']} CAT`",
                details={"room_id": room["id"], "max_players": kind.max_players},
            )
        room_id = int(room["id"])
    else:
        room_id = await _pick_room(ctx, str(args.type))
    await ctx.store.rooms.add_member(room_id, ctx.user_id, cat.id, ctx.stamp)
    who = _who(ctx, cat)
    await ctx.store.rooms.add_event(room_id, "room.joined", who, ctx.stamp)
    ctx.emit("room.joined", {"room_id": room_id, "cat_id": cat.id})
    return await _view(ctx, room_id)


@action("rooms.leave", args=RoomArgs, result=RoomOut, syncs=False)
async def leave(ctx: ActionContext, args: RoomArgs) -> dict[str, Any]:
    require_hosted(ctx.settings)
    await load_room(ctx.store, args.room_id)
    cat_id = await ctx.store.rooms.remove_member(args.room_id, ctx.user_id, ctx.stamp)
    if cat_id is None:
        raise NotFound(
            f"you are not in room {args.room_id} (`purrr rooms list --mine` shows yours)",
            details={"room_id": args.room_id},
        )
    ctx.cat_id = cat_id
    assert ctx.user is not None
    payload = {"user_id": ctx.user_id, "player": ctx.user.username, "cat_id": cat_id}
    await ctx.store.rooms.add_event(args.room_id, "room.left", payload, ctx.stamp)
    if not (await ctx.store.rooms.members([args.room_id]))[args.room_id]:
        await ctx.store.rooms.close(args.room_id, ctx.stamp)
        await ctx.store.rooms.add_event(args.room_id, "room.closed", {}, ctx.stamp)
    ctx.emit("room.left", {"room_id": args.room_id, "cat_id": cat_id})
    return await _view(ctx, args.room_id)


async def _entrants(
    ctx: ActionContext, members: list[dict[str, Any]]
) -> tuple[list[Entrant], list[dict[str, Any]]]:
    """The members' cats fit to play now, and those sitting this round out (with why)."""
    # A round writes every member's cats, wallet, quests and events: lock them all first.
    await ctx.store.lock_players(*(member["user_id"] for member in members))
    entrants: list[Entrant] = []
    skipped: list[dict[str, Any]] = []
    for member in members:
        cat = await ctx.store.cats.get(member["user_id"], member["cat_id"])
        reason = None
        if cat is None:
            reason = "gone"
        elif cat.id in patrolling(
            await ctx.store.nightwatch.unsettled_patrols(member["user_id"]), ctx.now
        ):
            reason = "on_patrol"
        elif not is_fit(cat, ctx.now):
            reason = "too_tired"
        if cat is None or reason is not None:
            skipped.append({**member, "reason": reason})
        else:
            entrants.append(Entrant(user_id=member["user_id"], player=member["player"], cat=cat))
    return entrants, skipped


def _quest_events(activity: str, placing: Placing) -> list[QuestEvent]:
    attrs: dict[str, str | list[str]] = {
        "activity": activity,
        "personality": placing.personality_type,
    }
    events = [QuestEvent(type="room_round", attrs=attrs)]
    if placing.place == 1:
        events.append(QuestEvent(type="room_win", attrs=attrs))
    if placing.coins:
        events.append(QuestEvent(type="coins_earned", amount=Decimal(placing.coins)))
    if activity == "patrol":
        events += [
            QuestEvent(type="patrol", attrs={"personality": [placing.personality_type]}),
            QuestEvent(type="rescue", amount=Decimal(placing.strays_saved or 0)),
            QuestEvent(type="deter", amount=Decimal(placing.bobcats_deterred or 0)),
        ]
    return events


async def _settle(ctx: ActionContext, room_id: int, played: Round) -> None:
    """Save every cat, pay every player, record their quests and tell each of them."""
    cats = {cat.id: cat for cat in played.cats}
    for placing in played.placings:
        owner = placing.user_id
        before = await ctx.store.cats.get(owner, placing.cat_id)
        assert before is not None
        after = cats[placing.cat_id].evolve(version=before.version + 1, updated_at=ctx.now)
        await ctx.store.cats.save(owner, after)
        if placing.coins:
            change = Change(
                currency=COINS,
                amount=Decimal(placing.coins),
                reason=f"room {room_id} {played.activity}",
                counterparty=f"room:{room_id}",
            )
            await change_wallet(ctx, [change], user_id=owner)
        completed = await record_quest_events(ctx, owner, _quest_events(played.activity, placing))
        mine = {"room_id": room_id, **placing.model_dump(mode="json")}
        if owner == ctx.user_id:
            ctx.emit("room.round", mine)
            for quest_id in completed:
                ctx.emit("quest.completed", {"quest_id": quest_id})
        else:
            await ctx.store.events.append(owner, "room.round", mine, ctx.stamp)
            for quest_id in completed:
                await ctx.store.events.append(
                    owner, "quest.completed", {"quest_id": quest_id}, ctx.stamp
                )


@action("rooms.play", args=RoomArgs, result=RoundOut, status_code=201, syncs=False)
async def play(ctx: ActionContext, args: RoomArgs) -> dict[str, Any]:
    """Play one round of the room's activity with every fit cat present."""
    require_hosted(ctx.settings)
    room = await load_room(ctx.store, args.room_id)
    members = (await ctx.store.rooms.members([room["id"]]))[room["id"]]
    mine = next((m for m in members if m["user_id"] == ctx.user_id), None)
    if mine is None or room["status"] != "open":
        raise Conflict(
            f"join room {room['id']} before starting a round (`purrr rooms join {room['id']} CAT`)",
            details={"room_id": room["id"], "status": room["status"]},
        )
    ctx.cat_id = int(mine["cat_id"])
    view = room_view(room, members)
    if view["next_round_at"] and datetime.fromisoformat(view["next_round_at"]) > ctx.now:
        raise Conflict(
            f"room {room['id']} played a round at {room['last_round_at']}; "
            f"the next can start at {view['next_round_at']}",
            details={"room_id": room["id"], "next_round_at": view["next_round_at"]},
        )
    entrants, skipped = await _entrants(ctx, members)
    played = play_round(room["type"], entrants, ctx.now, ctx.rng)
    await _settle(ctx, room["id"], played)
    result = {**played.view(), "skipped": skipped}
    number = await ctx.store.rooms.add_round(
        room["id"], played.activity, ctx.seed, result, ctx.stamp
    )
    out = {
        "room_id": room["id"],
        "round": number,
        **result,
        "seed": ctx.seed,
        "played_at": ctx.stamp,
    }
    await ctx.store.rooms.add_event(room["id"], "room.round", out, ctx.stamp)
    return out
