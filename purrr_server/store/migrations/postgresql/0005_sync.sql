-- PostgreSQL form of migrations/0005_sync.sql: the same tables, columns and constraints
-- (INTEGER -> BIGINT, integer ids -> identity columns, REAL -> DOUBLE PRECISION).
-- 0005 sync (DESIGN decision 5, docs/sync.md). A server can play both roles: the *remote* (the
-- hosted server other games push to and pull from) and the *local* game linked to a remote.

-- Remote role: the outcome of every mutation a client pushed, applied or rejected, exactly once.
-- An applied mutation is written in the same transaction as its action (and its action-log row);
-- a rejected one in its own. `version` is the global version of that transaction, so a pull
-- after a cursor returns the outcomes decided since. `created` lists the rows the action inserted
-- ([[table, id], …] in order), which resolves later mutations' references to them.
CREATE TABLE sync_mutations (
    user_id BIGINT NOT NULL,
    client_id TEXT NOT NULL,
    mutation_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,          -- of the mutation as sent (name + args)
    status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    result TEXT NOT NULL,               -- the action's result, or the error {code, message, details}
    created TEXT NOT NULL,
    version BIGINT NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, client_id, mutation_id)
);
CREATE INDEX sync_mutations_version ON sync_mutations(user_id, client_id, version);

-- Local role: the link to a remote (one per local game).
CREATE TABLE sync_link (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    user_id BIGINT NOT NULL,           -- the local player
    remote_url TEXT NOT NULL,
    remote_user TEXT NOT NULL,          -- {id, username} of the remote account
    client_id TEXT NOT NULL,
    next_mutation_id BIGINT NOT NULL DEFAULT 1,
    pushed_through BIGINT NOT NULL DEFAULT 0,   -- the remote has processed every id <= this
    cursor BIGINT NOT NULL DEFAULT 0,           -- the remote version pulled through
    interval_seconds BIGINT NOT NULL DEFAULT 300,
    needs_rebuild BIGINT NOT NULL DEFAULT 0,
    linked_at TEXT NOT NULL,
    last_push TEXT,
    last_pull TEXT,
    last_attempt TEXT,
    last_error TEXT,
    failures BIGINT NOT NULL DEFAULT 0
);

-- Local role: actions applied provisionally and not yet acknowledged by a pull, in order. `args`
-- are as sent: references to rows created by earlier pending actions are {"$ref": [id, table, n]}.
CREATE TABLE sync_outbox (
    mutation_id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    seed BIGINT NOT NULL,              -- the provisional outcome's seed (re-applied alike)
    created_at TEXT NOT NULL,
    action_id BIGINT,                  -- the local action-log row of its latest application
    local_status TEXT NOT NULL DEFAULT 'applied' CHECK (local_status IN ('applied', 'failed')),
    remote_status TEXT CHECK (remote_status IN ('applied', 'rejected')),
    remote_result TEXT,
    remote_created TEXT
);

-- Local role: rows created by pending actions (provisional local ids), by creating mutation.
CREATE TABLE sync_provisional (
    table_name TEXT NOT NULL,
    local_id BIGINT NOT NULL,
    mutation_id BIGINT NOT NULL,
    ordinal BIGINT NOT NULL,           -- n-th row of this table the mutation created
    PRIMARY KEY (table_name, local_id)
);
CREATE UNIQUE INDEX sync_provisional_ref ON sync_provisional(mutation_id, table_name, ordinal);

-- Local role: remote ids of rows created by acknowledged mutations that pending ones refer to.
CREATE TABLE sync_ids (
    mutation_id BIGINT NOT NULL,
    table_name TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    remote_id BIGINT NOT NULL,
    PRIMARY KEY (mutation_id, table_name, ordinal)
);

-- Local role: the confirmed state, exactly as the remote sent it (row JSON by table and key).
CREATE TABLE sync_confirmed (
    table_name TEXT NOT NULL,
    row_key TEXT NOT NULL,              -- JSON list of the key columns other than user_id
    data TEXT NOT NULL,
    PRIMARY KEY (table_name, row_key)
);

-- Local role: mutations the remote rejected, kept to show the player.
CREATE TABLE sync_rejections (
    mutation_id BIGINT NOT NULL,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    error TEXT NOT NULL,                -- {code, message, details}
    rejected_at TEXT NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
);
