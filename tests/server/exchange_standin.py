"""A stand-in for the Coinbase Exchange REST API over real HTTP, for payout tests that run a
server (in-process or as a process) against it: the two endpoints `CoinbaseExchangePayouts`
calls, with the exchange's idempotency (one transfer per `nonce`), and the power to hold a
request unanswered (a slow provider, or a server killed while it waits)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Exchange:
    url: str = ""
    #: Every request as (method, path, body), in arrival order.
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    #: nonce → the one transfer it created.
    transfers: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Paths starting with one of these are held until `release` is set.
    hold: tuple[str, ...] = ()
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    #: Transfers report `completed_at` once this is true.
    complete: bool = False
    #: How many write transactions the in-process server had open at each request.
    open_writes: list[int] = field(default_factory=list)
    store: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append((method, path, body))
            if self.store is not None:
                self.open_writes.append(self.store.open_writes)
        if any(path.startswith(prefix) for prefix in self.hold):
            self.held.set()
            self.release.wait(60)
        with self.lock:
            if method == "POST" and path == "/withdrawals/crypto":
                nonce = int(body["nonce"])
                transfer = self.transfers.setdefault(
                    nonce,
                    {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"nonce:{nonce}")), **body},
                )
                return 200, {"id": transfer["id"], "amount": body["amount"]}
            if method == "GET" and path.startswith("/transfers/"):
                wanted = path.rsplit("/", 1)[1]
                for transfer in self.transfers.values():
                    if transfer["id"] == wanted:
                        done = "2026-11-23 12:05:00.000000+00" if self.complete else None
                        return 200, {"id": wanted, "completed_at": done, "canceled_at": None}
                return 404, {"message": "NotFound"}
        return 404, {"message": "no such endpoint"}

    def posts(self) -> list[dict[str, Any]]:
        return [body for method, _, body in self.requests if method == "POST"]


@contextmanager
def exchange() -> Iterator[Exchange]:
    state = Exchange()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            assert self.headers.get("CB-ACCESS-SIGN") and self.headers.get("CB-ACCESS-KEY")
            status, payload = state.answer(method, self.path, json.loads(raw) if raw else {})
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the caller is gone (a killed server)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
