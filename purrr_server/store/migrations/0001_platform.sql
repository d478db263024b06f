-- 0001 platform: accounts, credentials, cats, the action log, idempotency, events, security.
-- Every user-owned table has user_id and row_version (the global version at its last write).

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('version', 0);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email TEXT UNIQUE COLLATE NOCASE,
    password_hash TEXT,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'moderator')),
    tier TEXT NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'premium', 'enterprise')),
    is_local INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_login_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0
);

-- Bearer tokens: sessions from login and the local player's token. Only the SHA-256 is stored.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'local')),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,           -- JSON list: read, write, admin
    allowed_ips TEXT NOT NULL,      -- JSON list of addresses / networks; empty = any
    expires_at TEXT,
    last_used_at TEXT,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE cats (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data TEXT NOT NULL,             -- Cat.model_dump_json()
    version INTEGER NOT NULL,       -- the cat's optimistic-locking counter
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cats_user ON cats(user_id, id);

-- The action log: every state-changing request, with the seed that decided its chances.
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER,
    cat_id INTEGER,
    client_id TEXT,
    mutation_id INTEGER,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'applied',
    result TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX actions_user_cat ON actions(user_id, cat_id, id);
CREATE UNIQUE INDEX actions_mutation ON actions(user_id, client_id, mutation_id)
    WHERE client_id IS NOT NULL AND mutation_id IS NOT NULL;

-- Idempotency-Key -> the stored response of the request that used it first.
CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL,       -- 0 for anonymous requests (register, login)
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    action_id INTEGER,
    status_code INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_user_version ON events(user_id, version);

-- Care interactions, the raw material of behaviour insights (SPEC §8); row_version = the action's version.
CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    cat_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    activity TEXT NOT NULL,
    kind TEXT NOT NULL,
    hour INTEGER NOT NULL,
    happiness_delta INTEGER NOT NULL,
    mood_before INTEGER,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX interactions_user_cat ON interactions(user_id, cat_id, id);

CREATE TABLE tombstones (
    table_name TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    row_version INTEGER NOT NULL,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (table_name, row_id)
);
CREATE INDEX tombstones_user_version ON tombstones(user_id, row_version);

CREATE TABLE security_events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER,
    type TEXT NOT NULL,             -- login_failed, login_locked, rate_limit_ban, forbidden, …
    ip TEXT,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX security_events_user ON security_events(user_id, id);

-- Rate-limit bans survive restarts; per-window counters live in memory.
CREATE TABLE rate_limit_bans (
    subject TEXT PRIMARY KEY,       -- 'user:<id>' or 'ip:<address>'
    banned_until TEXT NOT NULL,
    violations INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
