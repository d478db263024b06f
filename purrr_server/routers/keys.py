"""`/api/v1/keys`: API keys (`pk_` + 64 hex), shown once on creation, stored hashed."""

import ipaddress
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.requests import Request
from starlette.responses import Response

from purrr_core.models import LabelOrEmpty
from purrr_server.auth import Admin
from purrr_server.envelope import ok
from purrr_server.http import run_action
from purrr_server.runtime import runtime_of
from purrr_server.store.credentials import DEFAULT_SCOPES, SCOPES

router = APIRouter(prefix="/keys", tags=["keys"])
Scope = Literal[SCOPES]  # type: ignore[valid-type]


class CreateKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: LabelOrEmpty = Field("", examples=["backup script"])
    scopes: list[Scope] = Field(default_factory=lambda: list(DEFAULT_SCOPES), min_length=1)
    expires_in_days: int | None = Field(None, ge=1, le=3650)
    allowed_ips: list[str] = Field(
        default_factory=list, max_length=50, description="Addresses or CIDR networks; empty = any."
    )

    @field_validator("allowed_ips")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(v.strip(), strict=False)) for v in values]

    @field_validator("scopes")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        return sorted(set(values))


@router.post("", status_code=201, summary="Create an API key (the key is returned only here)")
async def create_key(request: Request, body: CreateKey, who: Admin) -> Response:
    return await run_action(request, who.user, "keys.create", body.model_dump())


@router.get("", summary="Your API keys (without the secrets)")
async def list_keys(request: Request, who: Admin) -> Response:
    return ok(request, await runtime_of(request).store.read.credentials.keys(who.user.id))


@router.delete("/{key_id}", summary="Revoke an API key")
async def delete_key(request: Request, key_id: Annotated[int, Path(ge=1)], who: Admin) -> Response:
    response = await run_action(request, who.user, "keys.delete", {"key_id": key_id})
    runtime_of(request).forget_user(who.user.id)
    return response
