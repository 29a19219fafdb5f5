-- Risk guards per follower (issue 15): the limits, the follower's control switch, the baseline
-- the guards measure against, and every trip as a stored event with its figures.

CREATE TABLE follower_risk (
    account_id    bigint PRIMARY KEY REFERENCES trading_accounts (id) ON DELETE CASCADE,
    -- The guard settings as JSON (db/risk.py writes and reads it; the domain validates it).
    limits        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(limits) = 'object'),
    control       text NOT NULL DEFAULT 'ACTIVE'
                  CHECK (control IN ('ACTIVE', 'CLOSE_ONLY', 'PAUSED')),
    control_at    timestamptz,
    -- Baseline: NULL until the first account report after the guards were set (or re-based).
    start_balance numeric(18, 2),
    equity_peak   numeric(18, 2),
    day           date,
    day_open      numeric(18, 2),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((start_balance IS NULL) = (equity_peak IS NULL)),
    CHECK ((day IS NULL) = (day_open IS NULL))
);

CREATE TABLE risk_trips (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('EQUITY_FLOOR', 'DRAWDOWN', 'DAILY_LOSS',
                                               'DAILY_LOSS_PCT', 'DAILY_PROFIT_TARGET',
                                               'MARGIN_LEVEL')),
    action       text NOT NULL CHECK (action IN ('SKIP_NEW', 'CLOSE_ONLY', 'CLOSE_ALL_AND_PAUSE')),
    value        numeric(20, 4) NOT NULL,
    limit_value  numeric(20, 4) NOT NULL,
    reason       text NOT NULL,
    tripped_at   timestamptz NOT NULL,
    holds_until  timestamptz,
    -- How it ended: USER (reset from the API), PERIOD_END (the day boundary passed),
    -- RECOVERED (a SKIP_NEW trip whose figure came back inside its limit).
    reset_at     timestamptz,
    reset_by     text CHECK (reset_by IN ('USER', 'PERIOD_END', 'RECOVERED')),
    CHECK ((reset_at IS NULL) = (reset_by IS NULL)),
    CHECK (holds_until IS NULL OR holds_until > tripped_at)
);
-- Once per episode: at most one trip of each guard holds at a time.
CREATE UNIQUE INDEX risk_trips_active ON risk_trips (account_id, kind) WHERE reset_at IS NULL;
CREATE INDEX risk_trips_account ON risk_trips (account_id, id DESC);
