"""Rotating a master's token on its own (the API key stays), and recognising retired tokens.

Followers that already follow the master keep following (the link is by account id, not by
token); the old token stops working for anyone who tries to follow with it, and such a
follower is told that the token was rotated (:data:`ROTATED_TEXT`).
"""

from __future__ import annotations

import asyncpg
import attrs

from ..domain import keys
from .accounts import _COLUMNS
from .database import Database
from .errors import Conflict, NotFound
from .models import TradingAccount, account_from_row

ROTATED_TEXT = ("this master token was rotated by the master's owner: enter the new token "
                "(or leave the token empty to keep following as set in the web app)")
"""What a follower using a retired token is told (EA error text and API field message)."""


@attrs.frozen
class MasterTokens:
    """SQL for ``trading_accounts.master_token`` rotation and ``retired_master_tokens``."""

    db: Database

    async def rotate(self, account_id: int, user_id: int) -> TradingAccount:
        """A new token for the user's master account; the old one is retired."""
        token = keys.new_master_token()

        async def _tx(con: asyncpg.Connection) -> TradingAccount:
            r = await con.fetchrow(
                "SELECT role, master_token FROM trading_accounts "
                "WHERE id = $1 AND user_id = $2 FOR UPDATE", account_id, user_id)
            if r is None:
                raise NotFound("account not found")
            if r["role"] != "master":
                raise Conflict("only a master account has a master token")
            await con.execute(
                "INSERT INTO retired_master_tokens (token_hash, account_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING", keys.hash_secret(r["master_token"]), account_id)
            row = await con.fetchrow(
                f"UPDATE trading_accounts SET master_token = $2, updated_at = now() "
                f"WHERE id = $1 RETURNING {_COLUMNS}", account_id, token)
            return account_from_row(row)

        return await self.db.run_in_transaction(_tx)

    async def is_retired(self, token: str) -> bool:
        """Whether ``token`` was a master token once and was rotated away."""
        return bool(await self.db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM retired_master_tokens WHERE token_hash = $1)",
            keys.hash_secret(token.strip())))
