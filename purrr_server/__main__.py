"""`python -m purrr_server`: run the server in the foreground (the daemon runs this too).

Options override `PURRR_*` environment variables; anything not given comes from the environment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m purrr_server", description="Run the purrr API server."
    )
    parser.add_argument("--data-dir", type=Path, help="data directory (PURRR_DATA_DIR)")
    parser.add_argument("--host", help="TCP host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 8642; with --uds: none)")
    parser.add_argument("--uds", type=Path, help="serve on this Unix socket")
    parser.add_argument("--hosted", action="store_true", help="many accounts, rate limits, CORS")
    parser.add_argument("--no-rate-limit", action="store_true", help="disable rate limits")
    parser.add_argument(
        "--allow-sandbox-payments",
        action="store_true",
        help="hosted test servers only: let deposits use the sandbox provider (free money)",
    )
    parser.add_argument(
        "--allow-game-uploads",
        action="store_true",
        help="hosted: accept uploaded games (backup restore, a link's 'keep local'); a backup"
        " sets every balance, so only for servers whose players you trust",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        help="allowed CORS origin (repeatable; hosted mode)",
    )
    parser.add_argument(
        "--forwarded-allow-ips",
        help="comma-separated proxy addresses/networks (or '*') whose X-Forwarded-For is "
        "trusted; default none",
    )
    parser.add_argument(
        "--max-body-bytes", type=int, help="largest request body accepted (default 1048576)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="hosted: serve with this many processes sharing the database (default 1)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument("--log-level", help="debug, info, warning, error")
    return parser.parse_args(argv)


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for `Settings` from the parsed options (only those given)."""
    overrides: dict[str, Any] = {
        key: value
        for key, value in (
            ("data_dir", args.data_dir),
            ("host", args.host),
            ("port", args.port),
            ("uds", args.uds),
            ("cors_origins", args.cors_origins),
            ("log_level", args.log_level),
            ("max_body_bytes", args.max_body_bytes),
            ("forwarded_allow_ips", split_list(args.forwarded_allow_ips)),
        )
        if value is not None
    }
    if args.uds is not None and args.port is None:
        overrides["port"] = None
    if args.hosted:
        overrides["hosted"] = True
    if args.no_rate_limit:
        overrides["rate_limit"] = False
    if args.access_log:
        overrides["access_log"] = True
    if args.allow_sandbox_payments:
        overrides["allow_sandbox_payments"] = True
    if args.allow_game_uploads:
        overrides["allow_game_uploads"] = True
    return overrides


def split_list(value: str | None) -> list[str] | None:
    """`"a, b"` → `["a", "b"]` (None stays None: not given)."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    from purrr_server.daemon import serve
    from purrr_server.settings import Settings

    args = parse_args(argv)
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        serve(Settings(**settings_overrides(args)), workers=args.workers)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
