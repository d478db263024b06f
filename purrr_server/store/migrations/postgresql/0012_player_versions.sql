-- PostgreSQL form of migrations/0012_player_versions.sql: the same tables, columns and constraints
-- (INTEGER -> BIGINT, integer ids -> identity columns, REAL -> DOUBLE PRECISION).
-- 0012 per-player versions (docs/architecture.md, "The store"). Each player has a version
-- counter; a write transaction acting for a player bumps that player's counter only, and every
-- row it writes stores the new value as its row_version. The counter is the player's sync
-- cursor and live-events cursor; the global counter (meta.version) is gone.
--
-- Existing players start from the old global version: it is above every row_version and event
-- version they have, so the cursors their clients hold stay valid and nothing is re-sent or
-- skipped. user_id 0 is the counter of writes that act for no player.

CREATE TABLE player_versions (
    user_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO player_versions (user_id, version)
    SELECT id, (SELECT value FROM meta WHERE key = 'version') FROM users;
DROP TABLE meta;
