-- Optional follower approval (issue 17, provider's view): a master whose owner turns
-- approve_followers on takes new followers only after approving each. Until then the follower
-- is *pending*: pending_master_id names the master it asked to follow (by the web app or by
-- its EA's master token) while following_id stays NULL, so nothing is copied to it. Approving
-- moves pending_master_id into following_id; refusing clears it and remembers the pair in
-- removed_followers (as a removal: it can ask again only after the provider allows it).
ALTER TABLE trading_accounts
    ADD COLUMN approve_followers boolean NOT NULL DEFAULT false,
    ADD COLUMN pending_master_id bigint REFERENCES trading_accounts (id) ON DELETE SET NULL,
    ADD COLUMN pending_since     timestamptz,
    ADD CONSTRAINT pending_not_self CHECK (pending_master_id IS DISTINCT FROM id),
    ADD CONSTRAINT pending_xor_following
        CHECK (pending_master_id IS NULL OR following_id IS NULL);

CREATE INDEX trading_accounts_pending_master ON trading_accounts (pending_master_id)
    WHERE pending_master_id IS NOT NULL;
