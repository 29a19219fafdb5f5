"""The EA sources call only functions that exist: their own, or MQL5 built-ins.

No MetaEditor runs here, so a misspelt or invented MQL5 function would only show up on a
trader's terminal. This scans ``mql5/**/*.mq5|.mqh`` for identifiers followed by ``(`` and
requires each to be defined in those sources or listed in ``mql5/tools/builtins.txt`` (the
MQL5 Reference's list of functions). The g++ shim may only provide listed built-ins, so the
compiled tests cannot hide a function MQL5 lacks.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MQL5 = ROOT / "mql5"
BUILTINS_FILE = MQL5 / "tools" / "builtins.txt"

# Words followed by "(" that are language, not functions.
KEYWORDS = frozenset(
    {
        "if", "for", "while", "switch", "return", "sizeof", "delete", "new", "case", "do",
        "else", "operator", "template", "typename", "defined", "void", "bool", "char", "uchar",
        "short", "ushort", "int", "uint", "long", "ulong", "float", "double", "string",
        "datetime", "color", "input", "const", "static",
    }
)  # fmt: skip

_COMMENT_OR_STRING = re.compile(
    r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.DOTALL
)
_CALL = re.compile(r"(?<![\w#])([A-Za-z_]\w*)\s*\(")
_TYPE = r"(?:const\s+)?[A-Za-z_]\w*(?:\s*[&*])?"
_DEFINITION = re.compile(rf"\b{_TYPE}\s+[&*]?\s*(?:[A-Za-z_]\w*::)?([A-Za-z_]\w*)\s*\(")
_CLASS = re.compile(r"\b(?:class|struct|enum)\s+([A-Za-z_]\w*)")
_MACRO = re.compile(r"#define\s+([A-Za-z_]\w*)")


def strip_comments_and_strings(source: str) -> str:
    """Source with comments removed and string/char literals emptied."""

    def repl(match: re.Match[str]) -> str:
        text = match.group()
        if text.startswith("/"):
            return " " * text.count("\n") if "\n" in text else " "
        return text[0] * 2

    return _COMMENT_OR_STRING.sub(repl, source)


def defined_names(sources: dict[Path, str]) -> set[str]:
    """Functions, methods, classes (constructors) and macros the sources define."""
    names: set[str] = set()
    for text in sources.values():
        names.update(_DEFINITION.findall(text))
        names.update(_CLASS.findall(text))
        names.update(_MACRO.findall(text))
    return names


def called_names(text: str) -> list[tuple[int, str]]:
    """(line number, name) of each identifier followed by "(" outside #include/#property."""
    calls = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped.startswith(("#include", "#property")):
            continue
        calls.extend((number, name) for name in _CALL.findall(line))
    return calls


def load_builtins() -> set[str]:
    lines = BUILTINS_FILE.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def unknown_calls(sources: dict[Path, str], builtins: set[str]) -> list[str]:
    """``path:line: name`` for every call that is neither defined nor a built-in."""
    cleaned = {path: strip_comments_and_strings(text) for path, text in sources.items()}
    known = defined_names(cleaned) | builtins | KEYWORDS
    problems = []
    for path, text in cleaned.items():
        for number, name in called_names(text):
            if name not in known:
                problems.append(
                    f"{path.relative_to(ROOT) if path.is_absolute() else path}:{number}: {name}"
                )
    return problems


def ea_sources() -> dict[Path, str]:
    files = sorted([*MQL5.rglob("*.mq5"), *MQL5.rglob("*.mqh")])
    return {path: path.read_text(encoding="utf-8") for path in files}


def test_builtins_list_is_sane() -> None:
    builtins = load_builtins()
    assert len(builtins) > 400
    for name in ("OrderSend", "SocketTlsHandshake", "HistorySelectByPosition",
                 "EventSetMillisecondTimer", "FileOpen", "StringSubstr"):  # fmt: skip
        assert name in builtins


def test_ea_sources_exist() -> None:
    names = {path.name for path in ea_sources()}
    assert {"CopyTradeMaster.mq5", "CopyTradeFollower.mq5", "Protocol.mqh", "Outbox.mqh"} <= names


def test_ea_sources_call_only_known_functions() -> None:
    problems = unknown_calls(ea_sources(), load_builtins())
    assert not problems, "calls to functions that are neither ours nor MQL5's:\n" + "\n".join(
        problems
    )


def test_shim_provides_only_real_builtins() -> None:
    shim = (MQL5 / "tests" / "mql5_shim.h").read_text(encoding="utf-8")
    provided = set(re.findall(r"^inline\s+[\w:<>*& ]+?\b([A-Z]\w*)\s*\(", shim, re.MULTILINE))
    provided = {name for name in provided if not name.startswith("CtShim")}
    assert provided, "no shim functions found"
    assert provided <= load_builtins(), sorted(provided - load_builtins())


def test_the_check_catches_a_typo() -> None:
    source = (
        "int CT_Helper(int x) { return x; }\n"
        'void OnStart() { string s = "StringFnd(x)"; // Alertt(1)\n'
        '  int n = StringFnd(s, "a"); CT_Helper(n); Print(s); obj.Method(1); }\n'
        "class CFoo { public: void Method(int a) { } };\n"
    )
    problems = unknown_calls({Path("fake.mq5"): source}, load_builtins())
    assert problems == ["fake.mq5:3: StringFnd"]
