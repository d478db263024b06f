-- 0011 health devices (SPEC §9, docs/devices.md): devices registered per cat and their readings.
-- Both tables are local only (a device key is a credential of the server that issued it).

-- A device: its type, a label and the SHA-256 of its key (`pd_` + 64 hex, shown once). A cat is
-- named by its id and its created_at, so a device never follows a reused id to another cat; the
-- device is invisible once its cat is released.
CREATE TABLE cat_devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cat_id INTEGER NOT NULL,
    cat_created_at TEXT NOT NULL,
    device_type TEXT NOT NULL,                 -- an id of purrr_core/data/devices.json
    name TEXT NOT NULL,
    key_prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_reading_at TEXT,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cat_devices_cat ON cat_devices(user_id, cat_id, id);

-- A reading: the metrics (JSON object, validated against purrr_core/data/devices.json), where it
-- came from (a real device with its key, or the sandbox's simulated device) and the alerts it
-- raised (JSON list; alert_count for the alerts read). Removing a device removes its readings.
CREATE TABLE cat_device_readings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id INTEGER NOT NULL REFERENCES cat_devices(id) ON DELETE CASCADE,
    cat_id INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('device', 'simulated')),
    measured_at TEXT NOT NULL,
    metrics TEXT NOT NULL,
    alerts TEXT NOT NULL DEFAULT '[]',
    alert_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cat_device_readings_device ON cat_device_readings(device_id, measured_at, id);
CREATE INDEX cat_device_readings_alerts ON cat_device_readings(user_id, cat_id, alert_count, measured_at);
