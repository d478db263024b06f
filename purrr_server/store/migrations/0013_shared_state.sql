-- 0013 shared state (docs/hosting.md): what several server processes on one database must agree
-- on lives in the database, not in one process's memory.

-- Rate-limit counters per subject ('user:<id>') and fixed window (epoch seconds of its start).
-- Each process counts in memory and adds its counts here at most once a second
-- (purrr_server/ratelimit.py), reading back the total of every process.
CREATE TABLE rate_limit_counters (
    subject TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    violations INTEGER NOT NULL,
    PRIMARY KEY (subject, window_start)
);
CREATE INDEX rate_limit_counters_window ON rate_limit_counters(window_start);

-- Failed logins per (lower-cased username, client address), at epoch seconds: the lockout after
-- repeated failures holds on every process. Rows older than the lockout are removed as new ones
-- come in.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    ip TEXT NOT NULL,
    failed_at REAL NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures(username, ip, failed_at);
