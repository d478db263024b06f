"""`/api/v1/cats/{id}/feed|play|groom|pet|rest|train|treat`: the care actions (SPEC §1.4).

Their own module so that a read of the cats does not build these routes, nor a care action the
read routes (the in-process server mounts routers on demand: `purrr_server.routers`).
"""

# No `from __future__ import annotations` here: the care routes are built in a loop and FastAPI
# must see their `Annotated` parameter types as objects, not strings naming closure variables.

from typing import Annotated, Any

from fastapi import APIRouter, Body
from starlette.requests import Request
from starlette.responses import Response

from purrr_core import ACTIONS as CARE_ACTIONS
from purrr_server.auth import Caller
from purrr_server.hot import LEGACY_ALIASES, care_args
from purrr_server.http import Envelope, run_action
from purrr_server.routers.cats import CatId
from purrr_server.services.cats import CareResult

router = APIRouter(prefix="/cats", tags=["cats"])

CARE_EXAMPLES: dict[str, dict[str, Any]] = {
    "feed": {"food_item": "salmon", "quantity": 1, "portion": "normal"},
    "play": {"game": "yarn_chase", "duration": 10},
    "groom": {"kind": "brushing"},
    "pet": {},
    "rest": {},
    "train": {"command": "sit"},
    "treat": {"kind": "catnip"},
}


def _care_route(name: str) -> None:
    aliases = LEGACY_ALIASES.get(name)
    note = f" Legacy field names accepted: {aliases}." if aliases else ""
    request = CARE_ACTIONS[name][0]
    schema = {**request.model_json_schema(), "examples": [CARE_EXAMPLES[name]]}
    note += " The body is validated by the action's model (`cat_id` comes from the path)."

    async def route(
        request: Request,
        cat_id: CatId,
        who: Caller,
        body: Annotated[Any, Body()] = None,
    ) -> Response:
        # Served by `purrr_server.hot.HotPaths` (this route answers what it leaves).
        return await run_action(request, who, f"cats.{name}", care_args(name, cat_id, body))

    route.__name__ = f"care_{name}"
    router.add_api_route(
        f"/{{cat_id}}/{name}",
        route,
        methods=["POST"],
        summary=f"{name.capitalize()} a cat",
        response_model=Envelope[CareResult],
        openapi_extra={"requestBody": {"content": {"application/json": {"schema": schema}}}},
        description=f"The `{name}` care action (SPEC §1.4).{note}",
    )


for _name in CARE_ACTIONS:
    _care_route(_name)
