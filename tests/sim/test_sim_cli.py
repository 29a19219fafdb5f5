"""``copytrade sim master|follower`` as a user runs them: two processes against a live server."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import trio

from copytrade.db.accounts import AccountRepository
from copytrade.db.users import UserRepository
from copytrade.domain.models import Role

from polling import eventually

COPYTRADE = str(Path(sys.executable).parent / "copytrade")
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


async def test_sim_master_trades_by_itself_and_sim_follower_copies(server, tmp_path):
    user = await UserRepository(server.db).create(email="sim@example.com", name="Sim",
                                                  hashed_password=HASH)
    repo = AccountRepository(server.db)
    master = await repo.create(user.id, name="M", role=Role.MASTER)
    follower = await repo.create(user.id, name="F", role=Role.FOLLOWER)
    common = ["--port", str(server.ea_port), "--symbols", "EURUSD,XAUUSD"]
    out = (tmp_path / "sims.log").open("wb")
    procs = [
        await trio.lowlevel.open_process(
            [COPYTRADE, "sim", "follower", "--api-key", follower.api_key, "--suffix", "m",
             "--master-token", master.account.master_token, *common], stdout=out, stderr=out),
        await trio.lowlevel.open_process(
            [COPYTRADE, "sim", "master", "--api-key", master.api_key, "--interval", "0.1",
             "--seed", "4", *common], stdout=out, stderr=out),
    ]
    try:
        await eventually(lambda: server.db.fetchval(
            "SELECT count(*) FROM trade_pairs WHERE status IN ('OPEN', 'CLOSED')"),
            lambda n: n >= 3, timeout=30, interval=0.1)
        symbols = {r["symbol"] for r in await server.db.fetch("SELECT symbol FROM trade_pairs")}
        assert symbols <= {"EURUSDm", "XAUUSDm"}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        with trio.fail_after(10):
            codes = [await proc.wait() for proc in procs]
        out.close()
    assert codes == [0, 0], (tmp_path / "sims.log").read_text()
    text = (tmp_path / "sims.log").read_text()
    assert "master -> open" in text and "follower <- CopyOpen" in text
    helped = await trio.run_process([COPYTRADE, "sim", "follower", "--help"],
                                    capture_stdout=True)
    assert b"--reject-rate" in helped.stdout
