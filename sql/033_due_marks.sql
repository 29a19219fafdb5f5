-- Copy existing positions (issue 15): the followers whose next login resync copies the
-- master's open trades (they started following a master, or resumed from pause, with the
-- copy_existing rule on). Kept here so that a server restart before that login loses nothing;
-- the resync that copies them deletes the row (engine/copyexisting.py).
CREATE TABLE copy_existing_due (
    account_id bigint PRIMARY KEY REFERENCES trading_accounts (id) ON DELETE CASCADE,
    since      timestamptz NOT NULL DEFAULT now(),
    why        text NOT NULL CHECK (length(why) BETWEEN 1 AND 200)
);

-- A pending copy to remove at the follower's next login (engine/orders.py, cancel_copies):
-- a CLOSE_ALL_AND_PAUSE trip or the 1TO1 kill switch wanted it cancelled while the
-- follower's EA was offline. The login resync cancels it (ORDER_CANCEL) even while the
-- follower is paused, and the pair becomes CANCELLED with the noted reason.
ALTER TABLE order_pairs ADD COLUMN cancel_due boolean NOT NULL DEFAULT false;
