"""The README's curl example works against a real server."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import trio

from apitools import Api

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.skipif(shutil.which("curl") is None and not os.environ.get("CI"),
                    reason="needs curl (a failure under CI)")
async def test_readme_curl_example(api: Api, tmp_path) -> None:
    section = README.read_text().split("## Web API", 1)[1]
    script = re.search(r"```sh\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    script = script.replace("http://127.0.0.1:8000", api.url)
    with trio.fail_after(30):
        result = await trio.run_process(["sh", "-eu", "-c", script], cwd=tmp_path,
                                        capture_stdout=True, capture_stderr=True)
    out = result.stdout.decode()
    listing = json.loads(out[out.rindex('{"items"'):])
    assert [a["name"] for a in listing["items"]] == ["Main"]
    assert '"api_key": "sk_live_' in out
