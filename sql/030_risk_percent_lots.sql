-- Lot by risk % (issue 15): a follower may size each copy to lose lot_value % of its equity
-- at the copy's stop loss (domain/lots.py risk_volume). lot_value holds the percent then.

ALTER TABLE trading_accounts DROP CONSTRAINT trading_accounts_lot_mode_check;
ALTER TABLE trading_accounts ADD CONSTRAINT trading_accounts_lot_mode_check
    CHECK (lot_mode IN ('FIXED', 'MULTIPLIER', 'EQUITY_RATIO', 'RISK_PERCENT'));
ALTER TABLE trading_accounts ADD CONSTRAINT trading_accounts_risk_percent_check
    CHECK (lot_mode <> 'RISK_PERCENT' OR lot_value <= 100);
