-- Crash safety (issue 11): outcome-unknown copies, and pair rows that survive kill -9.

-- UNKNOWN: an OPEN went out but neither ACK_OPEN nor NACK_OPEN came back within
-- COPYTRADE_ACK_TIMEOUT seconds (reason_code NO_ANSWER). Still live: a master close or SL/TP
-- change is sent to it; a late ACK/NACK or the follower's next POS report resolves it.
ALTER TABLE trade_pairs DROP CONSTRAINT trade_pairs_status_check;
ALTER TABLE trade_pairs ADD CONSTRAINT trade_pairs_status_check
    CHECK (status IN ('PENDING', 'OPEN', 'CLOSED', 'FAILED', 'SKIPPED', 'EXPIRED', 'UNKNOWN'));
ALTER TABLE trade_pairs ADD CONSTRAINT trade_pairs_unknown_has_reason
    CHECK (status <> 'UNKNOWN' OR reason IS NOT NULL);

DROP INDEX trade_pairs_live;
CREATE INDEX trade_pairs_live ON trade_pairs (account_id)
    WHERE status IN ('PENDING', 'OPEN', 'UNKNOWN');
-- What the no-answer sweep looks at: copies sent and not yet answered.
CREATE INDEX trade_pairs_awaiting_answer ON trade_pairs (sent_at)
    WHERE status = 'PENDING' AND sent_at IS NOT NULL;

-- Whether the fan-out's pair rows of this trade are committed. Written false with the trade,
-- set true in the ledger batch that inserts them; at start, the engine gives each trade still
-- false (its rows died queued in memory in a kill -9) a PENDING row per target follower, which
-- that follower's next login resync resolves. Trades stored before this migration: true.
ALTER TABLE master_trades ADD COLUMN pairs_recorded boolean NOT NULL DEFAULT true;
ALTER TABLE master_trades ALTER COLUMN pairs_recorded SET DEFAULT false;
CREATE INDEX master_trades_pairs_unrecorded ON master_trades (id) WHERE NOT pairs_recorded;
