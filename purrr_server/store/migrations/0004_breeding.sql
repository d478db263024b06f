-- 0004 breeding (SPEC §3): one row per breeding started by a player.
-- Every user-owned table has user_id and row_version (the global version at its last write).

-- A breeding: the pair, the method and its price, the seed every outcome is rolled from, and when
-- it is due. It completes lazily (status pending -> completed | failed) at estimated_completion;
-- `kitten_ids` (JSON list) are the cats it produced, `outcome` (JSON) the litter size, the
-- mutations and, for a failure, why. `coi` is the kittens' exact COI as a fraction ("1/4").
CREATE TABLE breedings (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sire_id INTEGER NOT NULL,
    dam_id INTEGER NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('natural', 'ai_assisted', 'genetic_enhancement')),
    cost INTEGER NOT NULL DEFAULT 0 CHECK (cost >= 0),
    seed INTEGER NOT NULL,
    success_probability TEXT NOT NULL,
    compatibility INTEGER NOT NULL,
    coi TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed')),
    started_at TEXT NOT NULL,
    estimated_completion TEXT NOT NULL,
    completed_at TEXT,
    kitten_ids TEXT NOT NULL DEFAULT '[]',
    outcome TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX breedings_user ON breedings(user_id, id);
CREATE INDEX breedings_due ON breedings(user_id, status, estimated_completion);
