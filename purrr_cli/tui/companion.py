"""The dashboard's own local server: the in-process server, run in a child process.

With no server configured and no daemon, every other command serves its request in its own
process. The dashboard instead starts the same server (`create_app(mount_on_demand=True)` on the
same data dir, no background sync) in a child process the moment `purrr tui` starts: the child
imports FastAPI and opens the database on one core while the dashboard imports Textual and paints
its first frame on the other, so the cats arrive about when the server alone would have answered
(see `benchmarks/tui_startup.py`). The dashboard's process never imports FastAPI.

- The parent binds a private Unix socket (in a fresh 0700 directory) and hands the listening
  socket to the child, which prints `ready` on stdout once its lifespan has started (the local
  token exists from then on).
- The child's stdin is a pipe from the dashboard: end of file (the dashboard quit, crashed or was
  killed) stops the child. Its own session keeps terminal signals (Ctrl+C) away from it; its
  output goes to the data dir's `server.log`.
- The child is started before the dashboard knows which server it will use (knowing costs the
  import of the HTTP client): it imports the server, then waits for `serve` on its stdin;
  the dashboard closes its stdin instead when another server is chosen (then it exits at once).
- If the child cannot start (or dies later), the dashboard falls back to the in-process server
  in its own process, so the dashboard never depends on the child.

Run as `python -m purrr_cli.tui.companion --fd N --data-dir DIR` by `Companion` only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from purrr_cli.client import Client

#: The dashboard's word to the child once it knows the child's server is the one to use.
SERVE = b"serve\n"
#: The child's line on stdout once it serves.
READY = b"ready\n"
#: How long the dashboard waits for the child before serving in its own process instead.
START_TIMEOUT = 15.0
#: How long a quitting dashboard waits for the child to stop before killing it.
STOP_TIMEOUT = 5.0
SERVER_LOG = "server.log"
#: The private directory of the child's socket (in the temporary directory).
SOCKET_DIR_PREFIX = "purrr-tui-"


class Companion:
    """The child server of one dashboard (parent side). `start` at once, `wait_ready` later."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._dir = Path(tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX))
        self.socket_path = self._dir / "purrr.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.socket_path))
            listener.listen(64)
            self.data_dir.mkdir(parents=True, exist_ok=True)
            with open(self.data_dir / SERVER_LOG, "ab") as log:
                self.process: subprocess.Popen[bytes] = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "purrr_cli.tui.companion",
                        "--fd",
                        str(listener.fileno()),
                        "--data-dir",
                        str(self.data_dir),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    pass_fds=(listener.fileno(),),
                    start_new_session=True,
                )
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        finally:
            # The child holds the listener now: if it dies, connections fail instead of hanging.
            listener.close()
        self._ready: bool | None = None

    def serve(self) -> None:
        """Tell the child its server is the one to use (until then it only imports)."""
        if self.process.stdin is not None:
            try:
                self.process.stdin.write(SERVE)
                self.process.stdin.flush()
            except OSError:
                pass  # it died: `wait_ready` says so

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Whether the child serves (blocks until it says so, exits, or `timeout` passes)."""
        if self._ready is None:
            self._ready = self._read_ready(timeout)
            if not self._ready:
                self.stop()
        return self._ready

    def _read_ready(self, timeout: float) -> bool:
        stdout = self.process.stdout
        if stdout is None:
            return False
        deadline = time.monotonic() + timeout
        line = b""
        try:
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([stdout], [], [], left)[0]:
                    return False
                chunk = os.read(stdout.fileno(), 64)
                if not chunk:
                    return False  # the child exited before serving
                line += chunk
        except (OSError, ValueError):
            return False  # stopped meanwhile (the dashboard quit)
        return line == READY

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, wait: bool = True) -> None:
        """Stop the child (end of its stdin, then SIGKILL after `STOP_TIMEOUT`) and clean up;
        without `wait`, the child stops by itself (a thread reaps it)."""
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                with contextlib.suppress(OSError):
                    pipe.close()
        shutil.rmtree(self._dir, ignore_errors=True)
        if not wait:
            threading.Thread(target=self.process.wait, daemon=True).start()
            return
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class CompanionClient:
    """`purrr_cli.client.Client`'s face for the dashboard, served by a `Companion` and, when
    that cannot serve, by the in-process server in this process."""

    def __init__(self, companion: Companion, data_dir: Path) -> None:
        self._companion: Companion | None = companion
        self._data_dir = data_dir
        self._client: Client | None = None
        self._opening = threading.Lock()
        self._closed = False

    def _open(self) -> Client:
        """The client, once the child serves (or this process, if it cannot): the first
        request waits for it, in the dashboard's worker thread."""
        from purrr_cli.errors import UnreachableError

        with self._opening:
            if self._closed:
                raise UnreachableError("the dashboard is closing")
            if self._client is None:
                import httpx

                from purrr_cli.client import Client, ServerChoice

                choice = ServerChoice("in-process", str(self._data_dir), "in-process")
                companion = self._companion
                if companion is not None and companion.wait_ready():
                    uds = str(companion.socket_path)
                    transport = httpx.HTTPTransport(uds=uds, verify=False)
                    self._client = Client(choice=choice, transport=transport)
                elif self._closed:
                    raise UnreachableError("the dashboard is closing")
                else:
                    self._companion = None
                    self._client = Client(choice=choice)
            return self._client

    @property
    def in_child(self) -> bool:
        """Whether requests are served by the child process (False after a fallback)."""
        return self._companion is not None

    def _fall_back(self) -> bool:
        """Serve in this process from now on if the child has died; whether that happened."""
        from purrr_cli.client import Client

        if self._companion is None or self._companion.alive() or self._client is None:
            return False
        self._companion.stop()
        self._companion = None
        choice = self._client.choice
        self._client.close()
        self._client = Client(choice=choice)
        return True

    def stream(self, path: str, **options: Any) -> Any:
        """`Client.stream` on the child's socket (or this process's server after a fallback);
        a child that dies mid-stream is reported as unreachable, and the next stream falls
        back."""
        self._open()
        self._fall_back()
        return self._open().stream(path, **options)

    def _send(self, method: str, *args: Any, retry: bool, **kwargs: Any) -> Any:
        from purrr_cli.errors import UnreachableError

        self._open()
        self._fall_back()
        try:
            return getattr(self._client, method)(*args, **kwargs)
        except UnreachableError:
            # A read is safe to repeat on the fallback; a write may have happened: report it.
            if self._fall_back() and retry:
                return getattr(self._client, method)(*args, **kwargs)
            raise

    def get(self, path: str, **params: Any) -> Any:
        return self._send("get", path, retry=True, **params)

    def get_all(self, path: str, **params: Any) -> list[Any]:
        return list(self._send("get_all", path, retry=True, **params))

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._send("post", path, body, retry=False)

    def close(self) -> None:
        """Close the connection and let the child stop by itself (it finishes what it serves
        and closes the database in the background: quitting does not wait for it)."""
        self._closed = True
        companion, self._companion = self._companion, None
        if companion is not None:
            companion.stop(wait=False)  # also ends a first request still waiting for it
        with self._opening:
            if self._client is not None:
                self._client.close()


# --- the child ------------------------------------------------------------------------------


def _serve(fd: int, data_dir: Path) -> int:
    import logging

    server: list[Any] = []
    told_to_serve, parent_gone = threading.Event(), threading.Event()
    listener = socket.socket(fileno=fd)
    socket_dir = Path(listener.getsockname()).parent

    def follow_parent() -> None:
        """`serve` on stdin: go ahead; end of file: stop (at once if not serving yet)."""
        said = b""
        while chunk := os.read(sys.stdin.fileno(), 1024):
            said += chunk
            if SERVE in said:
                told_to_serve.set()
        parent_gone.set()
        if not told_to_serve.is_set():
            _remove(socket_dir)
            os._exit(0)
        if server:
            server[0].should_exit = True

    threading.Thread(target=follow_parent, daemon=True).start()

    import uvicorn

    from purrr_cli._local import settings
    from purrr_cli.errors import CliError
    from purrr_server.app import create_app

    told_to_serve.wait()
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        app = create_app(settings(data_dir=data_dir), mount_on_demand=True)
    except CliError as exc:
        # The dashboard falls back to its own process, which reports this to the player.
        print(f"purrr tui: the dashboard's server did not start: {exc.message}", file=sys.stderr)
        return 2

    async def app_telling_ready(scope: Any, receive: Any, send: Any) -> None:
        async def send_and_tell(message: Any) -> None:
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                with contextlib.suppress(OSError):  # the dashboard stopped waiting
                    os.write(sys.stdout.fileno(), READY)

        await app(scope, receive, send_and_tell if scope["type"] == "lifespan" else send)

    config = uvicorn.Config(
        app_telling_ready,
        lifespan="on",
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=3,
    )
    server.append(uvicorn.Server(config))
    try:
        if not parent_gone.is_set():  # else it went while the server was being built
            server[0].run(sockets=[listener])
    finally:
        _remove(socket_dir)  # the dashboard does too, unless it was killed
    return 0


def _remove(socket_dir: Path) -> None:
    if socket_dir.name.startswith(SOCKET_DIR_PREFIX):
        shutil.rmtree(socket_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m purrr_cli.tui.companion")
    parser.add_argument("--fd", type=int, required=True, help="the listening Unix socket")
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    return _serve(args.fd, args.data_dir)


if __name__ == "__main__":
    sys.exit(main())
