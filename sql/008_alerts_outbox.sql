-- Alerts: per-user channels, the durable event queue and the delivery outbox (notify/).
--
-- The causes write notify_events in their own transaction: triggers below for copy outcomes
-- (trade_pairs → FAILED/SKIPPED/EXPIRED), EA presence (trading_accounts.ea_*_at) and master
-- trades; the engine's kill switch and the risk guards call copytrade.notify.db functions on
-- the connection of their own write. A trigger only writes an event when one of the owner's
-- enabled channels selected that kind, so unwatched outcomes cost one index probe.
-- The dispatcher turns due events into notify_outbox rows (one per channel, grouped, in the
-- channel's language and quiet hours) and deletes the events, in one transaction; one sender
-- task per channel kind delivers the outbox rows (see docs/api.md "Alerts: delivery guarantee").

CREATE TABLE notify_channels (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('telegram', 'line', 'email', 'webhook')),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    enabled         boolean NOT NULL DEFAULT true,
    events          text[] NOT NULL,
    language        text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'th')),
    time_zone       text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
    quiet_start     time,
    quiet_end       time,
    summary_time    time NOT NULL DEFAULT '21:00',
    next_summary_at timestamptz,
    -- Public settings (chat id, bot name, e-mail address, webhook URL, LINE user id).
    settings        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    -- Fernet token of a JSON object of secrets (bot token, channel token and secret, webhook
    -- secret): never returned by the API.
    secret          bytea,
    link_code_hash  bytea UNIQUE CHECK (length(link_code_hash) = 32),
    link_expires_at timestamptz,
    linked_at       timestamptz,
    last_status     text CHECK (last_status IN ('sent', 'failed', 'dead')),
    last_detail     text,
    last_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
    CHECK ((link_code_hash IS NULL) = (link_expires_at IS NULL))
);
CREATE INDEX notify_channels_user ON notify_channels (user_id, id);
CREATE INDEX notify_channels_summary ON notify_channels (next_summary_at)
    WHERE next_summary_at IS NOT NULL;

CREATE TABLE notify_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id  bigint REFERENCES trading_accounts (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind ~ '^[a-z_]+\.[a-z_]+$'),
    payload     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notify_events_kind ON notify_events (kind, created_at);

CREATE TABLE notify_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel_id      bigint NOT NULL REFERENCES notify_channels (id) ON DELETE CASCADE,
    -- Sent with every attempt (webhook Idempotency-Key, LINE X-Line-Retry-Key, Message-ID).
    idempotency_key uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    -- What the row stands for (e.g. 'ev:42', 'summary:7:2026-12-02'): made once per channel.
    dedupe_key      text NOT NULL,
    kind            text NOT NULL,
    payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    not_before      timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (channel_id, dedupe_key),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX notify_outbox_due ON notify_outbox (not_before) WHERE status = 'pending';
CREATE INDEX notify_outbox_channel ON notify_outbox (channel_id, id DESC);

-- Accounts whose "EA offline" alert went out: "back online" is sent only after one.
CREATE TABLE notify_presence (
    account_id         bigint PRIMARY KEY REFERENCES trading_accounts (id) ON DELETE CASCADE,
    offline_alerted_at timestamptz NOT NULL
);

-- Whether any enabled channel of the user selected this event kind.
CREATE FUNCTION notify_wanted(p_user bigint, p_kind text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM notify_channels
                   WHERE user_id = p_user AND enabled AND p_kind = ANY (events))
$$;

CREATE FUNCTION notify_pair_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_kind text := 'copy.' || lower(NEW.status);
BEGIN
    INSERT INTO notify_events (user_id, account_id, kind, payload)
    SELECT a.user_id, NEW.account_id, v_kind, jsonb_build_object(
               'pair_id', NEW.id, 'ticket', t.ticket, 'symbol', coalesce(NEW.symbol, t.symbol),
               'side', t.type, 'volume', t.volume::text, 'reason_code', NEW.reason_code,
               'reason', NEW.reason)
    FROM trading_accounts a JOIN master_trades t ON t.id = NEW.master_trade_id
    WHERE a.id = NEW.account_id AND notify_wanted(a.user_id, v_kind);
    RETURN NULL;
END $$;

CREATE TRIGGER notify_pair_outcome_insert AFTER INSERT ON trade_pairs
    FOR EACH ROW WHEN (NEW.status IN ('FAILED', 'SKIPPED', 'EXPIRED'))
    EXECUTE FUNCTION notify_pair_outcome();
CREATE TRIGGER notify_pair_outcome_update AFTER UPDATE OF status ON trade_pairs
    FOR EACH ROW WHEN (NEW.status IN ('FAILED', 'SKIPPED', 'EXPIRED')
                       AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION notify_pair_outcome();

CREATE FUNCTION notify_presence_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT notify_wanted(NEW.user_id, 'ea.offline') THEN
        RETURN NULL;
    END IF;
    IF NEW.ea_disconnected_at IS DISTINCT FROM OLD.ea_disconnected_at THEN
        INSERT INTO notify_events (user_id, account_id, kind, payload)
        VALUES (NEW.user_id, NEW.id, 'ea.offline', jsonb_build_object('account_name', NEW.name));
    END IF;
    IF NEW.ea_connected_at IS DISTINCT FROM OLD.ea_connected_at THEN
        INSERT INTO notify_events (user_id, account_id, kind, payload)
        VALUES (NEW.user_id, NEW.id, 'ea.online', jsonb_build_object(
                    'account_name', NEW.name, 'client', NEW.ea_client));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER notify_presence_change AFTER UPDATE OF ea_connected_at, ea_disconnected_at
    ON trading_accounts FOR EACH ROW
    WHEN (OLD.ea_connected_at IS DISTINCT FROM NEW.ea_connected_at
          OR OLD.ea_disconnected_at IS DISTINCT FROM NEW.ea_disconnected_at)
    EXECUTE FUNCTION notify_presence_change();

CREATE FUNCTION notify_master_trade() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_kind text := CASE WHEN TG_OP = 'INSERT' THEN 'master.opened' ELSE 'master.closed' END;
BEGIN
    INSERT INTO notify_events (user_id, account_id, kind, payload)
    SELECT a.user_id, NEW.account_id, v_kind, jsonb_build_object(
               'ticket', NEW.ticket, 'symbol', NEW.symbol, 'side', NEW.type,
               'volume', NEW.volume::text, 'price', NEW.price::text,
               'close_price', NEW.close_price::text, 'profit', NEW.profit::text)
    FROM trading_accounts a
    WHERE a.id = NEW.account_id AND notify_wanted(a.user_id, 'master.trade');
    RETURN NULL;
END $$;

CREATE TRIGGER notify_master_opened AFTER INSERT ON master_trades
    FOR EACH ROW EXECUTE FUNCTION notify_master_trade();
CREATE TRIGGER notify_master_closed AFTER UPDATE OF status ON master_trades
    FOR EACH ROW WHEN (OLD.status = 'OPEN' AND NEW.status = 'CLOSED')
    EXECUTE FUNCTION notify_master_trade();
