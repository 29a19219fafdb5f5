-- Core schema: users, trading accounts (with follower copy rules), master trades, trade pairs.
-- Constraints carry the rules that must never be broken, whatever the code does.

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text NOT NULL
                    CHECK (email = btrim(email) AND length(email) BETWEEN 3 AND 254
                           AND email LIKE '_%@_%'),
    hashed_password text NOT NULL CHECK (hashed_password LIKE '$argon2%'),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Case-insensitive uniqueness: Alice@x.com and alice@X.com are one account.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE trading_accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    role            text NOT NULL CHECK (role IN ('master', 'follower')),
    -- SHA-256 of the full key (keys carry >= 128 random bits, so a fast hash is enough);
    -- the prefix is what the UI shows later.
    api_key_hash    bytea NOT NULL UNIQUE CHECK (length(api_key_hash) = 32),
    api_key_prefix  text NOT NULL CHECK (api_key_prefix LIKE 'sk\_live\_%'),
    master_token    text UNIQUE CHECK (master_token ~ '^MST-[A-Za-z0-9_-]{16,64}$'),
    copy_mode       text NOT NULL DEFAULT 'PUBSUB' CHECK (copy_mode IN ('PUBSUB', '1TO1', 'RECORD')),
    partner_id      bigint,
    following_id    bigint,
    is_active       boolean NOT NULL DEFAULT true,
    -- Follower copy rules (ignored for masters).
    lot_mode        text NOT NULL DEFAULT 'MULTIPLIER'
                    CHECK (lot_mode IN ('FIXED', 'MULTIPLIER', 'EQUITY_RATIO')),
    lot_value       numeric(12, 4) NOT NULL DEFAULT 1 CHECK (lot_value > 0),
    reverse         boolean NOT NULL DEFAULT false,
    min_lot_to_copy numeric(12, 4) NOT NULL DEFAULT 0 CHECK (min_lot_to_copy >= 0),
    max_lot         numeric(12, 4) CHECK (max_lot > 0),
    symbol_map      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(symbol_map) = 'object'),
    allowed_symbols text[] NOT NULL DEFAULT '{}',
    blocked_symbols text[] NOT NULL DEFAULT '{}',
    signal_expiry_seconds integer NOT NULL DEFAULT 30
                    CHECK (signal_expiry_seconds BETWEEN 1 AND 86400),
    max_deviation_points integer NOT NULL DEFAULT 0
                    CHECK (max_deviation_points BETWEEN 0 AND 100000),
    stale_open_policy text NOT NULL DEFAULT 'SKIP' CHECK (stale_open_policy IN ('SKIP', 'MARKET')),
    -- NULL until a user edits the rules; until then the follower EA's inputs may seed them.
    rules_updated_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Helper columns so that foreign keys can check the role of the other end.
    following_role  text GENERATED ALWAYS AS (CASE WHEN following_id IS NULL THEN NULL ELSE 'master' END) STORED,
    partner_role    text GENERATED ALWAYS AS (CASE WHEN partner_id IS NULL THEN NULL ELSE 'follower' END) STORED,
    UNIQUE (id, role),
    -- Only masters have a master token; every master has one.
    CHECK ((role = 'master') = (master_token IS NOT NULL)),
    -- A follower follows a master, never itself; masters follow nobody.
    CHECK (following_id IS NULL OR (role = 'follower' AND following_id <> id)),
    -- A 1TO1 partner is set on the master and names a follower account.
    CHECK (partner_id IS NULL OR (role = 'master' AND partner_id <> id)),
    -- (Deleting an account first clears the links that point at it: see db/accounts.py.)
    FOREIGN KEY (following_id, following_role) REFERENCES trading_accounts (id, role),
    FOREIGN KEY (partner_id, partner_role) REFERENCES trading_accounts (id, role)
);
CREATE INDEX trading_accounts_user ON trading_accounts (user_id, id);
CREATE INDEX trading_accounts_following ON trading_accounts (following_id) WHERE following_id IS NOT NULL;

-- Last state an EA reported (balance, equity, margin level ...), one row per account.
CREATE TABLE account_states (
    account_id   bigint PRIMARY KEY REFERENCES trading_accounts (id) ON DELETE CASCADE,
    balance      numeric(18, 2) NOT NULL,
    equity       numeric(18, 2) NOT NULL,
    margin_level numeric(12, 2) NOT NULL CHECK (margin_level >= 0),
    currency     text NOT NULL,
    leverage     integer NOT NULL CHECK (leverage > 0),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE master_trades (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    ticket       bigint NOT NULL CHECK (ticket > 0),
    symbol       text NOT NULL CHECK (length(symbol) BETWEEN 1 AND 32),
    type         text NOT NULL CHECK (type IN ('BUY', 'SELL')),
    price        numeric(20, 8) NOT NULL CHECK (price >= 0),
    volume       numeric(14, 4) NOT NULL CHECK (volume > 0),
    open_volume  numeric(14, 4) NOT NULL CHECK (open_volume >= 0),
    sl           numeric(20, 8) NOT NULL DEFAULT 0 CHECK (sl >= 0),
    tp           numeric(20, 8) NOT NULL DEFAULT 0 CHECK (tp >= 0),
    status       text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
    opened_at    timestamptz NOT NULL DEFAULT now(),
    received_at  timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    close_price  numeric(20, 8),
    close_reason text,
    profit       numeric(18, 2) NOT NULL DEFAULT 0,
    UNIQUE (account_id, ticket),
    CHECK (open_volume <= volume),
    CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL))
);
CREATE INDEX master_trades_account ON master_trades (account_id, id DESC);
CREATE INDEX master_trades_open ON master_trades (account_id) WHERE status = 'OPEN';
CREATE INDEX master_trades_closed ON master_trades (account_id, closed_at) WHERE status = 'CLOSED';

-- One row per closing deal of a master trade: makes resent closes idempotent.
CREATE TABLE master_trade_closes (
    master_trade_id bigint NOT NULL REFERENCES master_trades (id) ON DELETE CASCADE,
    deal            bigint NOT NULL CHECK (deal > 0),
    volume          numeric(14, 4) NOT NULL CHECK (volume > 0),
    price           numeric(20, 8) NOT NULL CHECK (price >= 0),
    profit          numeric(18, 2) NOT NULL,
    remaining       numeric(14, 4) NOT NULL CHECK (remaining >= 0),
    reason          text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (master_trade_id, deal)
);

CREATE TABLE trade_pairs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    master_trade_id bigint NOT NULL REFERENCES master_trades (id) ON DELETE CASCADE,
    account_id      bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    status          text NOT NULL
                    CHECK (status IN ('PENDING', 'OPEN', 'CLOSED', 'FAILED', 'SKIPPED', 'EXPIRED')),
    symbol          text,
    requested_volume numeric(14, 4) CHECK (requested_volume > 0),
    slave_ticket    bigint CHECK (slave_ticket > 0),
    slave_volume    numeric(14, 4) CHECK (slave_volume >= 0),
    slave_type      text CHECK (slave_type IN ('BUY', 'SELL')),
    reason_code     text,
    reason          text,
    retcode         integer,
    profit          numeric(18, 2),
    close_price     numeric(20, 8),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    acked_at        timestamptz,
    closed_at       timestamptz,
    -- The idempotency key: one master ticket opens at most one copy per follower.
    UNIQUE (master_trade_id, account_id),
    CHECK (status NOT IN ('OPEN', 'CLOSED') OR slave_ticket IS NOT NULL OR reason_code IS NOT NULL),
    CHECK (status NOT IN ('FAILED', 'SKIPPED', 'EXPIRED') OR reason IS NOT NULL)
);
CREATE INDEX trade_pairs_live ON trade_pairs (account_id) WHERE status IN ('PENDING', 'OPEN');
CREATE INDEX trade_pairs_account ON trade_pairs (account_id, id DESC);
CREATE INDEX trade_pairs_closed ON trade_pairs (account_id, closed_at) WHERE closed_at IS NOT NULL;
