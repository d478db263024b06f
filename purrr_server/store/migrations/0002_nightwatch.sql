-- 0002 night watch (SPEC §2): one system row per player, patrols, protection zones, community alerts.
-- Every user-owned table has user_id and row_version (the global version at its last write).

-- The player's night-watch system: running totals, reputation, achievements and per-cat
-- specializations (purrr_core.nightwatch.NightWatchRecord as JSON) and the seed of the nights'
-- weather. Coins live in the economy's wallet and ledger (0003), not here.
CREATE TABLE night_watch_systems (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    record TEXT NOT NULL,
    night_seed INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);

-- A patrol: its deployment snapshot and everything simulated so far (purrr_core Patrol as JSON).
-- `settled` = its XP, injuries and totals have been applied (once, when it ended).
CREATE TABLE night_patrols (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'recalled')),
    area TEXT NOT NULL,
    seed INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    ended_at TEXT,
    settled INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX night_patrols_user ON night_patrols(user_id, id);
CREATE INDEX night_patrols_active ON night_patrols(user_id, status);

CREATE TABLE protection_zones (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    radius INTEGER NOT NULL CHECK (radius BETWEEN 25 AND 200),
    cost INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX protection_zones_user ON protection_zones(user_id, id);

-- Community alerts raised by patrols (bobcat_sighting, stray_in_danger, emergency).
CREATE TABLE community_alerts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    patrol_id INTEGER NOT NULL REFERENCES night_patrols(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    npc_responders INTEGER NOT NULL,
    npc_response_minutes INTEGER,
    responded_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0,
    UNIQUE (patrol_id, seq)
);
CREATE INDEX community_alerts_user ON community_alerts(user_id, id);
