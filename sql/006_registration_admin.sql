-- Who may register: an admin flag, disabled users, and single-use invite codes.

ALTER TABLE users ADD COLUMN is_admin boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
-- An installation that existed before this migration: its oldest user becomes the admin.
UPDATE users SET is_admin = true WHERE id = (SELECT min(id) FROM users);

CREATE TABLE invites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 of the code (codes carry 144 random bits); the prefix is what the admin sees.
    code_hash   bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    code_prefix text NOT NULL CHECK (code_prefix LIKE 'INV-%'),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    revoked_at  timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX invites_created ON invites (id DESC);
