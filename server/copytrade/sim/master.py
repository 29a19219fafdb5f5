"""Master EA simulator: trades on a pretend account and reports it as a master EA must.

Every event goes into an outbox and is resent after a reconnect until the server answers
STORED for it (docs/protocol.md, idempotency rules), like the MQL5 master EA's file outbox.
``ERR|UNAVAILABLE`` (the server's database is away) makes it resend the outbox after a
backoff (0.1 s doubling to 2 s); a login refused that way is retried like any lost link.
The server may also send CLOSE for one of its own tickets (1TO1 kill switch): the sim closes
that position and reports it with CMD_CLOSE, reason EXPERT.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from decimal import Decimal

import attrs
import trio

from ..domain.models import Side
from ..domain.pending import OrderType
from ..protocol import (
    AccountState,
    CloseReason,
    CommandKind,
    CopyClose,
    Error,
    ErrorCode,
    FloatingPnl,
    MasterClose,
    MasterModify,
    MasterOpen,
    MasterOrder,
    MasterOrderCancel,
    MasterOrderModify,
    Message,
    OrderEnd,
    Ping,
    StopOut,
    Stored,
)
from ..protocol.servers import ServerAddress
from .changes import Changes
from .link import Failover, Link, LinkError
from .market import Market, profit_usd

log = logging.getLogger(__name__)
_tickets = itertools.count(int(time.time()) % 1_000_000 * 1000 + 1)
_deals = itertools.count(int(time.time()) % 1_000_000 * 1000 + 1)

OutboxKey = tuple[CommandKind, int, int]
RETRY_FIRST = 0.1
RETRY_MAX = 2.0
"""Backoff of the resends after ``ERR|UNAVAILABLE`` (doubling from RETRY_FIRST), seconds."""
RESEND_AFTER = frozenset({ErrorCode.UNAVAILABLE, ErrorCode.UNKNOWN_TICKET})


def outbox_key(msg: Message) -> OutboxKey:
    if isinstance(msg, MasterOpen):
        return (CommandKind.OPEN, msg.ticket, 0)
    if isinstance(msg, MasterClose):
        return (CommandKind.CLOSE, msg.ticket, msg.deal)
    if isinstance(msg, MasterModify):
        return (CommandKind.MODIFY, msg.ticket, 0)
    if isinstance(msg, MasterOrder):
        return (CommandKind.ORDER, msg.ticket, 0)
    if isinstance(msg, MasterOrderModify):
        return (CommandKind.ORDER_MODIFY, msg.ticket, 0)
    if isinstance(msg, MasterOrderCancel):
        return (CommandKind.ORDER_CANCEL, msg.ticket, 0)
    raise TypeError(f"{type(msg).__name__} is not an outbox event")


@attrs.define
class MasterPosition:
    ticket: int
    symbol: str
    side: Side
    volume: Decimal
    price: Decimal
    sl: Decimal = Decimal(0)
    tp: Decimal = Decimal(0)


@attrs.define
class MasterSim:
    """A simulated master EA. ``await nursery.start(sim.run)``, then trade with its methods."""

    host: str
    port: int
    api_key: str
    servers: tuple[ServerAddress, ...] = ()
    """Addresses to fail over between, in order; empty: ``host``/``port`` only."""
    connect_timeout: float = 10.0
    """Seconds for connect + AUTH + OK; a server that stays silent is failed over."""
    equity: Decimal = Decimal("10000")
    """The account's balance (its equity too while no market values the positions)."""
    reconnect: bool = True
    market: Market | None = None
    """Quotes to value positions with: the sim then reports PNL and a moving equity, and
    closes book the market's profit (see sim/market.py)."""
    pnl_interval: float = 1.0
    positions: dict[int, MasterPosition] = attrs.field(factory=dict)
    orders: dict[int, MasterOrder] = attrs.field(factory=dict)
    """Live pending orders by ticket."""
    outbox: dict[OutboxKey, Message] = attrs.field(factory=dict)
    stored: set[OutboxKey] = attrs.field(factory=set)
    received: list[Message] = attrs.field(factory=list)
    logins: int = 0
    unavailable: int = 0
    """``ERR|UNAVAILABLE`` answers received (the server's database was away)."""
    resends: int = 0
    """Times the outbox was resent after an ``ERR|UNAVAILABLE``."""
    login_refusals: list[str] = attrs.field(factory=list)
    """Error codes of refused logins (the sim reconnects with backoff)."""
    link: Link | None = None
    failover: Failover = attrs.field(init=False)
    _changes: Changes = attrs.field(factory=Changes)
    _connected: trio.Event = attrs.field(factory=trio.Event)
    _scope: trio.CancelScope | None = None
    _reported: dict[int, tuple[Decimal, Decimal]] = attrs.field(factory=dict)
    _reported_equity: Decimal | None = None

    def __attrs_post_init__(self) -> None:
        self.failover = Failover.of(self.host, self.port, self.servers)

    def floating(self, pos: MasterPosition) -> Decimal:
        if self.market is None:
            return Decimal(0)
        return self.market.floating(pos.symbol, pos.side, pos.volume, pos.price)

    @property
    def current_equity(self) -> Decimal:
        return self.equity + sum((self.floating(p) for p in self.positions.values()),
                                 Decimal(0))

    def _reports(self) -> list[Message]:
        """PNL for each position that moved since its last report, ACCOUNT if equity moved."""
        if self.market is None:
            return []
        out: list[Message] = []
        for pos in self.positions.values():
            price, profit = self.market.quote(pos.symbol), self.floating(pos)
            if self._reported.get(pos.ticket) != (price, profit):
                self._reported[pos.ticket] = (price, profit)
                out.append(FloatingPnl(ticket=pos.ticket, open_price=pos.price, price=price,
                                       profit=profit, swap=Decimal(0)))
        for gone in set(self._reported) - set(self.positions):
            del self._reported[gone]
        equity = self.current_equity
        if equity != self._reported_equity:
            self._reported_equity = equity
            out.append(self._account())
        return out

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        # From the address fields as they are now (a test may set ``port`` after creating it).
        self.failover = Failover.of(self.host, self.port, self.servers)
        self._scope = trio.CancelScope()
        started = False
        with self._scope:
            delay = 0.05
            while True:
                logged_in = False
                try:
                    address = self.failover.attempt()
                    self.link = await Link.connect(address.host, address.port, self.api_key,
                                                   client="MasterSim/1.0",
                                                   timeout=self.connect_timeout)
                    logged_in = True
                    self.logins += 1
                    await self.link.send(self._account())
                    # Resend everything not yet confirmed, in order.
                    for msg in list(self.outbox.values()):
                        await self.link.send(msg)
                    self._connected.set()
                    if not started:
                        task_status.started()
                        started = True
                    delay = 0.05
                    await self._serve()
                except (LinkError, OSError, trio.TooSlowError, trio.BrokenResourceError,
                        trio.ClosedResourceError) as exc:
                    if isinstance(exc, LinkError) and exc.code in {"AUTH_FAILED",
                                                                    "ACCOUNT_INACTIVE"}:
                        raise
                    if isinstance(exc, LinkError) and exc.code:
                        self.login_refusals.append(exc.code)
                    log.debug("master sim link dropped: %s", exc)
                finally:
                    self.failover.ended(logged_in)
                    self._connected = trio.Event()
                    if self.link is not None:
                        await self.link.aclose()
                        self.link = None
                    self._changes.notify()
                if not self.reconnect:
                    break
                await trio.sleep(delay)
                delay = min(delay * 2, 1.0)

    def stop(self) -> None:
        if self._scope is not None:
            self._scope.cancel()

    def _account(self) -> AccountState:
        return AccountState(balance=self.equity, equity=self.current_equity,
                            margin_level=Decimal(0), currency="USD", leverage=500)

    async def _serve(self) -> None:
        assert self.link is not None
        seq = 0
        retry_at: float | None = None  # an ERR|UNAVAILABLE asked for a resend at this time
        retry_delay = RETRY_FIRST
        self._reported.clear()
        quiet = self.link.heartbeat
        last_heard = next_report = trio.current_time()
        last_ping = -quiet
        while True:
            if self.market is not None and trio.current_time() >= next_report:
                next_report = trio.current_time() + self.pnl_interval
                reports = self._reports()
                if reports:
                    await self.link.send_many(reports)
            msg: Message | None = None
            now = trio.current_time()
            # docs/protocol.md §4: PING when nothing was received for a heartbeat interval,
            # whatever was sent meanwhile, at most one PING per interval.
            wait = max(0.0, max(last_heard, last_ping) + quiet - now)
            if self.market is not None:
                wait = min(wait, max(0.0, next_report - now))
            if retry_at is not None:
                wait = max(0.0, min(wait, retry_at - now))
            with trio.move_on_after(wait):
                msg = await self.link.receive()
            now = trio.current_time()
            if msg is None:
                if retry_at is not None and now >= retry_at:
                    # The server could not store them: send every unconfirmed event again.
                    retry_at = None
                    self.resends += 1
                    await self.link.send_many(list(self.outbox.values()))
                    continue
                if now - last_heard >= quiet and now - last_ping >= quiet:
                    seq += 1
                    last_ping = now
                    await self.link.send(Ping(seq))
                continue
            last_heard = now
            self.received.append(msg)
            if isinstance(msg, Error) and msg.code in RESEND_AFTER:
                # UNKNOWN_TICKET too: a close sent while its open still waits for a resend.
                self.unavailable += msg.code is ErrorCode.UNAVAILABLE
                if retry_at is None and self.outbox:
                    retry_at = trio.current_time() + retry_delay
                    retry_delay = min(retry_delay * 2, RETRY_MAX)
            if isinstance(msg, Stored):
                retry_delay = RETRY_FIRST
                key = (msg.kind, msg.ticket, msg.deal)
                self.outbox.pop(key, None)
                self.stored.add(key)
            elif (reply := self.link.answer(msg)) is not None:  # PONG for a PING
                await self.link.send(reply)
            elif isinstance(msg, CopyClose) and msg.master_ticket in self.positions:
                pos = self.positions[msg.master_ticket]
                await self.close(pos.ticket, price=pos.price, reason=CloseReason.EXPERT)
            elif isinstance(msg, Error):
                log.info("master sim got %s %s", msg.code.value, msg.text)
            self._changes.notify()

    async def _emit(self, msg: Message) -> OutboxKey:
        key = outbox_key(msg)
        self.outbox[key] = msg
        if self.link is not None:
            with contextlib.suppress(OSError, trio.BrokenResourceError, trio.ClosedResourceError):
                await self.link.send(msg)  # on failure it is resent after the reconnect
        return key

    # ------------------------------------------------------------------ trading

    async def open(
        self, symbol: str = "EURUSD", side: Side = Side.BUY, volume: Decimal = Decimal("0.10"),
        price: Decimal = Decimal("1.08450"), sl: Decimal = Decimal(0), tp: Decimal = Decimal(0),
        *, ticket: int | None = None, open_time_ms: int | None = None,
    ) -> int:
        ticket = ticket or next(_tickets)
        self.positions[ticket] = MasterPosition(ticket, symbol, side, volume, price, sl, tp)
        await self._emit(MasterOpen(side=side, symbol=symbol, price=price, volume=volume, sl=sl,
                                    tp=tp, ticket=ticket,
                                    open_time_ms=open_time_ms or int(time.time() * 1000)))
        return ticket

    async def close(
        self, ticket: int, volume: Decimal | None = None, *, price: Decimal | None = None,
        profit: Decimal | None = None, reason: CloseReason = CloseReason.CLIENT,
    ) -> int:
        """Close all (or ``volume`` of) a position; returns the closing deal ticket.

        Without ``price``/``profit``: the market's quote and profit (12.50 with no market)."""
        pos = self.positions[ticket]
        closed = pos.volume if volume is None else min(volume, pos.volume)
        if self.market is not None:
            price = price or self.market.quote(pos.symbol)
            if profit is None:
                profit = profit_usd(pos.symbol, pos.side, closed, pos.price, price)
            self.equity += profit
        elif profit is None:
            profit = Decimal("12.50")
        pos.volume -= closed
        if pos.volume == 0:
            del self.positions[ticket]
        deal = next(_deals)
        await self._emit(MasterClose(ticket=ticket, deal=deal, volume=closed,
                                     price=price or pos.price, profit=profit,
                                     remaining=pos.volume, reason=reason))
        return deal

    async def modify(self, ticket: int, sl: Decimal, tp: Decimal) -> None:
        pos = self.positions[ticket]
        pos.sl, pos.tp = sl, tp
        await self._emit(MasterModify(ticket=ticket, sl=sl, tp=tp))

    # ------------------------------------------------------------------ pending orders

    async def place_order(
        self, symbol: str = "EURUSD", order_type: OrderType = OrderType.BUY_LIMIT,
        volume: Decimal = Decimal("0.10"), price: Decimal = Decimal("1.08000"),
        sl: Decimal = Decimal(0), tp: Decimal = Decimal(0), *, stoplimit: Decimal = Decimal(0),
        expiration_ms: int = 0, ticket: int | None = None,
    ) -> int:
        """Place a pending order (``CMD_ORDER``); returns its ticket."""
        ticket = ticket or next(_tickets)
        order = MasterOrder(order_type=order_type, symbol=symbol, price=price, volume=volume,
                            sl=sl, tp=tp, ticket=ticket, stoplimit=stoplimit,
                            expiration_ms=expiration_ms)
        self.orders[ticket] = order
        await self._emit(order)
        return ticket

    async def modify_order(self, ticket: int, *, price: Decimal | None = None,
                           sl: Decimal | None = None, tp: Decimal | None = None,
                           expiration_ms: int | None = None,
                           volume: Decimal | None = None) -> None:
        """Change the order; ``volume`` (its new current volume) is sent as the optional
        ``VOLUME`` of ``CMD_ORDER_MODIFY`` only when given."""
        o = self.orders[ticket]
        o = attrs.evolve(o, price=o.price if price is None else price,
                         sl=o.sl if sl is None else sl, tp=o.tp if tp is None else tp,
                         expiration_ms=o.expiration_ms if expiration_ms is None
                         else expiration_ms, volume=o.volume if volume is None else volume)
        self.orders[ticket] = o
        await self._emit(MasterOrderModify(ticket=ticket, price=o.price, sl=o.sl, tp=o.tp,
                                           stoplimit=o.stoplimit, expiration_ms=o.expiration_ms,
                                           volume=volume))

    async def cancel_order(self, ticket: int, reason: OrderEnd = OrderEnd.CANCELLED) -> None:
        del self.orders[ticket]
        await self._emit(MasterOrderCancel(ticket=ticket, reason=reason))

    async def fill_order(self, ticket: int, price: Decimal | None = None) -> int:
        """The order fills: MT5 opens a position with the order's ticket (``CMD_OPEN``)."""
        o = self.orders.pop(ticket)
        return await self.open(o.symbol, o.order_type.side, o.volume,
                               o.price if price is None else price, o.sl, o.tp, ticket=ticket)

    async def stop_out(self) -> None:
        assert self.link is not None
        await self.link.send(StopOut(margin_level=Decimal("30"), equity=Decimal("100")))

    async def send_raw(self, data: bytes) -> None:
        assert self.link is not None
        await self.link.stream.send_all(data)

    # ------------------------------------------------------------------ waiting

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        await self._changes.wait_for(predicate, timeout)

    async def wait_stored(self, timeout: float = 10) -> None:
        """Until every emitted event is confirmed STORED."""
        await self.wait_for(lambda: not self.outbox, timeout)
