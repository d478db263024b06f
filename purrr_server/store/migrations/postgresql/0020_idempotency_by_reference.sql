-- 0020 an Idempotency-Key's response is rebuilt from its action-log row (the SQLite form says
-- why and how): `response` may be NULL, and the key keeps the first response's request id.
ALTER TABLE idempotency_keys ALTER COLUMN response DROP NOT NULL;
ALTER TABLE idempotency_keys ADD COLUMN request_id TEXT;
