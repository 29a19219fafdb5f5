"""``copytrade backup`` / ``restore``: a round trip from one embedded data folder into a fresh
one finds every user, account and trade; a garbage or unreadable file changes nothing."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
import trio_asyncio

from copytrade.app import database_url
from copytrade.cli import main
from copytrade.config import Settings
from copytrade.db.migrate import migrate

pytestmark = pytest.mark.slow

HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


async def _seed(folder: Path) -> None:
    async with database_url(Settings(data_dir=folder)) as dsn:
        await migrate(dsn)
        con = await trio_asyncio.aio_as_trio(asyncpg.connect)(dsn)
        q = trio_asyncio.aio_as_trio(con.execute)
        for i in (1, 2):
            await q(f"INSERT INTO users (email, name, hashed_password) "
                    f"VALUES ('u{i}@example.com', 'U{i}', '{HASH}')")
        await q("INSERT INTO trading_accounts (user_id, name, role, api_key_hash, "
                "api_key_prefix, master_token) VALUES (1, 'M', 'master', "
                "sha256('k1'), 'sk_live_abcd', 'MST-abcdefghijklmnopqr')")
        for t in (11, 12, 13):
            await q("INSERT INTO master_trades (account_id, ticket, symbol, type, price, "
                    f"volume, open_volume) VALUES (1, {t}, 'XAUUSD', 'BUY', 2000, 0.1, 0.1)")
        await trio_asyncio.aio_as_trio(con.close)()


async def _counts(folder: Path) -> tuple[int, int, int]:
    async with database_url(Settings(data_dir=folder)) as dsn:
        con = await trio_asyncio.aio_as_trio(asyncpg.connect)(dsn)
        v = trio_asyncio.aio_as_trio(con.fetchval)
        try:
            return (await v("SELECT count(*) FROM users"),
                    await v("SELECT count(*) FROM trading_accounts"),
                    await v("SELECT count(*) FROM master_trades"))
        except asyncpg.UndefinedTableError:
            return (0, 0, 0)
        finally:
            await trio_asyncio.aio_as_trio(con.close)()


def test_round_trip_and_bad_files(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    old, fresh, dump = tmp_path / "old", tmp_path / "fresh", tmp_path / "ct.dump"
    trio_asyncio.run(_seed, old)
    assert main(["backup", str(dump), "--data-dir", str(old)]) == 0
    assert dump.stat().st_size > 0 and not list(tmp_path.glob(".*partial"))

    # garbage, a missing file, a folder: clear errors, the fresh database stays empty
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"PGDMP but not really" * 10)
    for bad in (garbage, tmp_path / "missing.dump", tmp_path):
        assert main(["restore", str(bad), "--data-dir", str(fresh)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("copytrade restore: "), err
    assert trio_asyncio.run(_counts, fresh) == (0, 0, 0)

    assert main(["restore", str(dump), "--data-dir", str(fresh)]) == 0
    assert trio_asyncio.run(_counts, fresh) == (2, 1, 3)
    # restoring twice into the same database is refused (it is not empty)
    assert main(["restore", str(dump), "--data-dir", str(fresh)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert trio_asyncio.run(_counts, fresh) == (2, 1, 3)
    # a backup into a folder that does not exist
    assert main(["backup", str(tmp_path / "nope" / "x.dump"), "--data-dir", str(old)]) == 1
