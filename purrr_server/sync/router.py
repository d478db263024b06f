"""`/api/v1/sync`: the remote role (`push`, `pull`) and the local game's link (`status`, `link`,
`unlink`, `run`). docs/sync.md describes the model."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import InvalidRequest
from purrr_server.auth import Caller
from purrr_server.envelope import ApiError, fail, ok
from purrr_server.http import Envelope
from purrr_server.runtime import runtime_of
from purrr_server.sync import protocol, remote
from purrr_server.sync.engine import SyncFailure, engine_of


async def speaks_protocol(
    version: Annotated[
        int | None,
        Header(alias=protocol.HEADER, description="The sync protocol version (default 1)."),
    ] = None,
) -> None:
    """Refuse a sync request in a protocol version this server does not serve."""
    sent = 1 if version is None else version
    if not protocol.supported(sent, protocol.advertised()):
        raise ApiError(
            "BAD_REQUEST",
            protocol.upgrade_message(sent, protocol.advertised(), "this server"),
            details={
                "reason": protocol.UNSUPPORTED,
                "sent": sent,
                "supported": protocol.advertised(),
            },
        )


router = APIRouter(prefix="/sync", tags=["sync"])
#: The remote role's endpoints (push, pull, release) speak the sync protocol; the local role's
#: (status, link, run, unlink) are between the CLI and its own server, one release, no protocol.
REMOTE_ROLE = [Depends(speaks_protocol)]
RemoteKey = Annotated[
    str | None,
    Header(alias="X-Remote-Api-Key", description="The remote's API key (from the keyring)."),
]
#: The hard ceiling of a push; `Settings.sync_push_max_batch` (default 500) is the working cap.
MAX_BATCH = 1000


class MutationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int = Field(..., ge=1, description="The client's gapless mutation id.")
    name: str = Field(..., min_length=1, max_length=100, examples=["cats.feed"])
    args: dict[str, Any] = Field(default_factory=dict)


class PushIn(BaseModel):
    """A client's mutations, in id order."""

    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(..., min_length=1, max_length=100)
    mutations: list[MutationIn] = Field(..., max_length=MAX_BATCH)


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(..., min_length=1, max_length=100)


class RemoteMeta(BaseModel):
    """What every push, pull and release answer carries: the protocol range and the clock."""

    protocol: dict[str, int] = Field(..., description="{version, min, max} this server serves")
    server_time: str = Field(..., description="The server's clock (clients warn about skew)")


class Released(RemoteMeta):
    released: bool


class MutationOutcome(BaseModel):
    id: int
    name: str
    status: str = Field(..., description="applied or rejected")
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    created: list[list[Any]] = Field(default_factory=list)


class PushOut(RemoteMeta):
    last_mutation_id: int
    results: list[MutationOutcome]
    retry: dict[str, Any] | None = Field(
        None, description="{id, error}: processing stopped at a transient failure; send it again"
    )


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(..., min_length=1, max_length=2000, examples=["https://purrr.love"])
    interval_seconds: int = Field(300, ge=5, le=86400)
    keep: Literal["remote", "local"] | None = Field(
        None,
        description="Both games have rows: keep the remote's (this one is backed up, then"
        " replaced) or this one (uploaded over the remote account's). Asked when missing.",
    )
    backup: str | None = Field(
        None, max_length=4000, description="Where to write the backup of a replaced local game."
    )


class UnlinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = False


def _local_game(request: Request) -> None:
    """The local role (link, run, unlink, status) belongs to a player's own server. On a hosted
    server it would let any player point the server at any URL and write its backup file
    anywhere, so it is refused there."""
    if runtime_of(request).settings.hosted:
        raise ApiError(
            "FORBIDDEN",
            "a hosted server does not link to remotes; link your local game to this server"
            " instead: purrr remote link URL --api-key KEY",
            details={"role": "remote"},
        )


def _failed(request: Request, failure: SyncFailure) -> Response:
    return fail(request, failure.code, failure.message, failure.details, status_code=failure.status)


@router.post(
    "/push",
    dependencies=REMOTE_ROLE,
    summary="Remote: apply a client's mutations exactly once, in order",
    description="Only actions that sync may be pushed (docs/api.md lists them); each mutation "
    "is checked against the key's scopes and counts against the player's rate limit. At most "
    "`PURRR_SYNC_PUSH_MAX_BATCH` (default 500) mutations per push.",
    response_model=Envelope[PushOut],
)
async def push(request: Request, body: PushIn, who: Caller) -> Response:
    runtime = runtime_of(request)
    cap = runtime.settings.sync_push_max_batch
    if len(body.mutations) > cap:
        raise InvalidRequest(
            f"at most {cap} mutations per push (got {len(body.mutations)}); "
            "send the rest in later pushes",
            details={"field": "mutations", "max": cap, "received": len(body.mutations)},
        )
    mutations = [remote.Mutation(m.id, m.name, m.args) for m in body.mutations]
    result = await remote.push(runtime, who.user, body.client_id, mutations, scopes=who.scopes)
    return ok(request, result)


class PullOut(RemoteMeta):
    cursor: int
    changes: dict[str, list[dict[str, Any]]] = Field(..., description="Rows by table.")
    tombstones: list[dict[str, Any]]
    client_id: str | None
    last_mutation_id: int
    mutations: list[dict[str, Any]]
    user: dict[str, Any]


class SyncStatus(BaseModel):
    """The local game's link: remote, account, client id, pending actions, last push/pull."""

    model_config = ConfigDict(extra="allow")
    linked: bool | None = None
    pending: int | None = None


class Unlinked(BaseModel):
    unlinked: str | None
    dropped: int


class RunOut(BaseModel):
    report: dict[str, Any]
    status: SyncStatus


@router.get(
    "/pull",
    dependencies=REMOTE_ROLE,
    summary="Remote: every change after a cursor, and the client's outcomes",
    response_model=Envelope[PullOut],
)
async def pull(
    request: Request,
    who: Caller,
    cursor: Annotated[int, Query(ge=0, description="The version pulled through.")] = 0,
    client_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    return ok(request, await remote.pull(runtime_of(request), who.user, cursor, client_id))


@router.post(
    "/release",
    dependencies=REMOTE_ROLE,
    summary="Remote: end a sync (the account's other devices may sync)",
    response_model=Envelope[Released],
)
async def release(request: Request, body: ReleaseIn, who: Caller) -> Response:
    return ok(request, await remote.release_lease(runtime_of(request), who.user, body.client_id))


@router.get(
    "/status", summary="Local: link, outbox and last sync", response_model=Envelope[SyncStatus]
)
async def status(request: Request, who: Caller) -> Response:
    _local_game(request)
    return ok(request, await engine_of(request.app).status())


@router.post(
    "/link",
    summary="Local: link this game to a remote (replaces the local game)",
    response_model=Envelope[SyncStatus],
)
async def link(request: Request, body: LinkIn, who: Caller, key: RemoteKey = None) -> Response:
    _local_game(request)
    if not key:
        return fail(
            request,
            "VALIDATION_ERROR",
            "send the remote's API key as X-Remote-Api-Key",
            {"field": "X-Remote-Api-Key"},
        )
    try:
        state = await engine_of(request.app).link(
            body.url, key, body.interval_seconds, keep=body.keep, backup=body.backup
        )
        return ok(request, state)
    except SyncFailure as failure:
        return _failed(request, failure)


@router.post(
    "/unlink",
    summary="Local: forget the remote (the local game stays)",
    response_model=Envelope[Unlinked],
)
async def unlink(request: Request, who: Caller, body: UnlinkIn | None = None) -> Response:
    _local_game(request)
    return ok(request, await engine_of(request.app).unlink(force=bool(body and body.force)))


@router.post("/run", summary="Local: push the outbox, then pull", response_model=Envelope[RunOut])
async def run(request: Request, who: Caller, key: RemoteKey = None) -> Response:
    _local_game(request)
    engine = engine_of(request.app)
    try:
        report = await engine.sync(key)
    except SyncFailure as failure:
        return _failed(request, failure)
    return ok(request, {"report": report.as_dict(), "status": await engine.status()})
