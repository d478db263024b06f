-- 0016 OAuth2 for third-party clients in hosted mode (SPEC §7, docs/oauth.md): registered clients,
-- authorization codes (PKCE S256) and access/refresh tokens. Only SHA-256 digests of secrets are
-- stored. All three tables are local only: they are credentials of the server that issued them.

-- A client registered by an operator. `secret_hash` is NULL for a public client (PKCE only);
-- `user_id` is the account a confidential client's client-credentials tokens act as (NULL: the
-- client may not use that grant). `scopes` (JSON list) is the most it may ask for.
CREATE TABLE oauth_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0
);

-- A code a player approved: single use (used_at), short-lived, bound to the client, the redirect
-- URI and the PKCE challenge. `family` names every token issued from it (revoked together).
CREATE TABLE oauth_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash TEXT NOT NULL UNIQUE,
    client_ref INTEGER NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    family TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);

-- Access and refresh tokens. A refresh token is rotated on use (rotated_at); presenting a rotated
-- one again revokes its whole family. Revoked tokens keep their row until they expire.
CREATE TABLE oauth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    client_ref INTEGER NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    family TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    rotated_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oauth_tokens_family ON oauth_tokens(family);
CREATE INDEX oauth_codes_family ON oauth_codes(family);
