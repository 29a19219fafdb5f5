"""The SPA's generated API types (frontend/src/api/schema.gen.ts) match the server's OpenAPI
document: regenerate them into a temporary file with scripts/gen-api-types and compare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "frontend" / "src" / "api" / "schema.gen.ts"
GENERATOR = ROOT / "frontend" / "node_modules" / ".bin" / "openapi-typescript"


def test_openapi_dump_needs_no_server() -> None:
    out = subprocess.run([sys.executable, "-m", "copytrade.api.openapi"], capture_output=True,
                         text=True, timeout=60, check=True, cwd=ROOT)
    document = json.loads(out.stdout)
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/accounts" in document["paths"]
    assert "AccountOut" in document["components"]["schemas"]


def test_generated_types_are_current(tmp_path: Path) -> None:
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR} is missing: run ./scripts/setup (npm packages)")
    fresh = tmp_path / "schema.gen.ts"
    subprocess.run([str(ROOT / "scripts" / "gen-api-types"), str(fresh)], check=True,
                   timeout=120, cwd=ROOT, env={**os.environ, "PYTHON": sys.executable})
    assert fresh.read_text(encoding="utf-8") == GENERATED.read_text(encoding="utf-8"), (
        "frontend/src/api/schema.gen.ts is not current: run ./scripts/gen-api-types "
        "and commit the result")
