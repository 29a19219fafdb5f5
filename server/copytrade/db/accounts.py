"""The trading-accounts aggregate: masters and followers, their keys, modes, links and rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg
import attrs

from ..domain import keys
from ..domain.models import CopyMode, Role
from .database import Database
from .errors import Conflict, Invalid, NotFound
from .models import AccountState, CreatedAccount, FollowerRules, TradingAccount, account_from_row

REMOVED_TEXT = ("the master's owner removed this follower; it can follow this master again "
                "only after they allow it")

_COLUMNS = (
    "id, user_id, name, role, api_key_prefix, master_token, copy_mode, partner_id, following_id, "
    "is_active, lot_mode, lot_value, reverse, min_lot_to_copy, max_lot, symbol_map, "
    "allowed_symbols, blocked_symbols, signal_expiry_seconds, max_deviation_points, "
    "stale_open_policy, copy_existing, copy_existing_max_age_minutes, copy_existing_max_points, "
    "max_spread_points, rules_updated_at, created_at, updated_at, approve_followers, "
    "pending_master_id"
)


def _one(r: Any) -> TradingAccount:
    if r is None:
        raise NotFound("trading account not found")
    return account_from_row(r)


@attrs.frozen
class AccountRepository:
    """SQL for ``trading_accounts`` and ``account_states``.

    Methods that take ``user_id`` only see that user's accounts: another user's id is NotFound.
    """

    db: Database

    async def create(self, user_id: int, *, name: str, role: Role) -> CreatedAccount:
        api_key = keys.new_api_key()
        token = keys.new_master_token() if role is Role.MASTER else None
        try:
            r = await self.db.fetchrow(
                f"INSERT INTO trading_accounts (user_id, name, role, api_key_hash, api_key_prefix, "
                f"master_token) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}",
                user_id, name.strip(), role.value, keys.hash_secret(api_key),
                keys.visible_prefix(api_key), token,
            )
        except asyncpg.ForeignKeyViolationError:
            raise NotFound("user not found") from None
        return CreatedAccount(account=_one(r), api_key=api_key)

    async def get(self, account_id: int, user_id: int) -> TradingAccount:
        return _one(await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM trading_accounts WHERE id = $1 AND user_id = $2",
            account_id, user_id,
        ))

    async def get_any(self, account_id: int) -> TradingAccount:
        """By id regardless of owner: for the engine, never for a user-facing door."""
        return _one(await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM trading_accounts WHERE id = $1", account_id))

    async def list_for_user(self, user_id: int) -> list[TradingAccount]:
        rows = await self.db.fetch(
            f"SELECT {_COLUMNS} FROM trading_accounts WHERE user_id = $1 ORDER BY id", user_id)
        return [account_from_row(r) for r in rows]

    async def by_api_key(self, api_key: str) -> TradingAccount | None:
        r = await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM trading_accounts WHERE api_key_hash = $1 "
            "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = user_id "
            "AND u.disabled_at IS NOT NULL)",  # a disabled user's EAs are refused
            keys.hash_secret(api_key),
        )
        return None if r is None else account_from_row(r)

    async def by_master_token(self, token: str) -> TradingAccount | None:
        r = await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM trading_accounts WHERE master_token = $1", token)
        return None if r is None else account_from_row(r)

    async def rotate_key(self, account_id: int, user_id: int) -> CreatedAccount:
        api_key = keys.new_api_key()
        r = await self.db.fetchrow(
            f"UPDATE trading_accounts SET api_key_hash = $3, api_key_prefix = $4, "
            f"updated_at = now() WHERE id = $1 AND user_id = $2 RETURNING {_COLUMNS}",
            account_id, user_id, keys.hash_secret(api_key), keys.visible_prefix(api_key),
        )
        return CreatedAccount(account=_one(r), api_key=api_key)

    async def update(
        self, account_id: int, user_id: int, *, name: str | None = None,
        is_active: bool | None = None,
    ) -> TradingAccount:
        return _one(await self.db.fetchrow(
            f"UPDATE trading_accounts SET name = coalesce($3, name), "
            f"is_active = coalesce($4, is_active), updated_at = now() "
            f"WHERE id = $1 AND user_id = $2 RETURNING {_COLUMNS}",
            account_id, user_id, name.strip() if name is not None else None, is_active,
        ))

    async def set_copy_mode(self, account_id: int, user_id: int, mode: CopyMode) -> TradingAccount:
        account = await self.get(account_id, user_id)
        if account.role is not Role.MASTER:
            raise Conflict("only master accounts have a copy mode", field="copy_mode")
        return _one(await self.db.fetchrow(
            f"UPDATE trading_accounts SET copy_mode = $3, updated_at = now() "
            f"WHERE id = $1 AND user_id = $2 RETURNING {_COLUMNS}",
            account_id, user_id, mode.value,
        ))

    async def set_partner(
        self, master_id: int, user_id: int, partner_id: int | None
    ) -> TradingAccount:
        """Set the 1TO1 partner of a master (or None): a follower account of the same user
        that follows this master (:class:`Invalid` on ``partner_id`` otherwise).

        The partner's row is locked while the master's is written, so a concurrent unfollow
        (which clears the partner, :meth:`_set_following`) cannot slip in between."""
        master = await self.get(master_id, user_id)
        if master.role is not Role.MASTER:
            raise Conflict("only a master account has a 1TO1 partner", field="partner_id")

        async def _set(con: asyncpg.Connection) -> Any:
            async with con.transaction():
                if partner_id is not None:
                    partner = await con.fetchrow(
                        "SELECT role, following_id FROM trading_accounts "
                        "WHERE id = $1 AND user_id = $2 FOR UPDATE", partner_id, user_id)
                    if partner is None:
                        raise NotFound("partner account not found")
                    if partner["role"] != Role.FOLLOWER.value:
                        raise Conflict("the 1TO1 partner must be a follower account",
                                       field="partner_id", code="partner_not_follower")
                    if partner["following_id"] != master_id:
                        raise Invalid(
                            "The 1TO1 partner must be one of this master's followers.",
                            field="partner_id",
                            code="partner_follows_other" if partner["following_id"] is not None
                            else "partner_follows_no_master",
                            detail=(
                                "this follower follows another master; make it follow this "
                                "master first" if partner["following_id"] is not None else
                                "this follower follows no master; make it follow this master "
                                "first"))
                return await con.fetchrow(
                    f"UPDATE trading_accounts SET partner_id = $3, updated_at = now() "
                    f"WHERE id = $1 AND user_id = $2 RETURNING {_COLUMNS}",
                    master_id, user_id, partner_id)

        return _one(await self.db.run(_set))

    async def follow(self, follower_id: int, user_id: int, master_token: str) -> TradingAccount:
        follower = await self.get(follower_id, user_id)
        master = await self.by_master_token(master_token.strip())
        if master is None:
            raise NotFound("no master account has this master token")
        return await self._set_following(follower, master.id)

    async def follow_by_id(self, follower_id: int, master_id: int) -> TradingAccount:
        """Engine path (an EA named the token in its handshake): no owner check."""
        return await self._set_following(await self.get_any(follower_id), master_id)

    async def _set_following(
        self, follower: TradingAccount, master_id: int | None
    ) -> TradingAccount:
        """Point the follower at ``master_id`` (None: no master). A follower that stops
        following a master stops being that master's 1TO1 partner (the partner is cleared in
        the same transaction): a 1TO1 partner is always one of its master's followers."""
        if follower.role is not Role.FOLLOWER and master_id is not None:
            raise Conflict("only a follower account can follow a master", field="master_token")
        if master_id is not None and await self.db.fetchval(
                "SELECT 1 FROM removed_followers WHERE master_id = $1 AND follower_id = $2",
                master_id, follower.id):
            raise Conflict(REMOVED_TEXT, field="master_token", code="follower_removed")

        pending = False
        if master_id is not None and master_id != follower.following_id:
            # A master whose owner approves new followers takes this one only once approved:
            # until then it follows no master (nothing is copied) and waits (034 migration).
            pending = bool(await self.db.fetchval(
                "SELECT approve_followers FROM trading_accounts WHERE id = $1", master_id))
        if pending and follower.pending_master_id == master_id:
            return follower  # asked already: still waiting

        async def _set(con: asyncpg.Connection) -> Any:
            async with con.transaction():
                if pending:
                    row = await con.fetchrow(
                        f"UPDATE trading_accounts SET following_id = NULL, "
                        f"pending_master_id = $2, pending_since = now(), updated_at = now() "
                        f"WHERE id = $1 RETURNING {_COLUMNS}", follower.id, master_id)
                    await con.execute(
                        "UPDATE trading_accounts SET partner_id = NULL, updated_at = now() "
                        "WHERE partner_id = $1", follower.id)
                    return row
                row = await con.fetchrow(
                    f"UPDATE trading_accounts SET following_id = $2, pending_master_id = NULL, "
                    f"pending_since = NULL, updated_at = now() "
                    f"WHERE id = $1 RETURNING {_COLUMNS}", follower.id, master_id)
                await con.execute(
                    "UPDATE trading_accounts SET partner_id = NULL, updated_at = now() "
                    "WHERE partner_id = $1 AND id IS DISTINCT FROM $2", follower.id, master_id)
                return row

        try:
            return _one(await self.db.run(_set))
        except (asyncpg.CheckViolationError, asyncpg.ForeignKeyViolationError):
            raise Conflict("a follower can only follow a master account other than itself",
                           field="master_token") from None

    async def unfollow(self, follower_id: int, user_id: int) -> TradingAccount:
        """Follow no master (and stop being any master's 1TO1 partner)."""
        return await self._set_following(await self.get(follower_id, user_id), None)

    async def update_rules(
        self, account_id: int, user_id: int | None, rules: FollowerRules, *, by_user: bool = True
    ) -> TradingAccount:
        """Store a follower's copy rules.

        ``by_user=False`` (the EA's inputs) only applies while no user has edited the rules.
        """
        r = await self.db.fetchrow(
            f"UPDATE trading_accounts SET lot_mode = $3, lot_value = $4, reverse = $5, "
            f"min_lot_to_copy = $6, max_lot = $7, symbol_map = $8::jsonb, allowed_symbols = $9, "
            f"blocked_symbols = $10, signal_expiry_seconds = $11, max_deviation_points = $12, "
            f"stale_open_policy = $13, rules_updated_at = CASE WHEN $14 THEN now() END, "
            f"copy_existing = $15, copy_existing_max_age_minutes = $16, "
            f"copy_existing_max_points = $17, max_spread_points = $18, "
            f"updated_at = now() "
            f"WHERE id = $1 AND ($2::bigint IS NULL OR user_id = $2) AND role = 'follower' "
            f"AND ($14 OR rules_updated_at IS NULL) RETURNING {_COLUMNS}",
            account_id, user_id, rules.lot_mode.value, rules.lot_value, rules.reverse,
            rules.min_lot_to_copy, rules.max_lot, dict(rules.symbol_map),
            list(rules.allowed_symbols), list(rules.blocked_symbols),
            rules.signal_expiry_seconds, rules.max_deviation_points,
            rules.stale_open_policy.value, by_user, rules.copy_existing,
            rules.copy_existing_max_age_minutes, rules.copy_existing_max_points,
            rules.max_spread_points,
        )
        if r is None:
            account = await (self.get(account_id, user_id) if user_id is not None
                             else self.get_any(account_id))
            if account.role is not Role.FOLLOWER:
                raise Conflict("only follower accounts have copy rules", field="rules")
            return account  # EA inputs ignored: the user's rules win
        return account_from_row(r)

    async def delete(self, account_id: int, user_id: int) -> None:
        async def _delete(con: asyncpg.Connection) -> str:
            async with con.transaction():
                owned = await con.fetchval(
                    "SELECT 1 FROM trading_accounts WHERE id = $1 AND user_id = $2 FOR UPDATE",
                    account_id, user_id)
                if owned is None:
                    return "missing"
                busy = await con.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM trade_pairs WHERE account_id = $1 "
                    "AND status IN ('PENDING', 'OPEN', 'UNKNOWN')) "
                    "OR EXISTS (SELECT 1 FROM trade_pairs p "
                    "JOIN master_trades t ON t.id = p.master_trade_id WHERE t.account_id = $1 "
                    "AND p.status IN ('PENDING', 'OPEN', 'UNKNOWN'))", account_id)
                if busy:
                    return "busy"
                await con.execute(
                    "UPDATE trading_accounts SET following_id = NULL WHERE following_id = $1",
                    account_id)
                await con.execute(
                    "UPDATE trading_accounts SET partner_id = NULL WHERE partner_id = $1",
                    account_id)
                await con.execute("DELETE FROM trading_accounts WHERE id = $1", account_id)
                return "deleted"

        outcome = await self.db.run(_delete)
        if outcome == "missing":
            raise NotFound("trading account not found")
        if outcome == "busy":
            raise Conflict("this account still has open copies; close them first",
                           code="open_copies")

    async def followers_of(self, master_id: int) -> list[TradingAccount]:
        rows = await self.db.fetch(
            f"SELECT {_COLUMNS} FROM trading_accounts WHERE following_id = $1 ORDER BY id",
            master_id)
        return [account_from_row(r) for r in rows]

    async def save_state(
        self, account_id: int, *, balance: Decimal, equity: Decimal, margin_level: Decimal,
        currency: str, leverage: int,
    ) -> None:
        await self.db.execute(
            "INSERT INTO account_states (account_id, balance, equity, margin_level, currency, "
            "leverage) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id) DO UPDATE SET "
            "balance = $2, equity = $3, margin_level = $4, currency = $5, leverage = $6, "
            "updated_at = now()",
            account_id, balance, equity, margin_level, currency, leverage,
        )

    async def states(self, account_ids: list[int]) -> dict[int, AccountState]:
        rows = await self.db.fetch(
            "SELECT * FROM account_states WHERE account_id = ANY($1::bigint[])", account_ids)
        return {r["account_id"]: AccountState(**dict(r)) for r in rows}


async def linked_account_ids(db: Database, account_id: int) -> list[int]:
    """Accounts whose routing involves ``account_id``: its master or partner, its followers,
    and masters that have it as 1TO1 partner (the engine reloads them after a change)."""
    rows = await db.fetch(
        "SELECT following_id AS id FROM trading_accounts WHERE id = $1 AND following_id "
        "IS NOT NULL UNION SELECT partner_id FROM trading_accounts WHERE id = $1 AND "
        "partner_id IS NOT NULL UNION SELECT id FROM trading_accounts WHERE following_id = $1 "
        "OR partner_id = $1", account_id)
    return sorted(int(r["id"]) for r in rows)
