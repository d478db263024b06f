-- 0015 multiplayer rooms (SPEC §9, docs/rooms.md): rooms, who is in them, their rounds and their
-- live events. Hosted servers only; nothing here syncs (room_members is declared local only).

-- A room of one type (purrr_core/data/rooms.json); open until its last player leaves.
CREATE TABLE rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    rounds INTEGER NOT NULL DEFAULT 0,
    last_round_at TEXT,
    created_at TEXT NOT NULL,
    closed_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rooms_open ON rooms(status, type, id);

-- A player's cat in a room: present while left_at is NULL (one room per cat, one cat per player
-- and room at a time).
CREATE TABLE room_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cat_id INTEGER NOT NULL,
    joined_at TEXT NOT NULL,
    left_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX room_members_room ON room_members(room_id, left_at, id);
CREATE INDEX room_members_user ON room_members(user_id, left_at, id);
CREATE UNIQUE INDEX room_members_present_cat ON room_members(cat_id) WHERE left_at IS NULL;
CREATE UNIQUE INDEX room_members_present_player ON room_members(room_id, user_id) WHERE left_at IS NULL;

-- A played round: its activity, seed and result (JSON: event or patrol summary and placings).
CREATE TABLE room_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    round INTEGER NOT NULL,
    activity TEXT NOT NULL,
    seed INTEGER NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX room_rounds_room ON room_rounds(room_id, round);

-- What happened in a room (joined, left, round), in global-version order: the room's live channel.
CREATE TABLE room_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms(id),
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX room_events_room ON room_events(room_id, version, id);
