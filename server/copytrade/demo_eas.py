"""``copytrade demo --real-eas``: the demo with the real, compiled EAs instead of the Python
simulators.

The same server, user and accounts as ``copytrade demo`` (copytrade.demo.prepare); the master
and the three followers are the real ``CopyTradeMaster.mq5`` / ``CopyTradeFollower.mq5``, each
in its own emulated MT5 terminal (copytrade.ea, mql5/emulator). The demo trades on the master
terminal as a trader would (opens, SL/TP changes, partial and full closes), moves the quotes of
every terminal together, and prints what each follower terminal holds for the trade.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import trio

from .app import RunningServer, run_server
from .config import Settings
from .demo import SYMBOLS, DemoAccounts, Say, prepare
from .ea.build import BuildError, Built, build
from .ea.scenario import DEFAULT_SYMBOLS
from .ea.terminal import Terminal
from .sim.autotrade import LOTS
from .sim.market import Market, tick_of

__all__ = ["BuildError", "DemoEasRunning", "run_demo_real_eas"]


@attrs.frozen
class DemoEasRunning:
    """A started real-EA demo (for tests)."""

    server: RunningServer
    accounts: DemoAccounts
    master: Terminal
    followers: tuple[Terminal, ...]


def _spec(symbol: str, market: Market) -> dict[str, Any]:
    spec = dict(DEFAULT_SYMBOLS[symbol])
    price = market.quote(symbol)
    spec["bid"] = float(price)
    spec["ask"] = float(price + tick_of(price) * 10)
    return spec


async def _terminal(nursery: trio.Nursery, built: Built, directory: Path, name: str, login: int,
                    key: str, port: int, market: Market, suffix: str = "",
                    master_token: str = "") -> Terminal:
    t = Terminal(built, directory / name, name)
    await t.start(nursery)
    await t.op("account", login=login, mode="hedging", balance=10000, currency="USD",
               leverage=100)
    for symbol in SYMBOLS:
        await t.op("symbol", name=symbol + suffix, **_spec(symbol, market))
    await t.op("terminal", chart=SYMBOLS[0] + suffix)
    inputs = {"InpApiKey": key, "InpHost": "127.0.0.1", "InpPort": str(port),
              **({"InpMasterToken": master_token} if master_token else {})}
    for name_, value in inputs.items():
        await t.op("input", name=name_, value=value)
    await t.op("attach")
    return t


@attrs.define
class TerminalTrader:
    """The demo's trader at the master terminal: human-paced moves, quotes that wander."""

    master: Terminal
    terminals: tuple[Terminal, ...]
    suffixes: tuple[str, ...]
    market: Market
    rng: random.Random
    open: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    last_position: int | None = None

    async def ticks(self) -> None:
        """Every terminal sees the same quotes (with its own suffix), once a second."""
        while True:
            await trio.sleep(1.0)
            self.market.step()
            for t, suffix in zip(self.terminals, self.suffixes, strict=True):
                for symbol in SYMBOLS:
                    price = self.market.quote(symbol)
                    await t.op("tick", symbol=symbol + suffix, bid=float(price),
                               ask=float(price + tick_of(price) * 10))

    async def step(self) -> str:
        held = sorted(self.open)
        roll = self.rng.random()
        if not held or (len(held) < 4 and roll < 0.45):
            symbol = self.rng.choice(SYMBOLS)
            side = self.rng.choice(("BUY", "SELL"))
            price = self.market.quote(symbol)
            gap = tick_of(price) * 300
            sl, tp = ((price - gap, price + 2 * gap) if side == "BUY"
                      else (price + gap, price - 2 * gap))
            volume = self.rng.choice(LOTS)
            reply = await self.master.op("open", symbol=symbol, side=side, volume=float(volume),
                                         sl=float(sl), tp=float(tp))
            position = self.last_position = int(reply["position"])
            self.open[position] = {"symbol": symbol, "side": side, "volume": volume,
                                   "price": price}
            return f"open {position}: {side} {volume} {symbol} @ {price} (SL {sl}, TP {tp})"
        position = self.last_position = self.rng.choice(held)
        pos = self.open[position]
        if roll < 0.65:
            gap = tick_of(pos["price"]) * self.rng.randint(150, 450)
            sl, tp = ((pos["price"] - gap, pos["price"] + 2 * gap) if pos["side"] == "BUY"
                      else (pos["price"] + gap, pos["price"] - 2 * gap))
            await self.master.op("modify", position=position, sl=float(sl), tp=float(tp))
            return f"modify {position}: {pos['symbol']} SL {sl}, TP {tp}"
        if roll < 0.8 and pos["volume"] >= Decimal("0.02"):
            part = (pos["volume"] / 2).quantize(Decimal("0.01"))
            await self.master.op("close", position=position, volume=float(part))
            pos["volume"] -= part
            return (f"partial close {position}: {part} of {pos['volume'] + part} "
                    f"{pos['symbol']} closed")
        await self.master.op("close", position=position)
        del self.open[position]
        return f"close {position}: {pos['side']} {pos['symbol']} fully closed"


async def _copies(followers: DemoAccounts, terminals: tuple[Terminal, ...],
                  position: int | None) -> str:
    if position is None:
        return ""
    parts = []
    for (plan, _account, _key), t in zip(followers.followers, terminals, strict=True):
        held = [p for p in (await t.state())["positions"] if p["comment"] == f"CT#{position}"]
        copy = (" + ".join(f"{p['side']} {p['volume']:g} {p['symbol']}"
                           + (f" SL {p['sl']:g} TP {p['tp']:g}" if p["sl"] or p["tp"] else "")
                           for p in held) or "no copy open")
        parts.append(f"{plan.name.removeprefix('Demo ')}: {copy}")
    return "    copies → " + " | ".join(parts)


def _banner(settings: Settings, server: RunningServer, a: DemoAccounts, folder: Path) -> str:
    lines = [
        "",
        "CopyTradePro demo is running with the real EAs (compiled MQL5 in emulated terminals)",
        f"  dashboard  http://{settings.public_host}:{server.http_port}/",
        f"  login      {a.email}",
        f"  password   {a.password}",
        f"  EA gateway {settings.ea_host}:{server.ea_port}",
        f"  terminals  {folder}",
        "",
        f"  master     {a.master.name} (account {a.master.id}): CopyTradeMaster.mq5, trades "
        f"{', '.join(SYMBOLS)}",
    ]
    lines += [f"  follower   {plan.name} (account {acc.id}): CopyTradeFollower.mq5, {plan.what}"
              for plan, acc, _key in a.followers]
    lines += ["", "Every few seconds the master terminal opens, changes SL/TP, partly or fully "
              "closes a trade; each line shows what the follower terminals hold for it. "
              "Ctrl-C stops.", ""]
    return "\n".join(lines)


async def run_demo_real_eas(
    settings: Settings, *, interval: float = 4.0, seed: int | None = None,
    say: Say = print, shutdown: trio.Event | None = None,
    task_status: trio.TaskStatus[DemoEasRunning] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the real-EA demo until ``shutdown`` is set (needs trio-asyncio's loop).
    Raises BuildError (before starting anything) when the EAs cannot be compiled."""
    shutdown = shutdown if shutdown is not None else trio.Event()
    say("building the EAs and the terminal emulator with g++ (cached after the first run) ...")
    master_build = await trio.to_thread.run_sync(build, "master")
    follower_build = await trio.to_thread.run_sync(build, "follower")
    folder = Path(tempfile.mkdtemp(prefix="copytrade-demo-eas-"))
    server_stop = trio.Event()
    try:
        async with trio.open_nursery() as nursery:
            server: RunningServer = await nursery.start(
                lambda task_status: run_server(settings, shutdown=server_stop,
                                               task_status=task_status))
            accounts = await prepare(server.db)
            for account in (accounts.master, *(acc for _p, acc, _k in accounts.followers)):
                await server.engine.account_changed(account.id)
            rng = random.Random(seed)
            market = Market(random.Random(seed))
            async with trio.open_nursery() as terms:
                master = await _terminal(terms, master_build, folder, "master", 50001,
                                         accounts.master_key, server.ea_port, market)
                followers = []
                for i, (plan, _account, key) in enumerate(accounts.followers):
                    assert accounts.master.master_token is not None
                    followers.append(await _terminal(
                        terms, follower_build, folder, f"follower{i + 1}", 60001 + i, key,
                        server.ea_port, market, suffix=plan.suffix,
                        master_token=accounts.master.master_token))
                every = (master, *followers)
                trader = TerminalTrader(master, every, ("", *(p.suffix for p, _a, _k in
                                                              accounts.followers)),
                                        market, rng)
                say(_banner(settings, server, accounts, folder))

                async def trade() -> None:
                    while True:
                        await trio.sleep(interval * rng.uniform(0.6, 1.4))
                        say(f"master {await trader.step()}")
                        await trio.sleep(min(1.0, max(0.3, interval / 2)))
                        say(await _copies(accounts, tuple(followers), trader.last_position))

                async with trio.open_nursery() as loops:
                    loops.start_soon(trader.ticks)
                    loops.start_soon(trade)
                    task_status.started(DemoEasRunning(server, accounts, master,
                                                       tuple(followers)))
                    await shutdown.wait()
                    say("stopping the demo ...")
                    loops.cancel_scope.cancel()
                with trio.CancelScope(shield=True):
                    for t in every:
                        await t.stop()
            server_stop.set()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(settings: Settings, interval: float, seed: int | None) -> int:
    import sys

    from .app import until_signalled

    try:
        trio.run(until_signalled, lambda shutdown: run_demo_real_eas(
            settings, interval=interval, seed=seed, say=lambda text: print(text, flush=True),
            shutdown=shutdown))
    except BaseException as exc:
        error = _leaf(exc)
        if error is None:
            raise
        print(f"copytrade: cannot run the real EAs: {error}", file=sys.stderr)
        return 1
    return 0


def _leaf(exc: BaseException) -> BuildError | None:
    if isinstance(exc, BuildError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _leaf(inner)
            if found is not None:
                return found
    return None
