-- Master tokens replaced by a rotation: kept (hashed) so that a follower still using one is
-- told that the token was rotated, rather than that it never existed.

CREATE TABLE retired_master_tokens (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id  bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    retired_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retired_master_tokens_account ON retired_master_tokens (account_id);
