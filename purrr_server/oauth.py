"""OAuth2 for third-party clients in hosted mode (docs/oauth.md): the protocol's primitives.

Secrets (codes, tokens, client secrets) are 256 random bits with a readable prefix and are stored
as SHA-256 digests, like API keys. An access token (`poa_…`) is resolved by `access_credential`
into the same `Credential` an API key resolves to, so `purrr_server.auth` applies one set of
scope, rate-limit and action-policy checks to both. The flows themselves are actions in
`purrr_server.services.oauth`; the routes in `purrr_server.routers.oauth`.

PKCE uses authlib's S256 transform (RFC 7636 §4.2); its server classes are not used because they
call synchronous storage hooks, and every query here goes through the async store inside one
action transaction.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from purrr_server.auth import OAUTH_ACCESS_PREFIX, hash_secret
from purrr_server.envelope import ApiError

if TYPE_CHECKING:
    from purrr_server.runtime import Runtime
    from purrr_server.store.credentials import Credential

ACCESS_PREFIX = OAUTH_ACCESS_PREFIX
REFRESH_PREFIX = "por_"
CODE_PREFIX = "poc_"
CLIENT_ID_PREFIX = "pci_"
CLIENT_SECRET_PREFIX = "pcs_"

ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=30)
#: RFC 6749 §4.1.2 recommends at most ten minutes.
CODE_TTL = timedelta(minutes=5)

#: The scopes a client may be granted: exactly the API key scopes (docs/api.md).
SCOPES = ("read", "write", "admin")

#: RFC 7636 §4.1: 43–128 unreserved characters.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
#: BASE64URL(SHA256(verifier)) without padding: 43 characters.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")

HOSTED_ONLY = (
    "OAuth2 needs a hosted server (purrr server run --hosted); the local server has one player "
    "and no third-party clients"
)


class OAuthError(ApiError):
    """A refusal in RFC 6749 §5.2 terms: `error` (invalid_grant, …) and its description.

    The token and revocation endpoints answer with `{"error", "error_description"}`; elsewhere it
    renders as the usual envelope (BAD_REQUEST, or UNAUTHORIZED for `invalid_client`)."""

    def __init__(self, error: str, description: str) -> None:
        code = "UNAUTHORIZED" if error == "invalid_client" else "BAD_REQUEST"
        super().__init__(code, description, details={"error": error})
        self.error = error
        self.description = description

    @property
    def status(self) -> int:
        return 401 if self.error == "invalid_client" else 400

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_hex(32)


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_hex(12)


def new_family() -> str:
    """Names one grant: every token issued from one code or one client-credentials request."""
    return secrets.token_hex(16)


def is_access_token(secret: str) -> bool:
    return secret.startswith(ACCESS_PREFIX)


def parse_scope(requested: str | None, allowed: Iterable[str], *, what: str) -> list[str]:
    """The scopes asked for (space-separated, RFC 6749 §3.3), each within `allowed`; all of
    `allowed` when none are asked for. Unknown or excess scopes are `invalid_scope`."""
    allowed_set = set(allowed)
    if requested is None or not requested.strip():
        return sorted(allowed_set)
    asked = set(requested.split())
    unknown = sorted(asked - set(SCOPES))
    if unknown:
        raise OAuthError(
            "invalid_scope",
            f"unknown scope {unknown[0]!r}: the scopes are {', '.join(SCOPES)}",
        )
    excess = sorted(asked - allowed_set)
    if excess:
        raise OAuthError(
            "invalid_scope",
            f"scope {excess[0]!r} is more than {what} ({' '.join(sorted(allowed_set)) or 'none'})",
        )
    return sorted(asked)


def scope_text(scopes: Iterable[str]) -> str:
    return " ".join(sorted(scopes))


def valid_challenge(challenge: str) -> bool:
    return bool(_CHALLENGE.match(challenge))


def pkce_matches(verifier: str, challenge: str) -> bool:
    """Whether `verifier` hashes (S256) to `challenge`, compared in constant time."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    if not _VERIFIER.match(verifier):
        return False
    return hmac.compare_digest(create_s256_code_challenge(verifier), challenge)


def secret_matches(stored_hash: str | None, presented: str | None) -> bool:
    """A presented client secret against its stored digest (constant time)."""
    if stored_hash is None or not presented:
        return False
    return hmac.compare_digest(stored_hash, hash_secret(presented))


async def access_credential(runtime: Runtime, digest: str) -> Credential | None:
    """The credential of a live OAuth access token (its client not retired), or None."""
    return await runtime.store.read.oauth.access_credential(digest)


def forget_tokens(runtime: Runtime) -> None:
    """Drop cached OAuth credentials after a revocation, so this process refuses them at once."""
    for digest, (credential, _) in list(runtime.auth_cache.items()):
        if credential.kind == "oauth":
            del runtime.auth_cache[digest]


def check_redirect_uri(value: str) -> str:
    """A registrable redirect URI: absolute, no fragment; https, or http on a loopback host
    (RFC 8252 §7.3), or a private-use scheme of a native app (`com.example.app:/cb`)."""
    from urllib.parse import urlsplit

    value = value.strip()
    parts = urlsplit(value)
    problem = None
    if not parts.scheme or parts.fragment or "#" in value:
        problem = "it must be an absolute URI without a fragment"
    elif parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        problem = "plain http is allowed only on a loopback host (127.0.0.1, localhost, ::1)"
    elif parts.scheme in ("http", "https") and not parts.hostname:
        problem = "it has no host"
    elif parts.scheme in ("javascript", "data", "file"):
        problem = f"the {parts.scheme}: scheme cannot receive a code"
    if problem:
        raise ApiError(
            "VALIDATION_ERROR",
            f"invalid redirect URI {value!r}: {problem}",
            details={"field": "redirect_uris", "value": value},
        )
    return value


def redirect_with(uri: str, params: dict[str, Any]) -> str:
    """`uri` with `params` added to its query (None values left out)."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
