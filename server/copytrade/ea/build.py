"""Compile the real MQL5 EAs, whole, for the MT5 terminal emulator (mql5/emulator/).

The only changes made to the MQL5 sources are the mechanical steps of :func:`transform`
(documented in mql5/emulator/README.md); everything else is compiled as written, with the
declarations of ``mql5/emulator/mql5_api.h`` (the MQL5 Reference's signatures).

Builds are cached under a directory keyed by the hash of every input (sources, header,
runtime, flags, compiler version), so each binary is compiled once.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[3]
EMULATOR_SUBDIR = Path("emulator")
HANDLERS = ("OnInit", "OnDeinit", "OnTimer", "OnTick", "OnTradeTransaction")
EA_NAMES = {"master": "CopyTradeMaster", "follower": "CopyTradeFollower"}


class BuildError(Exception):
    """The emulator or an EA could not be built; the message says why."""


def mql5_dir() -> Path:
    """The mql5/ folder: COPYTRADE_MQL5_DIR, else the one of this source checkout."""
    configured = os.environ.get("COPYTRADE_MQL5_DIR")
    path = Path(configured) if configured else ROOT / "mql5"
    if not (path / "Experts").is_dir() or not (path / "emulator" / "runtime.cpp").is_file():
        raise BuildError(f"no MQL5 sources at {path} (set COPYTRADE_MQL5_DIR to the repository's "
                         "mql5/ folder)")
    return path


def default_cache_dir() -> Path:
    configured = os.environ.get("COPYTRADE_EA_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "copytrade" / "ea-build"


# --------------------------------------------------------------------------- transformation

_PROPERTY = re.compile(r"^[ \t]*#property\b.*$", re.MULTILINE)
_INPUT = re.compile(r"^([ \t]*)(?:input|sinput)[ \t]+([A-Za-z_]\w*)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
# `T name[]` / `const T &name[]` (dynamic arrays): the only array form C++ lacks.
_DYN_ARRAY = re.compile(r"\b(const[ \t]+)?([A-Za-z_]\w*)[ \t]*(&?)[ \t]*([A-Za-z_]\w*)[ \t]*\[[ \t]*\]")
_INCLUDE = re.compile(r'^[ \t]*#include[ \t]*[<"]([^>"]+)[>"]', re.MULTILINE)


@attrs.frozen
class Input:
    type: str
    name: str


def _mask(text: str) -> str:
    """``text`` with comments and string/char literals blanked (same length, same lines)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text[i] in "\"'":
            quote, j = text[i], i + 1
            while j < n and text[j] != quote and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            for k in range(i + 1, j - 1):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        else:
            i += 1
            continue
        for k in range(i, j):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


_FUNC_HEAD = re.compile(
    r"(?:^|(?<=[;}\n]))[ \t]*((?:[A-Za-z_]\w*[ \t]+)+?[&*]?[ \t]*)([A-Za-z_]\w*)[ \t]*\(([^;{}()]*"
    r"(?:\([^;{}()]*\)[^;{}()]*)*)\)[ \t\n]*(?:const[ \t\n]*)?\{")
_NOT_FUNCS = frozenset({"if", "for", "while", "switch", "return", "else", "do", "sizeof", "case"})


def _split_params(params: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in params:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _top_level_functions(text: str) -> tuple[str, list[tuple[str, int, str]]]:
    """(masked text, [(name, offset of the head's line, prototype)]) of top-level functions."""
    masked = _mask(text)
    depths = []
    depth = 0
    for ch in masked:
        depths.append(depth)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
    found = []
    for m in _FUNC_HEAD.finditer(masked):
        if depths[m.start(2)] != 0 or m.group(2) in _NOT_FUNCS:
            continue
        head = m.group(1).split()
        if not head or head[0] in ("class", "struct", "enum", "return", "else", "new", "delete"):
            continue
        original = text[m.start(3):m.end(3)]
        params = [re.sub(r"=.*$", "", p, flags=re.DOTALL).strip() for p in _split_params(original)]
        proto = f"{' '.join(m.group(1).split())} {m.group(2)}({', '.join(params)});"
        found.append((m.group(2), text.rfind("\n", 0, m.start(2)) + 1, proto))
    return masked, found


def forward_declarations(text: str) -> tuple[int, str]:
    """Where to insert, and the prototypes (default values dropped) of the file's top-level
    functions that are called before their definition: MQL5 allows that, C++ needs a
    declaration first. They go just before the first function that makes such a call."""
    masked, funcs = _top_level_functions(text)
    protos: list[str] = []
    first_use = -1
    for name, head, proto in funcs:
        uses = [m.start() for m in re.finditer(rf"\b{re.escape(name)}\s*\(", masked)
                if m.start() < head]
        if uses:
            protos.append(proto)
            first_use = uses[0] if first_use < 0 else min(first_use, uses[0])
    if not protos:
        return -1, ""
    at = max((head for _, head, _ in funcs if head <= first_use), default=-1)
    return at, " ".join(protos)


def transform(source: str) -> tuple[str, list[Input]]:
    """The mechanical MQL5 -> C++ step.

    1. ``#property ...`` lines become empty lines (C++ has no such directive).
    2. ``input T name`` / ``sinput T name`` lose the keyword: a global the terminal sets.
    3. ``T name[]`` (a dynamic array, also ``T &name[]`` parameters) becomes
       ``CArray<T> name`` (``CArray<T> &name``), the header's dynamic array.
    4. Prototypes of top-level functions called before their definition (MQL5 needs none)
       are inserted on one line before the first function that makes such a call.
    Line numbers of the source are kept (compiler errors point at the right line).
    """
    text = _PROPERTY.sub("", source)
    inputs = [Input(m.group(2), m.group(3)) for m in _INPUT.finditer(text)]
    text = _INPUT.sub(r"\1\2 \3", text)
    text = _DYN_ARRAY.sub(lambda m: f"{m.group(1) or ''}CArray<{m.group(2)}> {m.group(3)}{m.group(4)}",
                          text)
    at, protos = forward_declarations(text)
    if at >= 0:
        text = text[:at] + protos + " " + text[at:]
    return text, inputs


def glue(source: str, inputs: Sequence[Input]) -> str:
    """C entry points the terminal calls (appended to the .mq5's translation unit)."""
    lines = ["", "// ---- generated by copytrade.ea.build: entry points for the emulator ----",
             '#include <cstring>', "namespace ct_emu {",
             "inline bool SetValue(string &v, const char *t) { v = string(t); return true; }",
             "inline bool SetValue(bool &v, const char *t) {",
             '  if (!std::strcmp(t, "true") || !std::strcmp(t, "1")) { v = true; return true; }',
             '  if (!std::strcmp(t, "false") || !std::strcmp(t, "0")) { v = false; return true; }',
             "  return false; }",
             "inline bool SetValue(double &v, const char *t) { char *e; v = std::strtod(t, &e); "
             "return *t && !*e; }",
             "template <typename V> bool SetValue(V &v, const char *t) { char *e; "
             "long long x = std::strtoll(t, &e, 10); if (!*t || *e) return false; v = (V)x; "
             "return true; }",
             "}"]
    has = {h: re.search(rf"\b(?:int|void)\s+{h}\s*\(", source) is not None for h in HANDLERS}
    if has["OnInit"]:
        returns_int = re.search(r"\bint\s+OnInit\s*\(", source) is not None
        body = "return OnInit();" if returns_int else "OnInit(); return 0;"
        lines.append(f'extern "C" int ct_emu_OnInit() {{ {body} }}')
    if has["OnDeinit"]:
        lines.append('extern "C" void ct_emu_OnDeinit(int r) { OnDeinit(r); }')
    for h in ("OnTimer", "OnTick"):
        if has[h]:
            lines.append(f'extern "C" void ct_emu_{h}() {{ {h}(); }}')
    if has["OnTradeTransaction"]:
        lines.append('extern "C" void ct_emu_OnTradeTransaction(const MqlTradeTransaction &t, '
                     "const MqlTradeRequest &q, const MqlTradeResult &r) "
                     "{ OnTradeTransaction(t, q, r); }")
    lines.append('extern "C" int ct_emu_SetInput(const char *name, const char *value) {')
    for inp in inputs:
        lines.append(f'  if (!std::strcmp(name, "{inp.name}")) '
                     f"return ct_emu::SetValue({inp.name}, value);")
    lines.append("  return 0; }")
    return "\n".join(lines) + "\n"


def _collect(mql5: Path, main: Path) -> dict[str, Path]:
    """The .mq5 and every file it includes (recursively): build-relative name -> source."""
    files: dict[str, Path] = {}
    todo = [main]
    while todo:
        path = todo.pop()
        text = path.read_text(encoding="utf-8")
        for name in _INCLUDE.findall(text):
            candidates = [mql5 / "Include" / name, path.parent / name]
            found = next((c for c in candidates if c.is_file()), None)
            if found is None:
                raise BuildError(f"{path.name}: include {name} not found")
            key = f"include/{name}"
            if key not in files:
                files[key] = found
                todo.append(found)
    return files


# --------------------------------------------------------------------------- compiling

@attrs.frozen
class Built:
    terminal: Path   # the emulator executable
    ea: Path         # the EA shared object
    directory: Path


def _gxx() -> str:
    gxx = shutil.which(os.environ.get("CXX", "g++"))
    if gxx is None:
        raise BuildError("g++ is not installed: the EA emulator compiles the real EAs with g++ "
                         "(Debian/Ubuntu: apt-get install g++)")
    return gxx


def _tls_available() -> bool:
    return Path("/usr/include/openssl/ssl.h").is_file()


def _run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise BuildError(f"{what} failed to compile:\n{result.stderr[-6000:]}")


def _digest(parts: Sequence[str | bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def _flags(sanitize: bool) -> list[str]:
    flags = ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror", "-O1", "-g0"]
    if sanitize:
        flags += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
    return flags


def _cached(out: Path, products: Sequence[str], compile_into: Callable[[Path], None]) -> None:
    """Run ``compile_into(tmpdir)`` unless ``out`` holds ``products``; then move it to ``out``."""
    if all((out / p).is_file() for p in products):
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        compile_into(work)
        if out.exists():
            shutil.rmtree(out, ignore_errors=True)
        try:
            work.rename(out)
        except OSError:  # built at the same time by another process: theirs is as good
            pass
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def build_terminal(*, cache_dir: Path | None = None, sanitize: bool = False) -> Path:
    """The emulator executable (runtime.cpp), compiled once per source hash."""
    gxx = _gxx()
    emulator = mql5_dir() / "emulator"
    tls = _tls_available()
    flags = _flags(sanitize)
    version = subprocess.run([gxx, "--version"], capture_output=True, text=True).stdout
    key = _digest([version, " ".join(flags), str(tls), (emulator / "mql5_api.h").read_text(),
                   (emulator / "runtime.cpp").read_text()])
    out = (cache_dir or default_cache_dir()) / f"terminal-{key}"

    def compile_into(work: Path) -> None:
        tls_flags = ["-DCT_EMU_TLS"] if tls else []
        libs = ["-ldl", *(["-lssl", "-lcrypto"] if tls else [])]
        _run([gxx, *flags, *tls_flags, "-rdynamic", "-I", str(emulator),
              str(emulator / "runtime.cpp"), "-o", str(work / "terminal"), *libs],
             "the emulator runtime")

    _cached(out, ["terminal"], compile_into)
    return out / "terminal"


def build_ea(role: str, *, cache_dir: Path | None = None, sanitize: bool = False,
             extra_source: str | None = None) -> Path:
    """One EA (``master``/``follower``), compiled whole into a shared object the terminal
    loads. ``extra_source`` replaces the .mq5 text (tests use it to show wrong code fails)."""
    if role not in EA_NAMES:
        raise BuildError(f"unknown EA {role!r}: use master or follower")
    gxx = _gxx()
    mql5 = mql5_dir()
    main = mql5 / "Experts" / f"{EA_NAMES[role]}.mq5"
    main_text = extra_source if extra_source is not None else main.read_text(encoding="utf-8")
    includes = _collect(mql5, main)
    header = mql5 / "emulator" / "mql5_api.h"
    flags = _flags(sanitize)
    version = subprocess.run([gxx, "--version"], capture_output=True, text=True).stdout
    parts: list[str | bytes] = [version, " ".join(flags), main_text, header.read_text(),
                                Path(__file__).read_text()]
    for name in sorted(includes):
        parts += [name, includes[name].read_bytes()]
    out = (cache_dir or default_cache_dir()) / f"{role}-{_digest(parts)}"
    so = f"{EA_NAMES[role]}.so"

    def compile_into(work: Path) -> None:
        for name, path in includes.items():
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(transform(path.read_text(encoding="utf-8"))[0], encoding="utf-8")
        text, inputs = transform(main_text)
        (work / main.name).write_text(text, encoding="utf-8")
        unit = work / f"{EA_NAMES[role]}.cpp"
        unit.write_text(f'#include "{main.name}"\n' + glue(main_text, inputs), encoding="utf-8")
        _run([gxx, *flags, "-fPIC", "-shared", "-include", str(header),
              "-I", str(work / "include"), str(unit), "-o", str(work / so)],
             f"{main.name} (with its includes)")

    _cached(out, [so], compile_into)
    return out / so


def build(role: str, *, cache_dir: Path | None = None, sanitize: bool = False) -> Built:
    """The emulator and one EA, compiled (or taken from the cache)."""
    ea = build_ea(role, cache_dir=cache_dir, sanitize=sanitize)
    terminal = build_terminal(cache_dir=cache_dir, sanitize=sanitize)
    return Built(terminal, ea, ea.parent)
