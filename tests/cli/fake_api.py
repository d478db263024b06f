"""An in-memory stand-in for the purrr API (SPEC §7 envelope), served through httpx.MockTransport."""

from __future__ import annotations

import json
from typing import Any

import httpx

FOODS = {"salmon": 32, "tuna_fish": 30, "premium_cat_food": 25}


def ok(data: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"success": True, "data": data, "meta": {"request_id": "r"}})


def fail(status: int, code: str, message: str, **details: Any) -> httpx.Response:
    error = {"code": code, "message": message, "details": details}
    return httpx.Response(status, json={"success": False, "error": error, "meta": {}})


class FakeApi:
    """Just enough of the cats API to drive the CLI: state, validation and idempotency."""

    def __init__(self) -> None:
        self.cats: dict[int, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.replies: dict[str, httpx.Response] = {}
        self.next_id = 1

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def add_cat(self, name: str, **fields: Any) -> dict[str, Any]:
        cat = {
            "id": self.next_id, "name": name, "personality_type": "playful", "level": 1,
            "mood_label": "calm", "hunger": 50, "happiness": 50, "energy": 100, "health": 100,
            "cleanliness": 100, "version": 1, **fields,
        }  # fmt: skip
        self.cats[cat["id"]] = cat
        self.next_id += 1
        return cat

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = request.headers.get("Idempotency-Key")
        if key and key in self.replies:
            return self.replies[key]
        response = self._route(request)
        if key:
            self.replies[key] = response
        return response

    def _route(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.removeprefix("/api/v1/").strip("/").split("/")
        body = json.loads(request.content) if request.content else {}
        if parts == ["cats"]:
            if request.method == "POST":
                return ok(
                    self.add_cat(body["name"], personality_type=body["personality_type"]), 201
                )
            return ok(list(self.cats.values()))
        if parts == ["cats", "status"]:
            return ok(
                [{"id": c["id"], "name": c["name"], "care_score": 100} for c in self.cats.values()]
            )
        if parts[0] == "cats":
            return self._cat(request.method, int(parts[1]), parts[2:], body)
        if parts == ["auth", "login"]:
            if body.get("password") == "correct horse":
                return ok({"access_token": "tok-alice", "token_type": "bearer"})
            return fail(401, "UNAUTHORIZED", "invalid username or password")
        if parts == ["auth", "profile"]:
            if request.headers.get("Authorization") or request.headers.get("X-API-Key"):
                return ok({"username": "alice"})
            return fail(401, "UNAUTHORIZED", "missing credentials")
        if parts == ["limited"]:
            return fail(429, "RATE_LIMIT_EXCEEDED", "slow down")
        if parts == ["remote-down"]:  # what the local sync relays when the remote is down
            return fail(503, "REMOTE_UNREACHABLE", "cannot reach the remote")
        if parts == ["remote-refused"]:
            return fail(502, "REMOTE_UNAUTHORIZED", "the remote refused the API key")
        return fail(404, "NOT_FOUND", f"no route {request.url.path}")

    def _cat(
        self, method: str, cat_id: int, rest: list[str], body: dict[str, Any]
    ) -> httpx.Response:
        cat = self.cats.get(cat_id)
        if cat is None:
            return fail(404, "NOT_FOUND", f"cat {cat_id} not found")
        if not rest:
            if method == "PUT":
                cat.update(body)
            if method == "DELETE":
                del self.cats[cat_id]
                return ok(None)
            return ok(cat)
        if rest == ["feed"]:
            food = body.get("food_item", "premium_cat_food")
            if food not in FOODS:
                return fail(
                    422,
                    "VALIDATION_ERROR",
                    f"unknown food {food!r}; choose one of {', '.join(FOODS)}",
                )
            if cat["hunger"] >= 95:
                return fail(409, "CONFLICT", f"{cat['name']} is full")
            cat["hunger"] = min(100, cat["hunger"] + FOODS[food])
            return ok(
                {"hunger_restored": FOODS[food], "new_stats": {"hunger": cat["hunger"]}, "cat": cat}
            )
        if rest == ["history"]:
            return ok([])
        return fail(404, "NOT_FOUND", "no such action")
