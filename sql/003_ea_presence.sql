-- When each account's EA last connected and disconnected (the live status is in memory).
ALTER TABLE trading_accounts
    ADD COLUMN ea_connected_at    timestamptz,
    ADD COLUMN ea_disconnected_at timestamptz,
    ADD COLUMN ea_client          text;

-- Follower ACKs name the master ticket; the ledger finds the pair through it.
CREATE INDEX master_trades_ticket ON master_trades (ticket);
