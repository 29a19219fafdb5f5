-- A provider (a master's owner) may remove a follower (issue 17, provider's view). The pair is
-- remembered so the follower cannot follow the same master again — neither through the API
-- nor by its EA naming the master token at login — until the provider allows it again.
CREATE TABLE removed_followers (
    master_id   bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    follower_id bigint NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    removed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (master_id, follower_id)
);
