"""Every API router, mounted under `/api/v1` by `create_app`. Append new resources here."""

from fastapi import APIRouter

from purrr_server.routers import cats

ROUTERS: list[APIRouter] = [
    cats.router,
]
