-- Several nodes (docs/cluster.md): who is alive, which node holds each EA's session, and the
-- per-master lease (owner, generation, signal sequence). All times are PostgreSQL's clock.
CREATE TABLE cluster_nodes (
    node_id      text PRIMARY KEY CHECK (node_id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    ea_address   text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    stopped_at   timestamptz
);

CREATE TABLE ea_presence (
    account_id   bigint PRIMARY KEY REFERENCES trading_accounts (id) ON DELETE CASCADE,
    node_id      text NOT NULL REFERENCES cluster_nodes (node_id) ON DELETE CASCADE,
    connected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ea_presence_node ON ea_presence (node_id);

CREATE TABLE master_leases (
    master_account_id bigint PRIMARY KEY REFERENCES trading_accounts (id) ON DELETE CASCADE,
    node_id           text NOT NULL REFERENCES cluster_nodes (node_id),
    generation        bigint NOT NULL CHECK (generation > 0),
    expires_at        timestamptz NOT NULL,
    seq               bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    taken_at          timestamptz NOT NULL DEFAULT now()
);
