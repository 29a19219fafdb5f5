-- Balance and equity over time per account (issue 17), from the EAs' ACCOUNT reports,
-- downsampled: one row per account and minute (UTC), not one per report. A row keeps the
-- minute's last balance and equity, the lowest and highest equity reported in it and the
-- largest fall from a high to a later low inside the minute, so a drawdown is not lost. docs/api.md "Equity" says how the API buckets it.
CREATE TABLE equity_points (
    account_id bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    minute     timestamptz NOT NULL CHECK (date_trunc('minute', minute) = minute),
    balance    numeric(18, 2) NOT NULL,
    equity     numeric(18, 2) NOT NULL,
    equity_min numeric(18, 2) NOT NULL,
    equity_max numeric(18, 2) NOT NULL,
    drawdown   numeric(18, 2) NOT NULL DEFAULT 0 CHECK (drawdown >= 0),
    reports    integer NOT NULL DEFAULT 1 CHECK (reports > 0),
    PRIMARY KEY (account_id, minute),
    CHECK (equity_min <= equity AND equity <= equity_max)
);
