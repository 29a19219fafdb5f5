-- Lot by risk % and copy existing positions (issue 15): a follower may size each copy to lose lot_value % of its equity
-- at the copy's stop loss (domain/lots.py risk_volume). lot_value holds the percent then.

ALTER TABLE trading_accounts DROP CONSTRAINT trading_accounts_lot_mode_check;
ALTER TABLE trading_accounts ADD CONSTRAINT trading_accounts_lot_mode_check
    CHECK (lot_mode IN ('FIXED', 'MULTIPLIER', 'EQUITY_RATIO', 'RISK_PERCENT'));
ALTER TABLE trading_accounts ADD CONSTRAINT trading_accounts_risk_percent_check
    CHECK (lot_mode <> 'RISK_PERCENT' OR lot_value <= 100);

-- Copy existing positions when the follower starts following a master or resumes from pause
-- (engine/resync.py): off by default; master trades at most N minutes old, at most X points
-- from the master's open price.
ALTER TABLE trading_accounts
    ADD COLUMN copy_existing boolean NOT NULL DEFAULT false,
    ADD COLUMN copy_existing_max_age_minutes integer NOT NULL DEFAULT 60
        CHECK (copy_existing_max_age_minutes BETWEEN 1 AND 10080),
    ADD COLUMN copy_existing_max_points integer NOT NULL DEFAULT 100
        CHECK (copy_existing_max_points BETWEEN 1 AND 100000);
