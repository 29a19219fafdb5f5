-- Pending orders (issue 15, docs/protocol.md §7a/§9a): the masters' limit and stop orders and
-- one row per (order, follower) saying what became of its copy.

CREATE TABLE master_orders (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    ticket        bigint NOT NULL CHECK (ticket > 0),
    symbol        text NOT NULL CHECK (length(symbol) BETWEEN 1 AND 32),
    order_type    text NOT NULL CHECK (order_type IN ('BUY_LIMIT', 'SELL_LIMIT', 'BUY_STOP',
                                       'SELL_STOP', 'BUY_STOP_LIMIT', 'SELL_STOP_LIMIT')),
    price         numeric(20, 8) NOT NULL CHECK (price >= 0),
    volume        numeric(14, 4) NOT NULL CHECK (volume > 0),
    sl            numeric(20, 8) NOT NULL DEFAULT 0 CHECK (sl >= 0),
    tp            numeric(20, 8) NOT NULL DEFAULT 0 CHECK (tp >= 0),
    stoplimit     numeric(20, 8) NOT NULL DEFAULT 0 CHECK (stoplimit >= 0),
    expiration_ms bigint NOT NULL DEFAULT 0 CHECK (expiration_ms >= 0),
    -- PLACED: live on the master; FILLED: its position is master_trades (same ticket);
    -- CANCELLED / EXPIRED: ended without filling.
    status        text NOT NULL DEFAULT 'PLACED'
                  CHECK (status IN ('PLACED', 'FILLED', 'CANCELLED', 'EXPIRED')),
    trade_id      bigint REFERENCES master_trades (id) ON DELETE SET NULL,
    placed_at     timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    ended_at      timestamptz,
    UNIQUE (account_id, ticket)
);
CREATE INDEX master_orders_live ON master_orders (account_id) WHERE status = 'PLACED';

CREATE TABLE order_pairs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id      bigint NOT NULL REFERENCES master_orders (id) ON DELETE CASCADE,
    account_id    bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    -- PENDING: decided, ORDER sent or waiting for the follower's login; PLACED: ACK_ORDER;
    -- FILLED: the master's order filled (the copy is now the trade pair of that ticket);
    -- CANCELLED: removed; FAILED: NACK_ORDER; SKIPPED: the rules or a guard said no.
    status        text NOT NULL
                  CHECK (status IN ('PENDING', 'PLACED', 'FILLED', 'CANCELLED', 'FAILED',
                                    'SKIPPED')),
    symbol        text,
    order_type    text,
    volume        numeric(14, 4) CHECK (volume > 0),
    price         numeric(20, 8),
    sl            numeric(20, 8),
    tp            numeric(20, 8),
    stoplimit     numeric(20, 8),
    expiration_ms bigint,
    slave_ticket  bigint CHECK (slave_ticket > 0),
    reason_code   text,
    reason        text,
    retcode       integer,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, account_id),
    CHECK (status NOT IN ('FAILED', 'SKIPPED') OR reason IS NOT NULL)
);
CREATE INDEX order_pairs_account ON order_pairs (account_id, id DESC);
