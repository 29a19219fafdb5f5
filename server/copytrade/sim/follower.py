"""Follower EA simulator: executes the server's commands on a pretend MT5 account.

It behaves as docs/protocol.md asks of a real follower EA: after login it reports ACCOUNT,
its symbols (SYM), its open copies (POS) and SYNC; it answers every OPEN with ACK_OPEN (or a
NACK at the configured reject rate), never opens a second position for one master ticket —
not even after its copy closed: it remembers every master ticket it copied, as a real EA finds
them in MT5's deal history (docs/protocol.md §11, "A copied ticket is never copied again") —
executes CLOSE as a target volume and MODIFY as target SL/TP, and keeps its positions across
reconnects (like a real terminal), so the server's resync can be tested.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable
from decimal import Decimal

import attrs
import trio

from ..domain.models import Side
from ..domain.pending import OrderType
from ..protocol import (
    ALREADY_COPIED,
    PRICE_MOVED,
    SPREAD_TOO_WIDE,
    AccountState,
    AckClose,
    AckModify,
    AckOpen,
    AckOrder,
    AckOrderCancel,
    AckOrderModify,
    CloseReason,
    CommandKind,
    CopyClose,
    CopyClosed,
    CopyModify,
    CopyOpen,
    CopyOrder,
    CopyOrderCancel,
    CopyOrderModify,
    Error,
    FloatingPnl,
    Message,
    Nack,
    OrderReport,
    Ping,
    Position,
    Rules,
    StopOut,
    SymbolInfo,
    SyncDone,
)
from ..protocol.servers import ServerAddress
from .changes import Changes
from .link import Failover, Link, LinkError
from .market import Market, profit_usd, tick_of

log = logging.getLogger(__name__)
_tickets = itertools.count(5_000_000)
PING_INTERVAL = 10.0


@attrs.define
class SimPosition:
    """One open copy on the simulated follower account."""

    master_ticket: int
    ticket: int
    symbol: str
    side: Side
    volume: Decimal
    price: Decimal
    sl: Decimal
    tp: Decimal
    last_closed: Decimal = Decimal(0)


DEFAULT_TICKS: dict[str, tuple[Decimal, Decimal]] = {
    "EURUSD": (Decimal("0.00001"), Decimal("1")),
    "GBPUSD": (Decimal("0.00001"), Decimal("1")),
    "USDJPY": (Decimal("0.001"), Decimal("0.67")),
    "XAUUSD": (Decimal("0.01"), Decimal("1")),
    "US30": (Decimal("1"), Decimal("1")),
}
"""(tick size, tick value in USD per lot) the sim reports in ``SYM``, by symbol (no suffix)."""


@attrs.define
class SimOrder:
    """One pending copy on the simulated follower account."""

    master_ticket: int
    ticket: int
    symbol: str
    order_type: OrderType
    volume: Decimal
    price: Decimal
    sl: Decimal
    tp: Decimal
    stoplimit: Decimal
    expiration_ms: int

    def triggered(self, price: Decimal) -> bool:
        """Whether the market at ``price`` fills it (limits below/above, stops beyond)."""
        if self.order_type in (OrderType.BUY_LIMIT, OrderType.SELL_STOP,
                               OrderType.SELL_STOP_LIMIT):
            return price <= self.price
        return price >= self.price


@attrs.define
class FollowerSim:
    """A simulated follower EA. Use ``await nursery.start(sim.run)``; ``stop()`` ends it."""

    host: str
    port: int
    api_key: str
    servers: tuple[ServerAddress, ...] = ()
    """Addresses to fail over between, in order; empty: ``host``/``port`` only."""
    connect_timeout: float = 10.0
    """Seconds for connect + AUTH + OK; a server that stays silent is failed over."""
    master_token: str | None = None
    symbols: tuple[str, ...] = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "US30")
    suffix: str = ""
    balance: Decimal = Decimal("10000")
    reject_rate: float = 0.0
    reply_latency: float = 0.0
    rules: Rules | None = None
    ticks: dict[str, tuple[Decimal, Decimal]] = attrs.field(factory=lambda: dict(DEFAULT_TICKS))
    """Tick size and tick value reported per symbol (no suffix); a symbol missing here is
    reported without them, as an EA older than risk-% sizing does."""
    reconnect: bool = True
    drop_ack_opens: bool = False
    """Test knob: execute OPENs but never send the ACK_OPEN (a lost acknowledgement)."""
    lose_order_cancels: bool = False
    """Test knob: ORDER_CANCEL lines are received but never reach the terminal (lost with the
    connection): the copy stays placed and nothing is answered."""
    market: Market | None = None
    """Quotes to fill at and value positions with; with one, the sim reports PNL and equity
    (ACCOUNT) as they move. Without, fills are at the master's price and closes book a fixed
    profit (the engine tests)."""
    pnl_interval: float = 1.0
    """Seconds between PNL / ACCOUNT reports (only what changed is sent)."""
    positions: dict[int, SimPosition] = attrs.field(factory=dict)
    copies_orders: bool = True
    """Send ``N_ORDERS`` in SYNC (an EA that copies pending orders); False acts as an EA
    without them (the MQL5 follower today)."""
    orders: dict[int, SimOrder] = attrs.field(factory=dict)
    """Pending copies by master ticket (reported as ORD at login, filled by ``move_price``)."""
    cancelled_orders: list[int] = attrs.field(factory=list)
    """Master tickets of the pending copies removed on an ORDER_CANCEL (or an OPEN)."""
    received: list[Message] = attrs.field(factory=list)
    closed: list[SimPosition] = attrs.field(factory=list)
    errors: list[Error] = attrs.field(factory=list)
    opens_executed: int = 0
    open_log: list[int] = attrs.field(factory=list)
    """Master ticket of every position opened, in order (a ticket twice = a double open)."""
    copied: dict[int, int] = attrs.field(factory=dict)
    """Master ticket → ticket of the copy opened for it, open or closed (the deal history)."""
    refused_copies: list[int] = attrs.field(factory=list)
    """Master tickets of OPENs refused because their copy had already closed (each one is a
    server that asked for a second copy: tests assert this stays empty)."""
    logins: int = 0
    login_refusals: list[str] = attrs.field(factory=list)
    """Error codes of refused logins (the sim reconnects with backoff)."""
    link: Link | None = None
    failover: Failover = attrs.field(init=False)
    _changes: Changes = attrs.field(factory=Changes)
    _scope: trio.CancelScope | None = None
    _stop: trio.Event = attrs.field(factory=trio.Event)
    _random: random.Random = attrs.field(factory=lambda: random.Random(7))
    _reported: dict[int, tuple[Decimal, Decimal]] = attrs.field(factory=dict)
    _reported_equity: Decimal | None = None
    pnl_sent: int = 0

    def __attrs_post_init__(self) -> None:
        self.failover = Failover.of(self.host, self.port, self.servers)

    @property
    def symbol_names(self) -> list[str]:
        return [s + self.suffix for s in self.symbols]

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Connect, sync and serve commands; reconnect after a drop (when ``reconnect``)."""
        # From the address fields as they are now (a test may set ``port`` after creating it).
        self.failover = Failover.of(self.host, self.port, self.servers)
        self._scope = trio.CancelScope()
        with self._scope:
            await self._run_loop(task_status)

    async def _run_loop(self, task_status: trio.TaskStatus[None]) -> None:
        started = False
        delay = 0.05
        while not self._stop.is_set():
            logged_in = False
            try:
                address = self.failover.attempt()
                self.link = await Link.connect(address.host, address.port, self.api_key,
                                               master_token=self.master_token,
                                               client="FollowerSim/1.0",
                                               timeout=self.connect_timeout)
                logged_in = True
                self.logins += 1
                await self._login_sync()
                if not started:
                    task_status.started()
                    started = True
                delay = 0.05
                await self._serve()
            except (LinkError, OSError, trio.TooSlowError, trio.BrokenResourceError,
                    trio.ClosedResourceError) as exc:
                if isinstance(exc, LinkError) and exc.code in {"AUTH_FAILED", "ACCOUNT_INACTIVE",
                                                                "UNKNOWN_MASTER_TOKEN"}:
                    raise
                if isinstance(exc, LinkError) and exc.code:
                    self.login_refusals.append(exc.code)  # e.g. UNAVAILABLE: retried below
                log.debug("follower sim link dropped: %s", exc)
            finally:
                self.failover.ended(logged_in)
                if self.link is not None:
                    await self.link.aclose()
                    self.link = None
                self._changes.notify()
            if not self.reconnect or self._stop.is_set():
                break
            await trio.sleep(delay)
            delay = min(delay * 2, 1.0)
        if not started:
            task_status.started()

    def stop(self) -> None:
        """End ``run`` (the connection is closed; positions are kept)."""
        self._stop.set()
        if self._scope is not None:
            self._scope.cancel()

    async def _login_sync(self) -> None:
        assert self.link is not None
        msgs: list[Message] = [AccountState(balance=self.balance, equity=self.equity,
                                            margin_level=Decimal(0), currency="USD",
                                            leverage=500)]
        for base, name in zip(self.symbols, self.symbol_names, strict=True):
            tick_size, tick_value = self.ticks.get(base, (None, None))
            msgs.append(SymbolInfo(name=name, volume_min=Decimal("0.01"),
                                   volume_max=Decimal("100"), volume_step=Decimal("0.01"),
                                   digits=5, tick_size=tick_size, tick_value=tick_value))
        for p in self.positions.values():
            msgs.append(Position(master_ticket=p.master_ticket, slave_ticket=p.ticket,
                                 symbol=p.symbol, side=p.side, volume=p.volume, sl=p.sl, tp=p.tp,
                                 profit=self.floating(p)))
        for o in self.orders.values():
            msgs.append(OrderReport(
                master_ticket=o.master_ticket, slave_ticket=o.ticket, symbol=o.symbol,
                order_type=o.order_type, volume=o.volume, price=o.price, sl=o.sl, tp=o.tp,
                stoplimit=o.stoplimit, expiration_ms=o.expiration_ms))
        if self.rules is not None:
            msgs.append(self.rules)
        msgs.append(SyncDone(symbols=len(self.symbol_names), positions=len(self.positions),
                             orders=len(self.orders) if self.copies_orders else None))
        await self.link.send_many(msgs)

    def floating(self, pos: SimPosition) -> Decimal:
        """Floating profit of one position at the market's price (0 without a market)."""
        if self.market is None:
            return Decimal(0)
        return self.market.floating(pos.symbol, pos.side, pos.volume, pos.price)

    @property
    def equity(self) -> Decimal:
        return self.balance + sum((self.floating(p) for p in self.positions.values()),
                                  Decimal(0))

    def _reports(self) -> list[Message]:
        """PNL for each position that moved since its last report, ACCOUNT if equity moved."""
        if self.market is None:
            return []
        out: list[Message] = []
        for pos in self.positions.values():
            price = self.market.quote(pos.symbol)
            profit = self.floating(pos)
            if self._reported.get(pos.master_ticket) != (price, profit):
                self._reported[pos.master_ticket] = (price, profit)
                out.append(FloatingPnl(ticket=pos.master_ticket, open_price=pos.price,
                                       price=price, profit=profit, swap=Decimal(0)))
        for gone in set(self._reported) - set(self.positions):
            del self._reported[gone]
        self.pnl_sent += len(out)
        equity = self.equity
        if equity != self._reported_equity:
            self._reported_equity = equity
            out.append(AccountState(balance=self.balance, equity=equity,
                                    margin_level=Decimal(0), currency="USD", leverage=500))
        return out

    async def _serve(self) -> None:
        assert self.link is not None
        seq = 0
        self._reported.clear()  # after a login every position is reported once
        quiet = min(PING_INTERVAL, self.link.heartbeat)
        wait = min(quiet, self.pnl_interval) if self.market is not None else quiet
        last_sent = trio.current_time()
        next_report = trio.current_time()
        while True:
            if self.market is not None and trio.current_time() >= next_report:
                next_report = trio.current_time() + self.pnl_interval
                reports = self._reports()
                if reports:
                    await self.link.send_many(reports)
                    last_sent = trio.current_time()
            msg: Message | None = None
            with trio.move_on_after(wait):
                msg = await self.link.receive()
            if msg is None:
                if trio.current_time() - last_sent >= quiet:  # heartbeat, as a real EA does
                    seq += 1
                    await self.link.send(Ping(seq))
                    last_sent = trio.current_time()
                continue
            self.received.append(msg)
            if isinstance(msg, Error):
                self.errors.append(msg)
            if isinstance(msg, CopyOrderCancel) and self.lose_order_cancels:
                continue
            reply = self._execute(msg)
            if isinstance(reply, AckOpen) and self.drop_ack_opens:
                reply = None
            if reply is not None:
                if self.reply_latency:
                    await trio.sleep(self.reply_latency)
                await self.link.send(reply)
            self._changes.notify()

    def _execute(self, msg: Message) -> Message | None:
        if self.link is not None and (reply := self.link.answer(msg)) is not None:
            return reply  # PONG for a PING
        if isinstance(msg, CopyOpen):
            existing = self.positions.get(msg.master_ticket)
            if existing is not None:  # a repeated command must not open twice
                return AckOpen(msg.master_ticket, existing.ticket, existing.volume, existing.side)
            earlier = self.copied.get(msg.master_ticket)
            if earlier is not None:  # copied once and closed since: never a second copy
                self.refused_copies.append(msg.master_ticket)
                return Nack(CommandKind.OPEN, msg.master_ticket, 0,
                            f"{ALREADY_COPIED} copy {earlier} of this ticket is closed")
            if msg.symbol not in self.symbol_names:
                return Nack(CommandKind.OPEN, msg.master_ticket, 10013, "unknown symbol")
            if self.orders.pop(msg.master_ticket, None) is not None:
                # The master's order filled, ours did not: remove it and open at market.
                self.cancelled_orders.append(msg.master_ticket)
            if self.reject_rate and self._random.random() < self.reject_rate:
                return Nack(CommandKind.OPEN, msg.master_ticket, 10019, "No money")
            fill = msg.price if self.market is None else self.market.quote(msg.symbol)
            spread = 0 if self.market is None else self.market.spread_points(msg.symbol)
            if msg.max_spread_points and spread > msg.max_spread_points:
                # As the follower EA: refuse before sending while the spread is too wide.
                return Nack(CommandKind.OPEN, msg.master_ticket, 0,
                            f"{SPREAD_TOO_WIDE} {spread} > {msg.max_spread_points} points")
            if msg.max_deviation_points and msg.price > 0:
                # As the follower EA: refuse before sending when the market is too far away.
                moved = int(abs(fill - msg.price) / tick_of(fill))
                if moved > msg.max_deviation_points:
                    return Nack(CommandKind.OPEN, msg.master_ticket, 0,
                                f"{PRICE_MOVED} {moved} > {msg.max_deviation_points} points")
            pos = SimPosition(master_ticket=msg.master_ticket, ticket=next(_tickets),
                              symbol=msg.symbol, side=msg.side, volume=msg.volume,
                              price=fill, sl=msg.sl, tp=msg.tp)
            self.positions[msg.master_ticket] = pos
            self.copied[msg.master_ticket] = pos.ticket
            self.opens_executed += 1
            self.open_log.append(msg.master_ticket)
            return AckOpen(msg.master_ticket, pos.ticket, pos.volume, pos.side)
        if isinstance(msg, CopyClose):
            held = self.positions.get(msg.master_ticket)
            if held is None:
                gone = next((p for p in reversed(self.closed)
                             if p.master_ticket == msg.master_ticket), None)
                if gone is None:
                    return Nack(CommandKind.CLOSE, msg.master_ticket, 10036, "position not found")
                # Already closed: say so with what we have (a repeat changes nothing).
                return AckClose(msg.master_ticket, gone.ticket, gone.last_closed, Decimal(0),
                                gone.price, Decimal(0))
            if msg.target_volume >= held.volume:  # already at (or below) the target
                return AckClose(msg.master_ticket, held.ticket, held.last_closed or held.volume,
                                held.volume, held.price, Decimal(0))
            closed = held.volume - msg.target_volume
            held.last_closed = closed
            close_price = held.price
            if self.market is None:
                profit = (Decimal("1.50") * closed / Decimal("0.01")).quantize(Decimal("0.01"))
            else:
                close_price = self.market.quote(held.symbol)
                profit = profit_usd(held.symbol, held.side, closed, held.price, close_price)
                self.balance += profit
            held.volume = msg.target_volume
            if held.volume == 0:
                del self.positions[msg.master_ticket]
                self.closed.append(held)
            return AckClose(msg.master_ticket, held.ticket, closed, msg.target_volume,
                            close_price, profit)
        if isinstance(msg, CopyOrder | CopyOrderModify | CopyOrderCancel):
            return self._execute_order(msg)
        if isinstance(msg, CopyModify):
            target = self.positions.get(msg.master_ticket)
            if target is None:
                return Nack(CommandKind.MODIFY, msg.master_ticket, 10036, "position not found")
            target.sl, target.tp = msg.sl, msg.tp
            return AckModify(msg.master_ticket, msg.sl, msg.tp)
        return None

    def _execute_order(self, msg: CopyOrder | CopyOrderModify | CopyOrderCancel) -> Message:
        ticket = msg.master_ticket
        held = self.orders.get(ticket)
        if isinstance(msg, CopyOrder):
            if held is not None:  # a repeated command must not place twice
                return AckOrder(ticket, held.ticket, held.volume, held.order_type)
            if ticket in self.copied:  # it filled already (or was copied once)
                return Nack(CommandKind.ORDER, ticket, 0, f"{ALREADY_COPIED} order filled")
            if msg.symbol not in self.symbol_names:
                return Nack(CommandKind.ORDER, ticket, 10013, "unknown symbol")
            order = SimOrder(master_ticket=ticket, ticket=next(_tickets), symbol=msg.symbol,
                             order_type=msg.order_type, volume=msg.volume, price=msg.price,
                             sl=msg.sl, tp=msg.tp, stoplimit=msg.stoplimit,
                             expiration_ms=msg.expiration_ms)
            self.orders[ticket] = order
            return AckOrder(ticket, order.ticket, order.volume, order.order_type)
        if isinstance(msg, CopyOrderModify):
            if held is None:
                return Nack(CommandKind.ORDER_MODIFY, ticket, 10036, "order not found")
            held.price, held.sl, held.tp = msg.price, msg.sl, msg.tp
            held.stoplimit, held.expiration_ms = msg.stoplimit, msg.expiration_ms
            if msg.volume is not None:  # as the EA: the copy is resized (re-placed in MT5)
                held.volume = msg.volume
            return AckOrderModify(ticket, msg.price, msg.sl, msg.tp, msg.stoplimit,
                                  msg.expiration_ms)
        if held is not None:
            del self.orders[ticket]
            self.cancelled_orders.append(ticket)
        return AckOrderCancel(ticket, held.ticket if held is not None else 0,
                              ticket in self.positions)

    async def move_price(self, symbol: str, price: Decimal) -> list[int]:
        """The market trades at ``price``: every pending copy on ``symbol`` it triggers fills
        (a position tagged with the same master ticket, as MT5 does). No line is sent: the
        server learns of it from the master's fill (its OPEN is answered with this position).
        Returns the master tickets filled."""
        filled = []
        for ticket, o in list(self.orders.items()):
            if o.symbol != symbol or not o.triggered(price):
                continue
            del self.orders[ticket]
            side = o.order_type.side
            self.positions[ticket] = SimPosition(
                master_ticket=ticket, ticket=o.ticket, symbol=o.symbol, side=side,
                volume=o.volume, price=o.price, sl=o.sl, tp=o.tp)
            self.copied[ticket] = o.ticket
            self.open_log.append(ticket)
            filled.append(ticket)
        self._changes.notify()
        return filled

    # -------------------------------------------------------------- test helpers

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        await self._changes.wait_for(predicate, timeout)

    async def close_by_itself(self, master_ticket: int, reason: CloseReason) -> None:
        """The copy closes on the follower (its SL/TP hit, closed by hand, stop-out)."""
        pos = self.positions.pop(master_ticket)
        self.closed.append(pos)
        assert self.link is not None
        await self.link.send(CopyClosed(master_ticket, pos.ticket, pos.price, Decimal("-5.00"),
                                        reason))

    async def stop_out(self) -> None:
        assert self.link is not None
        await self.link.send(StopOut(margin_level=Decimal("20"), equity=Decimal("15")))

    async def report_account(self, equity: Decimal, balance: Decimal | None = None,
                             margin_level: Decimal = Decimal(0)) -> None:
        """Send an ``ACCOUNT`` line with these figures (balance defaults to the sim's)."""
        assert self.link is not None
        await self.link.send(AccountState(
            balance=self.balance if balance is None else balance, equity=equity,
            margin_level=margin_level, currency="USD", leverage=500))

    async def drop_connection(self) -> None:
        """Simulate a network cut: the run loop reconnects and resyncs (if ``reconnect``)."""
        if self.link is not None:
            await self.link.aclose()
