"""``copytrade demo``: the whole system at work, for a newcomer, in one command.

It starts the server (embedded PostgreSQL unless DATABASE_URL is set, as ``serve`` does),
creates a demo user with one master and three followers — one reversed, one on a broker whose
symbols end in ``.m``, one trading twice the master's lot capped at 0.30 — and runs their EAs
as simulators in this process. The master then trades at a human pace (opens, SL/TP changes,
partial and full closes on a few symbols) and the console says what happened to each copy,
while the dashboard shows it live. Running it again reuses the user and its accounts (the
password is reset and printed again). Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from decimal import Decimal

import argon2
import attrs
import trio

from .app import RunningServer, run_server, until_signalled
from .config import Settings
from .db.accounts import AccountRepository
from .db.database import Database
from .db.models import FollowerRules, TradingAccount
from .db.users import UserRepository
from .domain.models import Role, Side
from .sim.autotrade import START_PRICES, AutoTrader
from .sim.follower import FollowerSim
from .sim.market import Market, walk_market
from .sim.master import MasterPosition, MasterSim

DEMO_EMAIL = "demo@copytrade.local"
DEMO_NAME = "Demo trader"
MASTER_NAME = "Demo master"
SYMBOLS = ("EURUSD", "GBPUSD", "XAUUSD", "USDJPY")

Say = Callable[[str], None]


@attrs.frozen
class FollowerPlan:
    """One demo follower: its account name, copy rules, broker suffix and a line for humans."""

    name: str
    rules: FollowerRules
    suffix: str
    what: str


FOLLOWERS = (
    FollowerPlan("Demo reversed", FollowerRules(reverse=True), "",
                 "copies in reverse: BUY becomes SELL, SL and TP swap"),
    FollowerPlan("Demo suffix .m", FollowerRules(), ".m",
                 "its broker spells symbols EURUSD.m, XAUUSD.m ... (matched automatically)"),
    FollowerPlan("Demo x2 max 0.30", FollowerRules(lot_value=Decimal(2), max_lot=Decimal("0.30")),
                 "", "twice the master's lot, never more than 0.30"),
)


@attrs.frozen
class DemoAccounts:
    """What :func:`prepare` set up: the login and each account with a fresh EA key."""

    user_id: int
    email: str
    password: str
    master: TradingAccount
    master_key: str
    followers: tuple[tuple[FollowerPlan, TradingAccount, str], ...]


@attrs.frozen
class DemoRunning:
    """A started demo (for tests): the server and the simulated EAs."""

    server: RunningServer
    accounts: DemoAccounts
    master: MasterSim
    followers: tuple[FollowerSim, ...]


async def _account(
    repo: AccountRepository, user_id: int, existing: dict[str, TradingAccount], name: str,
    role: Role,
) -> tuple[TradingAccount, str]:
    """The named account with a fresh EA key (keys are shown once, so a rerun rotates it)."""
    found = existing.get(name)
    if found is not None and found.role is role:
        created = await repo.rotate_key(found.id, user_id)
        if not found.is_active:
            await repo.update(found.id, user_id, is_active=True)
    else:
        created = await repo.create(user_id, name=name, role=role)
    return created.account, created.api_key


async def prepare(db: Database) -> DemoAccounts:
    """Create (or reuse) the demo user and accounts; the password is new on every run."""
    users, repo = UserRepository(db), AccountRepository(db)
    password = secrets.token_urlsafe(12)
    hashed = await trio.to_thread.run_sync(argon2.PasswordHasher().hash, password)
    found = await users.credentials(DEMO_EMAIL)
    if found is None:
        user = await users.create(email=DEMO_EMAIL, name=DEMO_NAME, hashed_password=hashed)
    else:
        user = found[0]
        await users.set_password_hash(user.id, hashed)
    existing = {a.name: a for a in await repo.list_for_user(user.id)}
    master, master_key = await _account(repo, user.id, existing, MASTER_NAME, Role.MASTER)
    assert master.master_token is not None
    followers = []
    for plan in FOLLOWERS:
        account, key = await _account(repo, user.id, existing, plan.name, Role.FOLLOWER)
        await repo.follow(account.id, user.id, master.master_token)
        account = await repo.update_rules(account.id, user.id, plan.rules)
        followers.append((plan, account, key))
    return DemoAccounts(user_id=user.id, email=DEMO_EMAIL, password=password, master=master,
                        master_key=master_key, followers=tuple(followers))


def _copies(running: DemoRunning, ticket: int | None, *, levels: bool = False) -> str:
    if ticket is None:
        return ""
    parts = []
    for (plan, _account, _key), sim in zip(running.accounts.followers, running.followers,
                                           strict=True):
        pos = sim.positions.get(ticket)
        copy = (f"{pos.side.value} {pos.volume} {pos.symbol}" if pos is not None
                else "no copy open")
        if pos is not None and levels:
            copy += f" SL {pos.sl.normalize():f} TP {pos.tp.normalize():f}"
        parts.append(f"{plan.name.removeprefix('Demo ')}: {copy}")
    return "    copies → " + " | ".join(parts)


def _banner(settings: Settings, running: DemoRunning) -> str:
    s, a = running.server, running.accounts
    url = f"http://{settings.public_host}:{s.http_port}/"
    lines = [
        "",
        "CopyTradePro demo is running",
        f"  dashboard  {url}",
        f"  login      {a.email}",
        f"  password   {a.password}",
        f"  EA gateway {settings.ea_host}:{s.ea_port}",
        "",
        f"  master     {a.master.name} (account {a.master.id}) trades {', '.join(SYMBOLS)}",
    ]
    lines += [f"  follower   {plan.name} (account {acc.id}): {plan.what}"
              for plan, acc, _key in a.followers]
    lines += ["", "Every few seconds the master opens, changes SL/TP, partly or fully closes a "
              "trade; each line shows what the followers hold for it. Ctrl-C stops.", ""]
    return "\n".join(lines)


async def run_demo(
    settings: Settings, *, interval: float = 4.0, seed: int | None = None,
    say: Say = print, shutdown: trio.Event | None = None,
    task_status: trio.TaskStatus[DemoRunning] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the demo until ``shutdown`` is set (needs trio-asyncio's loop, like run_server)."""
    shutdown = shutdown if shutdown is not None else trio.Event()
    server_stop = trio.Event()
    async with trio.open_nursery() as nursery:
        server: RunningServer = await nursery.start(
            lambda task_status: run_server(settings, shutdown=server_stop,
                                           task_status=task_status))
        accounts = await prepare(server.db)
        for account in (accounts.master, *(acc for _p, acc, _k in accounts.followers)):
            await server.engine.account_changed(account.id)
        host = "127.0.0.1" if settings.ea_host in ("0.0.0.0", "::") else settings.ea_host  # noqa: S104
        # One market for every simulated terminal: the copies are valued at the master's quotes.
        market = Market(random.Random(seed))
        for symbol in SYMBOLS:
            market.quote(symbol)
        master = MasterSim(host, server.ea_port, accounts.master_key, market=market)
        # A rerun: the master "terminal" still holds what it left open last time.
        for row in await server.db.fetch(
                "SELECT ticket, symbol, type, open_volume, price, sl, tp FROM master_trades "
                "WHERE account_id = $1 AND status = 'OPEN'", accounts.master.id):
            tick = START_PRICES.get(row["symbol"], Decimal("0.01"))
            master.positions[row["ticket"]] = MasterPosition(
                row["ticket"], row["symbol"], Side(row["type"]), row["open_volume"],
                row["price"].quantize(tick), row["sl"].quantize(tick), row["tp"].quantize(tick))
        followers = tuple(FollowerSim(host, server.ea_port, key, symbols=SYMBOLS,
                                      suffix=plan.suffix, market=market)
                          for plan, _acc, key in accounts.followers)
        every: tuple[MasterSim | FollowerSim, ...] = (master, *followers)
        async with trio.open_nursery() as sims:
            sims.start_soon(walk_market, market)
            for sim in every:
                await sims.start(sim.run)
            running = DemoRunning(server=server, accounts=accounts, master=master,
                                  followers=followers)
            say(_banner(settings, running))
            trader = AutoTrader(master, SYMBOLS, random.Random(seed), market=market)

            async def trade() -> None:
                while True:
                    await trio.sleep(interval * trader.rng.uniform(0.6, 1.4))
                    if master.link is None:
                        continue
                    text = await trader.step()
                    say(f"master {text}")
                    await trio.sleep(min(0.5, interval / 2))  # let the copies land, then show
                    say(_copies(running, trader.last_ticket,
                                levels=text.startswith("modify")))

            sims.start_soon(trade)
            task_status.started(running)
            await shutdown.wait()
            say("stopping the demo ...")
            for sim in every:
                sim.stop()
            sims.cancel_scope.cancel()
        server_stop.set()


async def _demo_until_signalled(settings: Settings, interval: float, seed: int | None) -> None:
    await until_signalled(lambda shutdown: run_demo(
        settings, interval=interval, seed=seed, say=lambda text: print(text, flush=True),
        shutdown=shutdown))


def run(settings: Settings, interval: float, seed: int | None) -> int:
    trio.run(_demo_until_signalled, settings, interval, seed)
    return 0
