"""Running the server: in the foreground (`serve`) or as the local daemon (`start_daemon` …).

The daemon is a detached `python -m purrr_server --data-dir DIR --uds DIR/purrr.sock [--port P]`
with its pid in `DIR/purrr.pid`, its details in `DIR/daemon.json` and its output in
`DIR/server.log`. Stale pid files and sockets (a crashed daemon) are detected and removed.

This module imports nothing heavy at module level: the CLI uses it to start, stop and inspect
the daemon without loading FastAPI.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from purrr_server.settings import Settings

PID_FILE = "purrr.pid"
INFO_FILE = "daemon.json"
SOCKET_FILE = "purrr.sock"
LOG_FILE = "server.log"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
GRACEFUL_SHUTDOWN_SECONDS = 3
KEEP_ALIVE_SECONDS = 30


def pid_path(data_dir: Path) -> Path:
    return Path(data_dir).expanduser() / PID_FILE


def socket_path(data_dir: Path) -> Path:
    return Path(data_dir).expanduser() / SOCKET_FILE


def log_path(data_dir: Path) -> Path:
    """The daemon's log file (uvicorn and server output)."""
    return Path(data_dir).expanduser() / LOG_FILE


def _info_path(data_dir: Path) -> Path:
    return Path(data_dir).expanduser() / INFO_FILE


# --- foreground ------------------------------------------------------------------------------


def _unix_socket(path: Path) -> socket.socket:
    """A listening Unix socket only its owner can use (a stale socket file is replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    return sock


def _tcp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _payments_notice(settings: Settings) -> None:
    """Tell the operator at start-up how deposits are handled on a hosted server."""
    from purrr_server import payments

    notice = payments.startup_notice(settings)
    if notice:
        logging.getLogger("purrr.payments").warning(notice)


#: The environment variable that carries the settings (JSON) to `--workers` processes.
SETTINGS_ENV = "PURRR_SERVER_SETTINGS"
#: The app factory each `--workers` process imports.
WORKER_APP = "purrr_server.daemon:worker_app"


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot serve `settings`, or None when they can."""
    if workers <= 1:
        return None
    if not settings.hosted:
        return (
            f"--workers {workers} needs --hosted: the local server (in-process or the daemon) "
            "is one process by design; run it without --workers"
        )
    database = str(settings.database)
    if database == ":memory:" or "mode=memory" in database:
        return (
            f"--workers {workers} cannot share an in-memory database: each process would have "
            "its own; give a database file (--data-dir) or a PostgreSQL URL"
        )
    return None


class ServeError(ValueError):
    """The server cannot start as asked: the operator's to fix, said in one line."""


def _open_database(settings: Settings) -> None:
    """Create the data dir and migrate the database; one that cannot be opened or reached (a
    wrong URL or password, PostgreSQL down, a read-only directory) is a `ServeError`."""
    import sqlite3

    from purrr_server.runtime import prepare_data_dir

    errors: tuple[type[Exception], ...] = (sqlite3.OperationalError, OSError)
    if isinstance(settings.database, str):
        import psycopg

        errors += (psycopg.OperationalError,)
    try:
        prepare_data_dir(settings)
    except errors as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = "PostgreSQL database" if isinstance(settings.database, str) else "database"
        raise ServeError(
            f"cannot open the {where}: {reason} "
            "(check --database / PURRR_DATABASE_URL, or --data-dir)"
        ) from None


def database_problem(settings: Settings) -> str | None:
    """Why the server cannot open its database, known before it starts (None: it can)."""
    from purrr_server.store.drivers import is_postgresql

    database = settings.database
    if not (isinstance(database, str) and is_postgresql(database)):
        return None
    from importlib.util import find_spec

    missing = [name for name in ("psycopg", "psycopg_pool") if find_spec(name) is None]
    if missing:
        return (
            f"a PostgreSQL database needs its driver ({' and '.join(missing)}), which is not "
            "installed: pip install 'purrr[postgresql]'"
        )
    return None


def worker_app() -> Any:
    """The app of one `--workers` process: settings from `SETTINGS_ENV` (set by `serve`)."""
    from purrr_server.app import create_app
    from purrr_server.settings import Settings

    raw = os.environ.get(SETTINGS_ENV)
    settings = Settings(**json.loads(raw)) if raw else Settings()
    _configure_logging(settings)
    app = create_app(settings)
    app.state.background_sync = True
    return app


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def served_loop(workers: int = 1) -> str:
    """uvicorn's `loop` setting: uvloop with greedy accepts where uvloop is installed
    (`purrr_server.accept`), else uvicorn's own choice. Workers sharing a socket keep uvloop's
    one accept per turn: a worker that accepted greedily would take a whole burst of
    keep-alive connections, and the other workers none of it."""
    if workers > 1:
        return "auto"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "auto"
    from purrr_server.accept import LOOP

    return LOOP


def serve(settings: Settings, workers: int = 1) -> None:
    """Run the server in the foreground until SIGINT/SIGTERM: on `host:port`, on the Unix
    socket `settings.uds`, or on both; with `workers` > 1 (hosted only), in that many processes
    sharing the sockets and the database (uvicorn's supervisor restarts a worker that dies)."""
    import uvicorn

    if settings.uds is None and settings.port is None:
        raise ValueError("nothing to serve on: give a TCP port, a Unix socket, or both")
    problem = workers_problem(settings, workers) or database_problem(settings)
    if problem:
        raise ServeError(problem)
    _configure_logging(settings)
    _open_database(settings)  # migrated once, before any worker starts
    app: Any
    if workers > 1:
        os.environ[SETTINGS_ENV] = settings.model_dump_json()
        app = WORKER_APP
    else:
        from purrr_server.app import create_app

        app = create_app(settings)
        app.state.background_sync = True
    _payments_notice(settings)
    sockets = []
    if settings.uds is not None:
        sockets.append(_unix_socket(settings.uds))
    if settings.port is not None:
        sockets.append(_tcp_socket(settings.host, settings.port))
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port or 0,
        factory=workers > 1,
        workers=workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        lifespan="on",
        server_header=False,
        # X-Forwarded-For / -Proto rewrite the client address only when they come from a proxy
        # the operator named (--forwarded-allow-ips); uvicorn's own default trusts 127.0.0.1.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips),
        # Open event streams never end by themselves: give them a moment, then stop anyway.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # The dashboard and load tests keep connections open between bursts.
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # uvloop letting a burst of new connections in at once (purrr_server.accept)
        loop=served_loop(workers),
    )
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=sockets).run()
        else:
            uvicorn.Server(config).run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()
        if settings.uds is not None:
            with contextlib.suppress(FileNotFoundError):
                settings.uds.unlink()


def backup_database(settings: Settings, destination: Path) -> dict[str, Any]:
    """Copy the SQLite database to `destination` with SQLite's online backup API: a consistent
    copy even while servers write to it (it restarts when a write lands mid-copy). The copy is
    made private (0600) and must not exist yet."""
    import sqlite3

    if not isinstance(settings.database, Path):
        raise ValueError(
            "this server's database is PostgreSQL: back it up with pg_dump "
            "(docs/hosting.md), not backup-db"
        )
    source = settings.db_path
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}: check --data-dir")
    destination = destination.expanduser()
    if destination.exists():
        raise FileExistsError(f"{destination} already exists: give a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    started = time.monotonic()
    try:
        with contextlib.closing(sqlite3.connect(source)) as src:
            src.execute("PRAGMA busy_timeout=10000")
            with contextlib.closing(sqlite3.connect(destination)) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            destination.unlink()
        raise
    return {
        "source": str(source),
        "destination": str(destination),
        "bytes": destination.stat().st_size,
        "seconds": round(time.monotonic() - started, 3),
        "integrity": check,
    }


# --- daemon ----------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether `pid` is a running purrr server (not a recycled pid of another program)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not our daemon
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            return b"purrr_server" in cmdline.read_bytes()
        except OSError:
            return False
    return True


def _read_pid(data_dir: Path) -> int | None:
    try:
        return int(pid_path(data_dir).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _responds(sock_path: Path, timeout: float = 1.0) -> bool:
    """Whether a server answers `GET /health/live` on the Unix socket."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(sock_path))
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: purrr\r\nConnection: close\r\n\r\n")
            return sock.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def _clean(data_dir: Path, *, sock: bool) -> None:
    paths = [pid_path(data_dir), _info_path(data_dir)] + ([socket_path(data_dir)] if sock else [])
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def daemon_status(data_dir: Path) -> dict[str, Any]:
    """Whether the daemon of `data_dir` runs, with its pid, socket, port and log.

    A pid file whose process is gone (or is not a purrr server) and an unanswered socket are
    stale: they are removed and reported as `stale_cleaned`.
    """
    data_dir = Path(data_dir).expanduser()
    pid = _read_pid(data_dir)
    try:
        info = json.loads(_info_path(data_dir).read_text())
    except (FileNotFoundError, ValueError):
        info = {}
    sock = socket_path(data_dir)
    running = pid is not None and _alive(pid)
    stale = False
    if not running and (pid is not None or sock.exists()):
        stale = not _responds(sock) if sock.exists() else True
        if stale:
            _clean(data_dir, sock=True)
    port = info.get("port") if running else None
    return {
        "running": running,
        "pid": pid if running else None,
        "socket": str(sock) if running else None,
        "port": port,
        "url": f"http://127.0.0.1:{port}" if port else None,
        "started_at": info.get("started_at") if running else None,
        "responding": running and _responds(sock),
        "stale_cleaned": stale,
        "data_dir": str(data_dir),
        "log": str(log_path(data_dir)),
    }


def start_daemon(settings: Settings) -> dict[str, Any]:
    """Start the local daemon for `settings.data_dir` (Unix socket, plus TCP when
    `settings.port` is set) and wait until it answers. Returns `daemon_status` of it.

    Raises `RuntimeError` if one is already running or it fails to come up (with the log tail).
    """
    data_dir = settings.data_dir
    status = daemon_status(data_dir)
    if status["running"]:
        raise RuntimeError(f"the purrr daemon is already running (pid {status['pid']})")
    data_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(data_dir)
    command = [
        sys.executable,
        "-m",
        "purrr_server",
        "--data-dir",
        str(data_dir),
        "--uds",
        str(sock),
    ]
    if settings.port is not None:
        command += ["--host", settings.host, "--port", str(settings.port)]
    if settings.hosted:
        command.append("--hosted")
    if not settings.rate_limit:
        command.append("--no-rate-limit")
    with open(log_path(data_dir), "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    pid_path(data_dir).write_text(f"{process.pid}\n")
    _info_path(data_dir).write_text(
        json.dumps(
            {
                "pid": process.pid,
                "socket": str(sock),
                "port": settings.port,
                "started_at": datetime.now(UTC).isoformat(),
                "command": command,
            }
        )
    )
    _wait_until_up(process, sock, data_dir)
    return daemon_status(data_dir)


def _wait_until_up(process: subprocess.Popen[bytes], sock: Path, data_dir: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _clean(data_dir, sock=False)
            raise RuntimeError(
                f"the purrr daemon exited with code {process.returncode}:\n{_log_tail(data_dir)}"
            )
        if sock.exists() and _responds(sock):
            return
        time.sleep(0.05)
    process.kill()
    _clean(data_dir, sock=True)
    raise RuntimeError(
        f"the purrr daemon did not answer within {START_TIMEOUT:.0f} s:\n{_log_tail(data_dir)}"
    )


def _log_tail(data_dir: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path(data_dir).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def stop_daemon(data_dir: Path, timeout: float = STOP_TIMEOUT) -> dict[str, Any]:
    """Stop the daemon of `data_dir` (SIGTERM, then SIGKILL after `timeout` seconds).

    Returns `{"stopped": bool, "pid": …, "forced": bool}`; stopping a daemon that is not
    running is not an error (`stopped` is False).
    """
    status = daemon_status(data_dir)
    pid = status["pid"]
    if not status["running"] or pid is None:
        return {"stopped": False, "pid": None, "forced": False}
    os.kill(pid, signal.SIGTERM)
    forced = not _wait_for_exit(pid, timeout)
    if forced:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_for_exit(pid, timeout)
    _clean(Path(data_dir).expanduser(), sock=True)
    return {"stopped": True, "pid": pid, "forced": forced}


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it if we are its parent
        time.sleep(0.05)
    return not _alive(pid)
