"""The served event loop: uvloop, with listening sockets that let a burst of connections in at once.

uvloop (libuv 1.45 and later) accepts one connection per turn of the event loop. Under load a
turn runs every ready request (32 writes of ~0.6 ms: ~20 ms), so a burst of new connections —
clients reconnecting after a restart, a load generator starting — is let in one per turn: the
32nd waited ~300 ms for its first answer, while no request spent over 35 ms in the app
(docs/architecture.md, "The p99 and new connections"). Here a listening socket uvicorn is
handed (`purrr_server.daemon.serve` binds them itself) is watched by the loop and accepted
from until it has nothing pending, up to `ACCEPT_PER_TURN` connections a turn (as asyncio's own
loop does), each then served by uvloop's transport as before (`connect_accepted_socket`).
Only a single server process runs it: workers sharing a socket (`--workers`) keep uvloop's one
accept per turn, which spreads a burst over them (`daemon.served_loop`).

uvicorn runs it as a custom loop factory (`LOOP`, its `--loop` import string); without uvloop
(Windows, PyPy) the server keeps uvicorn's default loop, whose asyncio accepts the same way.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable
from typing import Any

import uvloop

log = logging.getLogger("purrr.server")

#: uvicorn's `loop` setting that selects this loop.
LOOP = "purrr_server.accept:new_event_loop"
#: Connections accepted per turn of the loop at most (asyncio's default backlog).
ACCEPT_PER_TURN = 100
#: Seconds to stop accepting after the process ran out of file descriptors (as asyncio does).
PAUSE_AFTER_EMFILE = 1.0
#: accept() errors that mean "out of descriptors or memory": pause, then accept again.
_EXHAUSTED = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class Loop(uvloop.Loop):
    """uvloop's loop, whose `create_server` for an already bound plain socket accepts greedily."""

    async def create_server(
        self,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        host: Any = None,
        port: Any = None,
        *,
        sock: socket.socket | None = None,
        ssl: Any = None,
        backlog: int = 100,
        **options: Any,
    ) -> Any:
        if sock is None or ssl is not None or options or host is not None or port is not None:
            return await super().create_server(
                protocol_factory, host, port, sock=sock, ssl=ssl, backlog=backlog, **options
            )
        server = Listener(self, protocol_factory, sock, backlog)
        server.start()
        return server


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvicorn's loop factory (`LOOP`)."""
    return Loop()


class Listener:
    """A listening socket served with greedy accepts; the part of `asyncio.Server` that uvicorn
    uses (`close`, `wait_closed`, `sockets`, `is_serving`)."""

    def __init__(
        self,
        loop: Loop,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        sock: socket.socket,
        backlog: int,
    ) -> None:
        self._loop = loop
        self._factory = protocol_factory
        self._sock = sock
        self._backlog = backlog
        self._serving = False
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return (self._sock,) if self._serving else ()

    def is_serving(self) -> bool:
        return self._serving

    def start(self) -> None:
        self._sock.listen(self._backlog)
        self._sock.setblocking(False)
        self._serving = True
        self._loop.add_reader(self._sock.fileno(), self._accept)

    def close(self) -> None:
        """Stop accepting (the socket stays open: whoever bound it closes it)."""
        if self._serving:
            self._serving = False
            self._loop.remove_reader(self._sock.fileno())

    async def wait_closed(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def _accept(self) -> None:
        for _ in range(ACCEPT_PER_TURN):
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return  # nothing more pending
            except ConnectionAbortedError:
                continue  # the client gave up before we took it
            except OSError as exc:
                if exc.errno not in _EXHAUSTED:
                    raise
                log.error(
                    "accepting a connection failed (%s): pausing %ss", exc, PAUSE_AFTER_EMFILE
                )
                self._loop.remove_reader(self._sock.fileno())
                self._loop.call_later(PAUSE_AFTER_EMFILE, self._resume)
                return
            conn.setblocking(False)
            task = self._loop.create_task(self._serve(conn))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    def _resume(self) -> None:
        if self._serving:
            self._loop.add_reader(self._sock.fileno(), self._accept)

    async def _serve(self, conn: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._factory, conn)
        except Exception as exc:  # a connection that failed to start is one closed connection
            log.debug("a connection could not start: %s", exc)
            conn.close()
