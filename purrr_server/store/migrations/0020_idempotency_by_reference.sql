-- 0020 an Idempotency-Key's response is rebuilt from its action-log row (docs/architecture.md,
-- "Performance"). A key's row repeated the whole response body (~1.3 KB for a cat), which the
-- action-log row of the same action holds too: two WAL pages of every keyed write. A new key
-- stores the response's own part, its request id, and `response` stays NULL: the body is
-- `{"success":true,"data":<actions.result>,"meta":{"request_id":…,"timestamp":<actions.created_at>}}`,
-- byte for byte what was sent (purrr_server/store/idempotency.py). A key whose response cannot
-- be rebuilt that way (a result only the standard library encodes) keeps the body, and so do
-- the rows stored before this migration. Before an action-log row is rewritten or deleted (a
-- sync renumbering, a restore), the keys that point at it store their body in full.
--
-- SQLite: the table becomes WITHOUT ROWID, clustered on its primary key (one b-tree instead of
-- the rowid table and its key index), and `response` may be NULL; rebuilt the documented way.
CREATE TABLE idempotency_keys_0020 (
    user_id INTEGER NOT NULL,       -- 0 for anonymous requests (register, login)
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    action_id INTEGER,
    status_code INTEGER NOT NULL,
    response TEXT,                  -- the body; NULL: rebuilt from the action-log row
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0,
    request_id TEXT,                -- the first response's request id (when `response` is NULL)
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
INSERT INTO idempotency_keys_0020
    (user_id, key, fingerprint, action_id, status_code, response, created_at, row_version)
    SELECT user_id, key, fingerprint, action_id, status_code, response, created_at, row_version
    FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_0020 RENAME TO idempotency_keys;
