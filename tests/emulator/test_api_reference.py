"""The emulator's MQL5 API is the MQL5 Reference's, and the EAs compile whole against it.

``mql5/emulator/mql5_api.h`` declares every built-in the EAs may call; each declaration must be
one of the reference's prototypes (same return type, parameter types, count and defaults), read
from the machine-readable reference (``reference.py``). Because the EAs are compiled whole
against these declarations, a call with a wrong arity, a wrong argument type, a property of the
wrong enumeration or a function MQL5 lacks fails to build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from copytrade.ea.build import EA_NAMES, BuildError, build_ea, transform

from reference import HEADER, ROOT, header_declarations, load_reference, reference_signatures


@pytest.fixture(scope="module")
def reference() -> dict[str, set[object]]:
    return reference_signatures(load_reference())  # type: ignore[return-value]


def test_every_declaration_matches_the_reference(reference: dict[str, set[object]]) -> None:
    ours = header_declarations()
    assert len(ours) > 80
    wrong = {name: sig for name, sig in ours.items() if sig not in reference.get(name, set())}
    assert not wrong, "declarations that differ from the MQL5 Reference:\n" + "\n".join(
        f"  {n}: ours {s}, reference {sorted(reference.get(n, set()))}" for n, s in wrong.items())


def test_the_check_catches_a_wrong_declaration(reference: dict[str, set[object]]) -> None:
    text = HEADER.read_text(encoding="utf-8")
    for before, after in [
        ("int StringFind(string string_value, string match_substring, int start_pos = 0);",
         "int StringFind(string string_value, string match_substring, int start_pos = 1);"),
        ("bool SymbolSelect(string name, bool select);", "bool SymbolSelect(string name);"),
        ("uint SocketIsReadable(const int socket);", "int SocketIsReadable(const int socket);"),
        ("int SocketCreate(uint flags);", "int SocketCreate(uint flags = 0);"),
        ("void Sleep(int milliseconds);", "void Sleepp(int milliseconds);"),
    ]:
        assert before in text
        sig_name = re.search(r"(\w+)\(", after).group(1)  # type: ignore[union-attr]
        changed = header_declarations(text.replace(before, after))
        assert changed[sig_name] not in reference.get(sig_name, set()), after


def test_the_runtime_defines_only_declared_builtins() -> None:
    """runtime.cpp may not add an MQL5-looking function the header does not declare."""
    runtime = (ROOT / "mql5" / "emulator" / "runtime.cpp").read_text(encoding="utf-8")
    api = runtime.split("// =============================================================================== MQL5 API", 1)[1]
    defined = set(re.findall(r"^[A-Za-z][\w<> ]*?[ &*]([A-Z]\w*)\(", api, re.MULTILINE))
    defined -= {"Select", "SelectedDeal", "SendResult", "FillingAccepted", "VolumeValid",
                "ReadInto", "TlsRead"}
    assert defined <= set(header_declarations()), defined - set(header_declarations())


def test_transformation_is_mechanical() -> None:
    src = ('#property version "1.0"\ninput int InpX = 5; // x\nsinput string InpY = "a";\n'
           "uchar buf[];\nint F(uchar &b[], int n = 2) { return G(n); }\nint G(int n) { return n; }\n")
    text, inputs = transform(src)
    assert [(i.type, i.name) for i in inputs] == [("int", "InpX"), ("string", "InpY")]
    assert text.splitlines()[0] == ""
    assert "int InpX = 5;" in text and "string InpY" in text and "sinput" not in text
    assert "CArray<uchar> buf;" in text and "CArray<uchar> &b" in text
    assert "int G(int n); int F(CArray<uchar> &b, int n = 2)" in text
    assert len(text.splitlines()) == len(src.splitlines())


@pytest.mark.parametrize("role", sorted(EA_NAMES))
def test_each_ea_compiles_whole(role: str) -> None:
    so = build_ea(role)
    assert so.is_file() and so.stat().st_size > 10000


def test_wrong_mql5_calls_do_not_compile(tmp_path: Path) -> None:
    source = (ROOT / "mql5" / "Experts" / "CopyTradeMaster.mq5").read_text(encoding="utf-8")
    bad = source.replace("void OnTimer()\n  {\n", "void OnTimer()\n  {\n"
                         '   int a = StringFind("abc");\n'                       # arity
                         '   double d = SymbolInfoDouble("EURUSD", SYMBOL_DIGITS);\n'  # enum
                         '   int e = StringFnd("abc", "b");\n'                   # no such function
                         '   string t = "n="; string s = t + 5;\n')               # string + number
    assert bad != source
    with pytest.raises(BuildError) as info:
        build_ea("master", cache_dir=tmp_path, extra_source=bad)
    message = str(info.value)
    assert "too few arguments to function 'int StringFind" in message.replace("‘", "'").replace("’", "'")
    assert "SYMBOL_DIGITS" in message and "ENUM_SYMBOL_INFO_DOUBLE" in message
    assert "StringFnd" in message
    assert "use of deleted function" in message


def test_core_test_shim_provides_only_real_builtins(reference: dict[str, set[object]]) -> None:
    """mql5/tests/mql5_shim.h (the unit tests of the core) may only stand in for MQL5
    built-ins that exist, with the reference's number of parameters and defaults."""
    shim = (ROOT / "mql5" / "tests" / "mql5_shim.h").read_text(encoding="utf-8")
    found = re.findall(r"^inline\s+[\w:<>*& ]+?\b([A-Z]\w*)\s*\(([^)]*)\)", shim, re.MULTILINE)
    found = [(n, p) for n, p in found if not n.startswith("CtShim")]
    assert len(found) > 20
    problems = []
    for name, params in found:
        parts = [p for p in params.split(",") if p.strip()]
        shape = (len(parts), sum("=" in p for p in parts))
        shapes = {(len(sig[1]), sum(1 for _, d in sig[1] if d))  # type: ignore[index]
                  for sig in reference.get(name, set())}
        if shape not in shapes:
            problems.append(f"{name}{shape} not in {sorted(shapes)}")
    assert not problems, problems
