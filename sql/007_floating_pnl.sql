-- Floating result of open positions, from the EAs' PNL lines (docs/protocol.md §8): only the
-- latest values per master trade / trade pair are kept (not every report). A follower's fill
-- price comes with it, so slippage against the master's price can be computed in SQL;
-- ``digits`` is the follower symbol's price digits (from its SYM line) to express it in points.
ALTER TABLE master_trades
    ADD COLUMN current_price   numeric(20, 8) CHECK (current_price >= 0),
    ADD COLUMN floating_profit numeric(18, 2),
    ADD COLUMN swap            numeric(18, 2),
    ADD COLUMN floating_at     timestamptz;

ALTER TABLE trade_pairs
    ADD COLUMN fill_price      numeric(20, 8) CHECK (fill_price >= 0),
    ADD COLUMN current_price   numeric(20, 8) CHECK (current_price >= 0),
    ADD COLUMN floating_profit numeric(18, 2),
    ADD COLUMN swap            numeric(18, 2),
    ADD COLUMN floating_at     timestamptz,
    ADD COLUMN digits          smallint CHECK (digits BETWEEN 0 AND 10);

-- The pip of a symbol, for P/L in pips (docs/api.md "Pips"): JPY pairs 0.01, gold 0.1,
-- silver 0.01, other quotes below 20 (FX) 0.0001, below 1000 0.01, else 1 (indices, crypto).
CREATE FUNCTION pip_size(symbol text, price numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN upper(symbol) LIKE '%JPY%' THEN 0.01
        WHEN upper(symbol) LIKE 'XAU%' OR upper(symbol) LIKE 'GOLD%' THEN 0.1
        WHEN upper(symbol) LIKE 'XAG%' OR upper(symbol) LIKE 'SILVER%' THEN 0.01
        WHEN price < 20 THEN 0.0001
        WHEN price < 1000 THEN 0.01
        ELSE 1
    END
$$;

-- Price movement in pips in the position's favour (positive = profit), one decimal.
CREATE FUNCTION pips(symbol text, side text, open_price numeric, price numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN price IS NULL OR open_price IS NULL OR side IS NULL THEN NULL
        ELSE round((price - open_price) * (CASE WHEN side = 'SELL' THEN -1 ELSE 1 END)
                   / pip_size(symbol, open_price), 1)
    END
$$;
