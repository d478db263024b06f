-- 0014 territory (SPEC §1.6, docs/territory.md): ground held by a cat, and its furniture.
-- A place (type + location, compared case-insensitively through location_key) has at most one
-- holder in the whole server: in hosted mode another player's cat may challenge for it. A cat
-- holds at most `limits.territories_per_cat` territories (territory.json); when it is released,
-- its territories are released too and their furniture goes back to the owner's inventory.
CREATE TABLE territories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cat_id INTEGER NOT NULL,
    type TEXT NOT NULL,                        -- an id of purrr_core/data/territory.json types
    location TEXT NOT NULL,
    location_key TEXT NOT NULL,
    furniture TEXT NOT NULL DEFAULT '[]',      -- JSON list of furniture ids, in install order
    claimed_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX territories_place ON territories(type, location_key);
CREATE INDEX territories_cat ON territories(user_id, cat_id);
