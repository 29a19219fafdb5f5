-- Who changed what and when, per trading account (issue 17): written by the API's write
-- paths (mode, partner, rules, guards, keys, follows, renames, removals) and by logins from an
-- address the user had not logged in from before (account_id NULL: it concerns every account
-- of the user). ``actor_id`` is who did it — the owner, or another user (a provider removing
-- a follower; NULL: the account's EA); ``via`` says through what (a browser session, a personal
-- access token, a login, or the EA naming a master token at its login).
CREATE TABLE account_audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint REFERENCES trading_accounts (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    via        text NOT NULL CHECK (via IN ('session', 'token', 'login', 'ea')),
    address    text,
    action     text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)*$'),
    detail     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_audit_account ON account_audit (account_id, id DESC);
CREATE INDEX account_audit_user ON account_audit (user_id, id DESC) WHERE account_id IS NULL;
