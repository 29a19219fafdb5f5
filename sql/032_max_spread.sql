-- Price guard, max spread (issue 15): the follower EA refuses to open a copy while its own
-- spread (ask - bid, in points) is wider than this; 0 = no limit (the default).
ALTER TABLE trading_accounts
    ADD COLUMN max_spread_points integer NOT NULL DEFAULT 0
        CHECK (max_spread_points BETWEEN 0 AND 100000);
