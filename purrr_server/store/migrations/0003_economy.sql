-- 0003 economy, games, quests, store: balances and their ledger, payment charges, withdrawals,
-- inventory, game results (with the seed and cat snapshot that replay them), quest progress and
-- player counters. Money is stored as decimal strings, never REAL.

CREATE TABLE balances (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    currency TEXT NOT NULL,             -- 'COINS' or BTC/ETH/USDC/SOL/XRP
    balance TEXT NOT NULL,              -- Decimal (8 places; integral for COINS)
    locked TEXT NOT NULL DEFAULT '0',   -- reserved by pending withdrawals
    row_version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, currency)
);

-- One row per balance change; action_version = actions.version of the action that caused it.
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    balance_after TEXT NOT NULL,
    reason TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    action_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ledger_user ON ledger_entries(user_id, id);

CREATE TABLE charges (
    charge_id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    data TEXT NOT NULL,                 -- purrr_core.economy.Charge as JSON
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX charges_user ON charges(user_id, created_at);

CREATE TABLE withdrawals (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX withdrawals_user ON withdrawals(user_id, id);

CREATE TABLE inventory (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    row_version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, item_id)
);

CREATE TABLE game_results (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cat_id INTEGER NOT NULL,
    game_type TEXT NOT NULL,
    mode TEXT NOT NULL,                 -- crypto, coins, practice
    crypto_type TEXT,
    entry_fee TEXT NOT NULL,
    win_amount TEXT NOT NULL,
    coins INTEGER NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('win', 'loss')),
    score INTEGER NOT NULL,
    seed INTEGER NOT NULL,              -- with cat_snapshot, played_at and rates: an exact replay
    cat_snapshot TEXT NOT NULL,
    rates TEXT NOT NULL,
    game_data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX game_results_user ON game_results(user_id, id);
CREATE INDEX game_results_game ON game_results(game_type, result);

CREATE TABLE quest_progress (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    quest_id TEXT NOT NULL,
    period TEXT NOT NULL,
    progress TEXT NOT NULL,             -- {requirement id: decimal string}
    completed_at TEXT,
    claimed_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, quest_id)
);
CREATE INDEX quest_progress_quest ON quest_progress(quest_id, period);

-- Player counters: mice_caught, puzzles_completed, explorations_completed, account_xp, …
CREATE TABLE player_counters (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    counter TEXT NOT NULL,
    value INTEGER NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, counter)
);

-- TOTP second factor for withdrawals in hosted mode.
CREATE TABLE totp_secrets (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
