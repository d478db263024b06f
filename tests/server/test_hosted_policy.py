"""A hosted server attacked over real HTTP (`python -m purrr_server --hosted`): every registered
action pushed through `/sync/push`, and every route of `/openapi.json` walked without
credentials, with a key of the wrong scope and with another player's ids (issue 13)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from purrr_core import catalog
from purrr_core.games import games
from purrr_core.quests import quests
from purrr_server import services
from purrr_server.actions import ACTIONS
from tests.server.conftest import GENOTYPE
from tests.server.test_real_server import Server

PASSWORD = "correct horse 9"
FEMALE = GENOTYPE.replace("o/Y", "o/o")
#: Routes anyone may call (accounts are created and opened there).
ANONYMOUS = {("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/login")}
#: OAuth2 endpoints a client calls with its own credentials (docs/oauth.md): no player's.
ANONYMOUS |= {("POST", "/api/v1/oauth/token"), ("POST", "/api/v1/oauth/revoke")}
#: Routes that need account-management rights (sessions or `admin` keys).
#: Routes a health device calls with its own key (X-Device-Key): any other credential is a 401.
DEVICE_KEY = {("POST", "/api/v1/cats/{cat_id}/devices/{device_id}/readings")}
ADMIN_ONLY = {"/api/v1/keys", "/api/v1/keys/{key_id}", "/api/v1/account", "/api/v1/economy/2fa"}
#: Rule refusals a valid mutation may meet in a fresh game (not policy refusals).
RULE_CODES = {"CONFLICT", "NOT_FOUND"}


class Player:
    """An account on the hosted server, with a session and API keys of chosen scopes."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self._n = 0
        with httpx.Client(base_url=url, timeout=30) as c:
            made = c.post(
                "/api/v1/auth/register",
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            )
            assert made.status_code == 201, made.text
            self.id = int(made.json()["data"]["id"])
            login = c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            assert login.status_code == 200, login.text
        self.token = login.json()["data"]["access_token"]
        self.session = {"Authorization": f"Bearer {self.token}"}

    def key(self, *scopes: str) -> dict[str, str]:
        r = self.call("POST", "/api/v1/keys", {"name": "-".join(scopes), "scopes": list(scopes)})
        assert r.status_code == 201, r.text
        return {"X-API-Key": r.json()["data"]["key"]}

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> httpx.Response:
        self._n += 1
        chosen = self.session if headers is None else headers
        sent = {"Idempotency-Key": f"{self.name}-{self._n}", **chosen}
        with httpx.Client(base_url=self.url, timeout=30) as c:
            return c.request(method, path, json=body, headers=sent, params=params or None)

    def data(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = self.call(method, path, body)
        assert r.status_code == status, r.text
        return r.json()["data"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PURRR_ARGON2_TIME_COST", "1")
        env.setenv("PURRR_ARGON2_MEMORY_KIB", "1024")
        running = Server(
            tmp_path_factory.mktemp("policy") / "hosted", "--hosted", "--no-rate-limit"
        ).start()
    yield running
    running.stop()


def db(server: Server) -> sqlite3.Connection:
    return sqlite3.connect(server.data_dir / "purrr.db")


def owned_rows(server: Server, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row `user_id` owns (tables with a user_id column), for before/after comparisons."""
    with db(server) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
                " WHERE m.type = 'table' AND c.name = 'user_id' AND m.name NOT IN"
                " ('security_events', 'idempotency_keys', 'sync_mutations', 'events')"
            )
        ]
        rows = {
            t: sorted(conn.execute(f"SELECT * FROM {t} WHERE user_id = ?", (user_id,)))
            for t in tables
        }  # noqa: E501
        rows["users"] = list(conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)))
    return rows


def counts(server: Server) -> dict[str, int]:
    with db(server) as conn:
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("users", "tokens", "api_keys", "charges", "withdrawals", "totp_secrets")
        }


def action_names(server: Server, user_id: int) -> list[str]:
    with db(server) as conn:
        return [
            r[0] for r in conn.execute("SELECT name FROM actions WHERE user_id = ?", (user_id,))
        ]


# --- every registered action through /sync/push ---------------------------------------------


def valid_args(player: Player, cats: dict[str, int], key_id: int) -> dict[str, dict[str, Any]]:
    """Well-formed arguments for every registered action (a refusal is then about policy)."""
    game = next(g for g in games().values() if not g.view().get("crypto"))
    return {
        "auth.register": {
            "username": "pushed_user",
            "email": "pushed@example.com",
            "password": "pushed password",
        },
        "auth.login": {"user_id": player.id},
        "auth.logout": {"token_hash": "0" * 64},
        "keys.create": {"name": "pushed", "scopes": ["admin"]},
        "keys.delete": {"key_id": key_id},
        "account.delete": {},
        "account.timezone": {"timezone": "Europe/Berlin"},
        "economy.deposit": {"crypto_type": "BTC", "amount_usd": "10.00"},
        "economy.confirm": {"charge_id": "ch_pushed"},
        "economy.withdraw": {"crypto_type": "USDC", "amount": "1", "address": "0x" + "a" * 40},
        "economy.withdraw_cancel": {"withdrawal_id": 1},
        "economy.totp_enroll": {},
        "economy.open": {},
        "cats.adopt": {"name": "Pushed", "personality_type": "lazy", "genotype": GENOTYPE},
        "cats.adopt_special": {"special_id": "bandit"},
        "cats.update": {"cat_id": cats["a"], "name": "Renamed"},
        "cats.feed": {"cat_id": cats["a"], "food_item": "salmon"},
        "cats.play": {"cat_id": cats["a"], "game": "yarn_chase", "duration": 5},
        "cats.groom": {"cat_id": cats["a"], "kind": "brushing"},
        "cats.pet": {"cat_id": cats["a"]},
        "cats.rest": {"cat_id": cats["a"]},
        "cats.train": {"cat_id": cats["a"], "command": "sit"},
        "cats.treat": {"cat_id": cats["a"], "kind": "catnip"},
        "store.purchase": {"item_id": "toy_mouse", "quantity": 1},
        "store.use": {"cat_id": cats["a"], "item_id": "toy_mouse"},
        "games.play": {"cat_id": cats["b"], "game_type": game.id},
        "quests.claim": {"quest_id": next(iter(quests()))},
        "breeding.breed": {"sire_id": cats["sire"], "dam_id": cats["dam"]},
        "breeding.complete": {},
        "nightwatch.deploy": {"cat_ids": [cats["b"]], "area": "park"},
        "nightwatch.recall": {},
        "nightwatch.create_zone": {"type": "motion_sensor", "name": "Gate", "location": "Yard"},
        "nightwatch.respond_alert": {"alert_id": 1},
        "nightwatch.catch_up": {},
        "cats.delete": {"cat_id": cats["doomed"]},
        "game.restore": {"backup": {"format": "purrr-backup"}, "replace": True},
        "devices.register": {"cat_id": cats["a"], "device_type": "collar_sensor"},
        "devices.remove": {"cat_id": cats["a"], "device_id": 1},
        "devices.record": {"cat_id": cats["a"], "device_id": 1, "metrics": {"heart_rate_bpm": 1}},
        "devices.simulate": {"cat_id": cats["a"], "device_id": 1},
        "economy.withdrawals_catch_up": {},
        "economy.withdrawal_approve": {"withdrawal_id": 1},
        "economy.withdrawal_reject": {"withdrawal_id": 1, "reason": "no"},
        "oauth.client_register": {"name": "Pushed", "redirect_uris": ["https://x.example/cb"]},
        "oauth.client_revoke": {"client_id": "pci_0"},
        "oauth.authorize": {"client_id": "pci_0", "code_challenge": "x" * 43},
        "oauth.token": {"grant_type": "client_credentials", "client_id": "pci_0"},
        "oauth.revoke": {"token": "poa_0", "client_id": "pci_0"},
        "territory.claim": {"cat_id": cats["b"], "type": "garden", "location": "Yard"},
        "territory.challenge": {"cat_id": cats["b"], "territory_id": 1},
        "territory.install": {"territory_id": 1, "item_id": "cat_bed"},
        "territory.release": {"territory_id": 1},
        "rooms.join": {"cat_id": cats["a"], "type": "contest"},
        "rooms.leave": {"room_id": 1},
        "rooms.play": {"room_id": 1},
    }


class Pusher:
    """Pushes mutations with consecutive ids for one client."""

    def __init__(self, player: Player, headers: dict[str, str], client_id: str) -> None:
        self.player, self.headers, self.client_id = player, headers, client_id
        self.next_id = 1

    def push(self, name: str, args: Any) -> dict[str, Any]:
        body = {
            "client_id": self.client_id,
            "mutations": [{"id": self.next_id, "name": name, "args": args}],
        }
        r = self.player.call("POST", "/api/v1/sync/push", body, self.headers)
        assert r.status_code == 200, r.text
        # End the sync like a real client, so the account's other pushers may sync (the lease).
        released = {"client_id": self.client_id}
        assert self.player.call("POST", "/api/v1/sync/release", released, self.headers).is_success
        self.next_id += 1
        outcome: dict[str, Any] = r.json()["data"]["results"][0]
        return outcome


def test_the_issue_reproduction_no_longer_logs_in_as_user_1(server: Server) -> None:
    victim = Player(server.url, "victim")
    attacker = Player(server.url, "attacker")
    before = counts(server)
    body = {
        "client_id": "x",
        "mutations": [{"id": 1, "name": "auth.login", "args": {"user_id": victim.id}}],
    }
    r = attacker.call("POST", "/api/v1/sync/push", body)
    assert r.status_code == 200, r.text
    outcome = r.json()["data"]["results"][0]
    assert outcome["status"] == "rejected" and outcome["error"]["code"] == "FORBIDDEN"
    assert "victim" not in r.text and "access_token" not in r.text
    assert counts(server) == before


def test_every_registered_action_pushed_only_syncable_ones_apply(server: Server) -> None:
    services.load_all()
    player = Player(server.url, "pusher")
    cats = {
        role: player.data(
            "POST",
            "/api/v1/cats",
            {"name": role.title(), "personality_type": "playful", "genotype": GENOTYPE, **sex},
            201,
        )["id"]
        for role, sex in (
            ("a", {}),
            ("b", {}),
            ("sire", {"sex": "male"}),
            ("dam", {"sex": "female", "genotype": FEMALE}),
            ("doomed", {}),
        )
    }
    key_id = player.data("POST", "/api/v1/keys", {"name": "spare"}, 201)["id"]
    write_key = player.key("read", "write")
    args = valid_args(player, cats, key_id)
    registered = {name for name in ACTIONS if not name.startswith("test.")}
    assert set(args) == registered, "give every registered action arguments here"
    pusher = Pusher(player, write_key, "every-action")
    before, logged_before = counts(server), action_names(server, player.id)
    outcomes = {name: pusher.push(name, args[name]) for name in args}
    for name, outcome in outcomes.items():
        if ACTIONS[name].syncs:
            assert outcome["status"] == "applied" or outcome["error"]["code"] in RULE_CODES, (
                name,
                outcome,
            )
        else:
            assert outcome["status"] == "rejected", (name, outcome)
            assert outcome["error"]["code"] == "FORBIDDEN", (name, outcome)
            assert "cannot be pushed" in outcome["error"]["message"]
    applied = {n for n, o in outcomes.items() if o["status"] == "applied"}
    for name in applied:  # results have the shape their action declares
        ACTIONS[name].result.model_validate(outcomes[name]["result"])
    assert {
        "cats.adopt",
        "cats.update",
        "cats.feed",
        "cats.pet",
        "cats.rest",
        "store.purchase",
        "store.use",
        "economy.open",
        "breeding.complete",
        "nightwatch.catch_up",
        "cats.delete",
    } <= applied
    logged = action_names(server, player.id)[len(logged_before) :]
    assert not set(logged) & {n for n in registered if not ACTIONS[n].syncs}, logged
    assert set(logged) <= applied | {"breeding.complete"}
    assert counts(server) == before  # no user, token, key, charge, withdrawal or TOTP appeared
    assert player.call("GET", "/api/v1/auth/profile").status_code == 200  # not deleted

    # Validation: an unknown field is named, whatever the action; policy comes first.
    for name in sorted(registered):
        outcome = pusher.push(name, {**args[name], "bogus": 1})
        assert outcome["status"] == "rejected", (name, outcome)
        expected = "VALIDATION_ERROR" if ACTIONS[name].syncs else "FORBIDDEN"
        assert outcome["error"]["code"] == expected, (name, outcome)
        if ACTIONS[name].syncs:
            assert outcome["error"]["details"]["field"] == "bogus", outcome
    huge = pusher.push("cats.adopt", {**args["cats.adopt"], "breed": "x" * 10_000})
    assert huge["error"]["code"] == "VALIDATION_ERROR"
    assert huge["error"]["details"]["field"] == "breed"
    assert len(str(huge["error"])) < 2000  # the value is not echoed back in full
    escaped = pusher.push("cats.adopt", {**args["cats.adopt"], "breed": "\x1b[31mred"})
    assert escaped["error"]["details"]["field"] == "breed"
    big_id = pusher.push("cats.feed", {"cat_id": 2**70})
    assert big_id["error"]["code"] == "VALIDATION_ERROR"
    assert big_id["error"]["details"]["field"] == "cat_id"

    # Scopes per mutation: a write-only key may feed but not run a read-scoped catch-up.
    scoped = Pusher(player, player.key("write"), "write-only")
    assert scoped.push("cats.pet", {"cat_id": cats["b"]})["status"] == "applied"
    refused = scoped.push("nightwatch.catch_up", {})
    assert refused["error"]["code"] == "FORBIDDEN"
    assert refused["error"]["details"]["scope"] == "read"


# --- every route of /openapi.json -------------------------------------------------------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def sample(spec: dict[str, Any], schema: dict[str, Any], name: str, ids: dict[str, Any]) -> Any:
    """A value for `schema`: the victim's id for id fields, else an example or a plain value."""
    schema = _resolve(spec, schema)
    if name in ids:
        return ids[name]
    for choice in schema.get("anyOf", []):
        if choice.get("type") != "null":
            return sample(spec, choice, name, ids)
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            prop: sample(spec, sub, prop, ids)
            for prop, sub in schema.get("properties", {}).items()
            if prop in schema.get("required", []) or prop in ids
        }
    if kind == "array":
        return [sample(spec, schema.get("items", {}), name, ids)]
    return {"integer": 1, "number": 1, "boolean": False}.get(str(kind), "x")


def routes(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def request_for(
    spec: dict[str, Any], path: str, operation: dict[str, Any], ids: dict[str, Any]
) -> tuple[str, Any, dict[str, Any]]:
    """The concrete path, JSON body and query of one call of `operation` naming `ids`."""
    concrete, query = path, {}
    for param in operation.get("parameters", []):
        value = sample(spec, param.get("schema", {}), param["name"], ids)
        if param["in"] == "path":
            concrete = concrete.replace("{" + param["name"] + "}", str(value))
        elif param["in"] == "query" and (param.get("required") or param["name"] in ids):
            query[param["name"]] = value
    body = None
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        body = sample(spec, content["schema"], "body", ids)
    return concrete, body, query


def test_every_route_refuses_strangers_wrong_scopes_and_other_players_ids(server: Server) -> None:
    victim = Player(server.url, "walked")
    cat = victim.data(
        "POST",
        "/api/v1/cats",
        {"name": "Mine", "personality_type": "lazy", "genotype": GENOTYPE},
        201,
    )
    mate = victim.data(
        "POST",
        "/api/v1/cats",
        {"name": "Mate", "personality_type": "lazy", "genotype": GENOTYPE, "sex": "male"},
        201,
    )
    victim_key = victim.data("POST", "/api/v1/keys", {"name": "victim key"}, 201)["id"]
    stranger = Player(server.url, "stranger")
    read_only, write_only, no_admin = (
        stranger.key("read"),
        stranger.key("write"),
        stranger.key("read", "write"),
    )
    spec = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    walked = routes(spec)
    assert len(walked) > 60
    ids: dict[str, Any] = {
        "cat_id": cat["id"],
        "cat_ids": [cat["id"]],
        "sire_id": mate["id"],
        "dam_id": cat["id"],
        "father_id": mate["id"],
        "mother_id": cat["id"],
        "key_id": victim_key,
        "patrol_id": 1,
        "alert_id": 1,
        "device_id": 1,
        "breeding_id": 1,
        "withdrawal_id": 1,
        "charge_id": "ch_victim",
        "special_id": "bandit",
        "quest_id": next(iter(quests())),
        "game_type": next(iter(games())),
        "item_id": next(iter(catalog.foods())),
    }
    victim_before = owned_rows(server, victim.id)
    with db(server) as conn:
        version = conn.execute(
            "SELECT user_id, version FROM player_versions ORDER BY user_id"
        ).fetchall()
    for method, path, operation in walked:
        concrete, body, query = request_for(spec, path, operation, ids)
        if (method, path) not in ANONYMOUS:
            anonymous = stranger.call(method, concrete, body, {}, **query)
            assert anonymous.status_code == 401, (method, path, anonymous.text)
        wrong = read_only if method != "GET" else write_only
        if (method, path) not in ANONYMOUS:
            refused = stranger.call(method, concrete, body, wrong, **query)
            expected = 401 if (method, path) in DEVICE_KEY else 403
            assert refused.status_code == expected, (method, path, refused.text)
        if path in ADMIN_ONLY:
            refused = stranger.call(method, concrete, body, no_admin, **query)
            assert refused.status_code == 403, (method, path, refused.text)
    with db(server) as conn:
        assert (
            conn.execute("SELECT user_id, version FROM player_versions ORDER BY user_id").fetchall()
            == version
        )
    # Another player's ids: every route that names one answers 404 and changes nothing.
    named = 0
    for method, path, operation in walked:
        concrete, body, query = request_for(spec, path, operation, ids)
        mentions = [n for n in ids if f"{{{n}}}" in path or n in query or n in str(body)]
        if not {"cat_id", "cat_ids", "sire_id", "key_id"} & set(mentions) and "{" not in path:
            continue
        if path.endswith(("/genetics/cross",)) or method == "GET" and path.endswith("/games"):
            continue
        r = stranger.call(method, concrete, body, **query)
        if "{game_type}" in path or "{quest_id}" in path or "{special_id}" in path:
            if not set(mentions) & {"cat_id", "cat_ids"}:
                continue  # names a catalogue entry, not a row of the victim's
        allowed = (401,) if (method, path) in DEVICE_KEY else (403, 404)
        assert r.status_code in allowed, (method, path, concrete, body, r.text)
        named += r.status_code == 404
    assert named > 20
    assert owned_rows(server, victim.id) == victim_before


def test_startup_says_how_deposits_are_handled(tmp_path: Path) -> None:
    for extra, expected in (
        ((), "deposits are refused"),
        (("--allow-sandbox-payments",), "SANDBOX provider is enabled"),
    ):
        server = Server(tmp_path / f"payments{len(extra)}", "--hosted", *extra).start()
        server.stop()
        assert expected in server.log_tail(), server.log_tail()
