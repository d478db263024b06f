"""`purrr server …`: run the API in the foreground, or manage the local daemon (purrr_server.daemon)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli import config
from purrr_cli.client import choose_server
from purrr_cli.commands.server_oauth import app as oauth_client_app
from purrr_cli.commands.server_withdrawals import app as withdrawals_app
from purrr_cli.errors import CliError, ConflictError, UsageError
from purrr_cli.output import PurrrTyper, examples, message, options, render

app = PurrrTyper(
    help="Run, start, stop and inspect the purrr server.\n\n"
    "Without a server URL the CLI uses the local daemon when it runs, else an in-process server."
)


def _settings(**overrides: Any) -> Any:
    from purrr_cli._local import settings

    return settings(**overrides)


def _data_dir() -> Path:
    from purrr_cli._local import usable_data_dir

    return usable_data_dir()


def _check_port_free(host: str, port: int) -> None:
    """Refuse a TCP port something else listens on, before the server tries and fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConflictError(
                f"cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()}; "
                "choose another --port",
                code="PORT_IN_USE",
                details={"field": "--port", "value": port},
            ) from None


def _daemon() -> Any:
    from purrr_server import daemon

    return daemon


def _plain(value: Any) -> Any:
    """A daemon function's result as JSON-ready data (dicts, dataclasses, pydantic models)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return value


@app.command(
    epilog=examples(
        "purrr server run",
        "purrr server run --host 0.0.0.0 --port 8642 --hosted",
        "purrr server run --data-dir /srv/purrr --hosted --no-rate-limit   # for load tests",
        "purrr server run --hosted --forwarded-allow-ips 10.0.0.5   # behind that proxy",
        "purrr server run --hosted --host 0.0.0.0 --workers 4   # 4 processes, one database",
        "purrr server run --hosted --database postgresql://purrr@db.internal/purrr",
    )
)
def run(
    host: Annotated[str | None, typer.Option(help="Listen address (default 127.0.0.1).")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="TCP port, 1-65535 (default 8642).")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where the database lives (default ~/.purrr/data)."),
    ] = None,
    hosted: Annotated[
        bool, typer.Option("--hosted", help="Many accounts, rate limits, logins.")
    ] = False,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Hosted only: a postgresql:// URL (also PURRR_DATABASE_URL). "
            "Default: the SQLite file in the data dir.",
        ),
    ] = None,
    no_rate_limit: Annotated[
        bool, typer.Option("--no-rate-limit", help="Turn rate limits off (benchmarks).")
    ] = False,
    allow_sandbox_payments: Annotated[
        bool,
        typer.Option(
            "--allow-sandbox-payments",
            help="Hosted test servers only: deposits through the sandbox provider (free money).",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Proxies (comma-separated addresses or networks, or '*') whose "
            "X-Forwarded-For is trusted. Default: none; the peer is the client.",
        ),
    ] = None,
    max_body_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-body-bytes", min=1024, help="Largest request body accepted (default 1 MiB)."
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Hosted only: serve with this many processes sharing the database "
            "(docs/hosting.md).",
        ),
    ] = 1,
) -> None:
    """Run the server in the foreground (Ctrl-C stops it)."""
    if database is not None and not hosted:
        raise UsageError(
            "--database is for hosted servers: add --hosted "
            "(the local game and the daemon use the SQLite file in the data dir)",
            details={"field": "--database", "value": database},
        )
    overrides = {
        "host": host,
        "port": port,
        "data_dir": data_dir,
        "hosted": hosted or None,
        "rate_limit": False if no_rate_limit else None,
        "allow_sandbox_payments": allow_sandbox_payments or None,
        "forwarded_allow_ips": [p.strip() for p in forwarded_allow_ips.split(",") if p.strip()]
        if forwarded_allow_ips is not None
        else None,
        "max_body_bytes": max_body_bytes,
        "database_url": database,
    }
    settings = _settings(**{k: v for k, v in overrides.items() if v is not None})
    daemon = _daemon()
    problem = daemon.workers_problem(settings, workers)
    if problem:
        raise UsageError(problem, details={"field": "--workers", "value": workers})
    problem = daemon.database_problem(settings)
    if problem:
        raise UsageError(problem, details={"field": "--database"})
    if settings.port is not None:
        _check_port_free(settings.host, settings.port)
    try:
        daemon.serve(settings, workers=workers)
    except daemon.ServeError as exc:
        raise UsageError(str(exc)) from None


@app.command(
    "backup-db",
    epilog=examples(
        "purrr server backup-db /backups/purrr-$(date +%F).db",
        "purrr server backup-db copy.db --data-dir /srv/purrr --json",
    ),
)
def backup_db(
    path: Annotated[Path, typer.Argument(help="The new file to write (must not exist).")],
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Whose database (default ~/.purrr/data)."),
    ] = None,
) -> None:
    """Copy the server's SQLite database to PATH, safely while servers are running.

    Uses SQLite's online backup API (a consistent snapshot, checked with quick_check). For a
    PostgreSQL database use pg_dump (docs/hosting.md)."""
    settings = _settings(**({"data_dir": data_dir} if data_dir is not None else {}))
    try:
        result = _daemon().backup_database(settings, path)
    except FileExistsError as exc:
        raise ConflictError(str(exc), details={"field": "PATH", "value": str(path)}) from None
    except (FileNotFoundError, OSError) as exc:
        raise CliError(str(exc), details={"field": "--data-dir"}) from None
    message(f"backed up {result['bytes']} bytes to {result['destination']}")
    if options.json:
        render(result)


@app.command(epilog=examples("purrr server start", "purrr server start --port 8642"))
def start(
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Also listen on this loopback TCP port (1-65535)."),
    ] = None,
) -> None:
    """Start the local daemon in the background (Unix socket in the data dir)."""
    # Socket only, unless a TCP port is asked for (here or by config daemon_port).
    settings = _settings(port=port or config.load().get("daemon_port"))
    daemon = _daemon()
    if daemon.daemon_status(settings.data_dir)["running"]:
        raise ConflictError("the purrr daemon is already running; stop it: purrr server stop")
    if settings.port is not None:
        _check_port_free(settings.host, settings.port)
    try:
        result = daemon.start_daemon(settings)
    except RuntimeError as exc:
        already = "already running" in str(exc)
        if already:
            raise ConflictError(str(exc)) from None
        raise CliError(
            _first_line_and_cause(str(exc), daemon.log_path(settings.data_dir))
        ) from None
    message(f"purrr daemon started (pid {result.get('pid')}) on {result.get('socket')}")
    render(_plain(result))


def _first_line_and_cause(text: str, log: Path) -> str:
    """A failed start in one line: what happened and the error that ended the daemon's log."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    cause = next((line for line in reversed(lines[1:]) if not line.startswith("File ")), "")
    head = lines[0].rstrip(":") if lines else "the purrr daemon did not start"
    return f"{head}: {cause} (log: {log})" if cause else f"{head} (log: {log})"


@app.command(epilog=examples("purrr server stop"))
def stop() -> None:
    """Stop the local daemon (not running is fine)."""
    result = _plain(_daemon().stop_daemon(_data_dir()))
    message("purrr daemon stopped" if result.get("stopped") else "purrr daemon was not running")
    if options.json:
        render(result)


@app.command(epilog=examples("purrr server status", "purrr server status --json"))
def status() -> None:
    """Say which server the CLI uses, and whether the local daemon runs."""
    choice = choose_server(options.server)
    daemon = _plain(_daemon().daemon_status(_data_dir()))
    render({"server": choice.describe(), "using": choice.as_dict(), "daemon": daemon})


@app.command(
    epilog=examples(
        "purrr server logs",
        "purrr server logs --lines 100",
        "purrr server logs --json | jq -r '.[]'",
    )
)
def logs(
    lines: Annotated[
        int, typer.Option("--lines", "-n", min=1, help="How many lines from the end.")
    ] = 50,
) -> None:
    """Print the end of the daemon's log file (with --json, an array of lines)."""
    path = _daemon().log_path(_data_dir())
    if not path.exists():
        message(f"no log yet at {path}")
        if options.json:
            render([])
        return
    tail = path.read_text("utf-8", errors="replace").splitlines()[-lines:]
    if options.json:
        render(tail)
        return
    for line in tail:
        typer.echo(line)


app.add_typer(oauth_client_app, name="oauth-client")
app.add_typer(withdrawals_app, name="withdrawals")
