"""Credentials kept on this machine: the OS keyring, or a 0600 file when no keyring works.

One place for both sides: the CLI stores tokens and API keys here (`purrr auth login`,
`purrr remote link`) and the local server's sync engine reads the remote's API key back, from the
keyring or from the same fallback file. Entries live under the keyring service `purrr`, named
`secret_name(kind, server_url)`; the file is `secrets.json` in the config directory
(`$PURRR_CONFIG_DIR` or `~/.purrr`). `PURRR_NO_KEYRING=1` forces the file. Standard library only,
so the CLI can import it without loading the server (`keyring` is imported on first use).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

SERVICE = "purrr"
SECRETS_FILE = "secrets.json"


def config_dir() -> Path:
    """`$PURRR_CONFIG_DIR`, else `~/.purrr`."""
    override = os.environ.get("PURRR_CONFIG_DIR")
    return Path(override).expanduser() if override else Path.home() / ".purrr"


def secret_name(kind: str, server_url: str) -> str:
    """The entry for a credential of `kind` ("token" or "api_key") on a server."""
    return f"{kind}:{server_url.rstrip('/')}"


def _keyring() -> Any | None:
    """The keyring module when a real backend works, else None (imported only when needed)."""
    if os.environ.get("PURRR_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def secrets_path() -> Path:
    return config_dir() / SECRETS_FILE


def _read_secret_file() -> dict[str, str]:
    try:
        data = json.loads(secrets_path().read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_secret_file(data: dict[str, str]) -> None:
    path = secrets_path()
    first_time = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.chmod(path, 0o600)
    if first_time:
        sys.stderr.write(
            f"warning: no working OS keyring; secrets are kept in {path} (mode 0600)\n"
        )


def get_secret(name: str) -> str | None:
    ring = _keyring()
    if ring is not None:
        value: str | None = ring.get_password(SERVICE, name)
        return value
    return _read_secret_file().get(name)


def set_secret(name: str, value: str) -> None:
    ring = _keyring()
    if ring is not None:
        ring.set_password(SERVICE, name, value)
        return
    _write_secret_file({**_read_secret_file(), name: value})


def delete_secret(name: str) -> bool:
    """Forget a secret; True when one was stored."""
    ring = _keyring()
    if ring is not None:
        if ring.get_password(SERVICE, name) is None:
            return False
        ring.delete_password(SERVICE, name)
        return True
    data = _read_secret_file()
    if name not in data:
        return False
    del data[name]
    _write_secret_file(data)
    return True
