-- 0018 The player's time zone (docs/time.md): an IANA name (`Europe/Berlin`) or a fixed offset
-- (`UTC+01:00`) set with `account.timezone`; NULL reads the server's zone. The Night Watch window,
-- time-of-day schedules and daily quest resets of that player follow it.
ALTER TABLE users ADD COLUMN timezone TEXT;
