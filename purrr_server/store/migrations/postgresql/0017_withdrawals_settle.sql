-- 0017 withdrawals that settle (docs/economy.md): new states and the payout's details.
-- (The SQLite form, 0017_withdrawals_settle.py, rebuilds the table to change its CHECK.)

UPDATE withdrawals SET status = 'settled' WHERE status = 'completed';
ALTER TABLE withdrawals DROP CONSTRAINT IF EXISTS withdrawals_status_check;
ALTER TABLE withdrawals ADD CONSTRAINT withdrawals_status_check
    CHECK (status IN ('pending', 'processing', 'settled', 'failed', 'cancelled', 'rejected'));
ALTER TABLE withdrawals ADD COLUMN provider TEXT;
ALTER TABLE withdrawals ADD COLUMN payout_id TEXT;
ALTER TABLE withdrawals ADD COLUMN submitted_at TEXT;
ALTER TABLE withdrawals ADD COLUMN finished_at TEXT;
ALTER TABLE withdrawals ADD COLUMN failure_reason TEXT;
CREATE INDEX withdrawals_open ON withdrawals(status, id) WHERE status IN ('pending', 'processing');
