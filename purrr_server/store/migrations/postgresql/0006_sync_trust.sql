-- PostgreSQL form of migrations/0006_sync_trust.sql: the same tables, columns and constraints
-- (INTEGER -> BIGINT, integer ids -> identity columns, REAL -> DOUBLE PRECISION).
-- 0006 sync you can trust (docs/sync.md): one sync per account at a time, and what the local
-- game learnt about its remote (protocol, clock, agreement checks).

-- Remote role: the device of an account that is syncing now. Every push and pull takes or
-- renews the lease (it is free, expired, or already this client's); the last pull of a sync
-- releases it. Another client of the account meanwhile is told SYNC_BUSY.
CREATE TABLE sync_leases (
    user_id BIGINT PRIMARY KEY,
    client_id TEXT NOT NULL,
    expires_at TEXT NOT NULL            -- the remote's clock (ISO 8601, UTC)
);

-- Local role: the last agreement check (per-table hashes of the confirmed state against the
-- remote's), re-pulls after a disagreement, and the remote's clock and protocol.
ALTER TABLE sync_link ADD COLUMN last_check TEXT;
ALTER TABLE sync_link ADD COLUMN last_check_ok BIGINT;
ALTER TABLE sync_link ADD COLUMN mismatches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_link ADD COLUMN last_repull TEXT;           -- {at, tables, backup} JSON
ALTER TABLE sync_link ADD COLUMN clock_skew_seconds DOUBLE PRECISION;
ALTER TABLE sync_link ADD COLUMN remote_protocol TEXT;       -- {version, min, max} JSON
