"""The served loop lets a burst of connections in at once (purrr_server.accept): uvloop alone
accepts one connection per turn of the event loop, so under load the last of a burst waited
a turn per connection before it (docs/architecture.md, "The p99 and new connections")."""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

pytest.importorskip("uvloop")

from purrr_server import accept  # noqa: E402
from purrr_server.daemon import served_loop  # noqa: E402


class Echo(asyncio.Protocol):
    made: list[Echo] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport  # uvloop's TCPTransport
        Echo.made.append(self)

    def data_received(self, data: bytes) -> None:
        self.transport.write(data.upper())


#: The client sockets a test opened (`clients`), closed when it ends.
OPENED: list[socket.socket] = []


def run(test: Callable[[], Awaitable[None]]) -> None:
    Echo.made = []
    loop = accept.new_event_loop()
    try:
        loop.run_until_complete(test())
    finally:
        for client in OPENED:
            client.close()
        OPENED.clear()
        loop.close()


def listening() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serving(sock: socket.socket, backlog: int = 100) -> AsyncIterator[Any]:
    """The loop's server on `sock`, closed (and `sock` with it) when the block ends."""
    server = await asyncio.get_running_loop().create_server(Echo, sock=sock, backlog=backlog)
    try:
        yield server
    finally:
        server.close()
        await server.wait_closed()
        sock.close()


def clients(sock: socket.socket, count: int) -> list[socket.socket]:
    """`count` connections the kernel has completed and queued for accept()."""
    for _ in range(count):
        OPENED.append(socket.create_connection(sock.getsockname()[:2], timeout=5))
    return OPENED[-count:]


async def turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


def test_a_burst_of_connections_is_accepted_within_a_few_turns() -> None:
    async def test() -> None:
        sock = listening()
        async with serving(sock, backlog=64) as server:
            assert isinstance(server, accept.Listener) and server.is_serving()
            clients(sock, 40)
            await turns(8)  # uvloop alone: at most one connection a turn
            assert len(Echo.made) == 40

    run(test)


def test_accepted_connections_are_served_by_the_loops_transport() -> None:
    async def test() -> None:
        sock = listening()
        async with serving(sock):
            reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            writer.write(b"purr")
            assert await asyncio.wait_for(reader.readexactly(4), 5) == b"PURR"
            writer.close()

    run(test)


def test_a_closed_listener_accepts_nothing_more_and_leaves_its_socket_open() -> None:
    async def test() -> None:
        sock = listening()
        async with serving(sock) as server:
            clients(sock, 1)
            await turns(4)
            server.close()
            assert not server.is_serving() and server.sockets == ()
            clients(sock, 2)  # queued by the kernel, never taken
            await turns(8)
            assert len(Echo.made) == 1
            assert sock.fileno() != -1  # whoever bound it closes it (uvicorn, the daemon)

    run(test)


def test_servers_the_loop_binds_itself_are_uvloops_own() -> None:
    async def test() -> None:
        server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", 0)
        assert not isinstance(server, accept.Listener)
        server.close()
        await server.wait_closed()

    run(test)


def test_the_daemon_serves_on_this_loop() -> None:
    assert served_loop() == accept.LOOP
    assert served_loop(workers=2) == "auto"  # uvloop's one accept a turn spreads a burst
    import uvicorn

    config = uvicorn.Config(app=lambda: None, loop=served_loop())
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, accept.Loop)
    finally:
        loop.close()


class Exhausted(socket.socket):
    """A listening socket whose first accept() finds the process out of file descriptors."""

    refusals = 1

    def accept(self) -> tuple[socket.socket, Any]:
        if Exhausted.refusals:
            Exhausted.refusals -= 1
            raise OSError(errno.EMFILE, "Too many open files")
        return super().accept()


def test_out_of_descriptors_pauses_accepting_then_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(accept, "PAUSE_AFTER_EMFILE", 0.05)

    async def test() -> None:
        sock = Exhausted(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        async with serving(sock):
            clients(sock, 1)
            await turns(8)
            assert Echo.made == [] and "pausing" in caplog.text  # paused, not spinning
            await asyncio.sleep(0.2)
            assert len(Echo.made) == 1  # accepting again after the pause

    run(test)
