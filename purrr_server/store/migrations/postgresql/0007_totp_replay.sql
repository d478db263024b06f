-- PostgreSQL form of migrations/0007_totp_replay.sql: the same tables, columns and constraints
-- (INTEGER -> BIGINT, integer ids -> identity columns, REAL -> DOUBLE PRECISION).
-- A TOTP code is accepted once: the last time step used for each user (RFC 6238 §5.2).
ALTER TABLE totp_secrets ADD COLUMN last_step BIGINT NOT NULL DEFAULT 0;

-- Fingerprints used to be a plain SHA-256 of the arguments, the registration password included;
-- they are now computed without secret fields. Old register fingerprints cannot be recomputed
-- (the password is not stored), so they are replaced by a value that identifies nothing.
UPDATE actions SET fingerprint = 'redacted:' || id WHERE name = 'auth.register';
UPDATE idempotency_keys SET fingerprint = 'redacted:' || action_id
    WHERE action_id IN (SELECT id FROM actions WHERE name = 'auth.register');
