"""Schemathesis against the live server's own OpenAPI document: no 5xx, answers conform."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import trio

from copytrade.api.security import SecurityConfig

from apitools import TEST_SECURITY, start_api

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = os.environ.get("CT_SCHEMATHESIS_CHECKS", "all")
MAX_EXAMPLES = os.environ.get("CT_SCHEMATHESIS_EXAMPLES", "8")


async def test_schemathesis_finds_no_server_errors(db, nursery, tmp_path) -> None:
    relaxed = SecurityConfig(
        login_per_address=(10_000, 60.0), login_per_account=(10_000, 60.0),
        token_per_address=(10_000, 60.0), register_per_address=(10_000, 60.0),
        argon2_time_cost=TEST_SECURITY.argon2_time_cost,
        argon2_memory_kib=TEST_SECURITY.argon2_memory_kib, argon2_parallelism=1)
    server = await start_api(nursery, db, security=relaxed)
    c = await server.user()
    for i in range(10):  # so the token the run uses is unlikely to be the id it guesses
        await c.post("/api/v1/tokens", json={"name": f"decoy {i}"})
    secret = (await c.post("/api/v1/tokens", json={"name": "schemathesis"})).json()["secret"]
    await c.post("/api/v1/accounts", json={"name": "M", "role": "master"})
    await c.post("/api/v1/accounts", json={"name": "F", "role": "follower"})
    await c.aclose()
    with trio.fail_after(300):
        result = await trio.run_process(
            [str(SCHEMATHESIS), "run", f"{server.url}/api/v1/openapi.json",
             "--max-examples", MAX_EXAMPLES, "--checks", CHECKS, "--seed", "1",
             # a schema-valid body may still be refused on meaning (wrong current password,
             # unknown master token, someone else's partner id): 422 by design
             "--exclude-checks", "positive_data_acceptance",
             "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
             "--request-timeout", "10", "--no-shrink",
             "-H", f"Authorization: Bearer {secret}"],
            capture_stdout=True, capture_stderr=True, check=False, cwd=tmp_path,
            env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""})
    out = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    server.ctx.shutdown.set()
    assert result.returncode == 0, out[-30000:]
