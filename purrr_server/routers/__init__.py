"""Every API router, mounted under `/api/v1` by `create_app`. Append new resources here."""

from fastapi import APIRouter

from purrr_server.routers import account, auth, cats, events, keys

ROUTERS: list[APIRouter] = [
    auth.router,
    keys.router,
    account.router,
    cats.router,
    events.router,
]
ROUTERS.append(__import__("purrr_server.routers.nightwatch", fromlist=["router"]).router)
ROUTERS.append(__import__("purrr_server.routers.breeding", fromlist=["router"]).router)
