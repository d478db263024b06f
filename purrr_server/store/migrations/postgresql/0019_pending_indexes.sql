-- 0019 the lazy-work checks (docs/architecture.md, "Performance"). Every cat read and every
-- action on a cat asks whether the player has patrols not yet settled (`settled = 0`); the
-- existing indexes cover (user_id, id) and (user_id, status) only, so that check read every
-- patrol the player ever ran. Pending breedings are found through breedings_due already.
CREATE INDEX night_patrols_unsettled ON night_patrols(user_id, settled);
