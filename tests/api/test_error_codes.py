"""Every error text the server's source writes has a code (copytrade.api.error_codes).

The texts are read from the source itself (the message of each ``raise`` of an API, repository
or domain error, the field texts put into ``fields``/``errors`` dictionaries, the validation
messages), f-string parts becoming a parameter; each must match a template of the one table,
and each template's parameters must come back out of its own text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from copytrade.api.error_codes import MESSAGES, OTHER, code_of, params_of, render

SERVER = Path(__file__).resolve().parents[2] / "server" / "copytrade"
SOURCES = sorted([*SERVER.glob("api/*.py"), *SERVER.glob("db/*.py"),
                  *(p for p in SERVER.glob("domain/*.py") if p.name != "lots.py"),
                  SERVER / "notify" / "store.py", SERVER / "notify" / "prefs.py"])
# domain/lots.py checks the symbol limits an EA reports: never an API answer.
ERRORS = {"ApiError", "BadRequest", "Unauthorized", "Forbidden", "ApiNotFound", "ApiConflict",
          "ValidationFailed", "Unavailable", "NotFound", "Conflict", "Invalid",
          "RegistrationRefused"}
FIELD_ERRORS = {"RuleError", "SymbolSpecError", "DomainError", "SignalError"}
TEXT_DICTS = {"errors", "out", "fields", "bounds"}


def _text(node: ast.AST) -> str | None:
    """A literal text, an f-string's value parts written as "P1", "P2"..., else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for i, v in enumerate(node.values):
            parts.append(v.value if isinstance(v, ast.Constant) else f"P{i}")
        return "".join(str(p) for p in parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _text(node.left), _text(node.right)
        return a + b if a is not None and b is not None else None
    if isinstance(node, ast.Name) and node.id.endswith("_TEXT"):
        return None  # a named constant: checked where it is defined
    return None


def _texts() -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for path in SOURCES:
        tree = ast.parse(path.read_text("utf-8"))
        for n in ast.walk(tree):
            candidates: list[ast.AST] = []
            if isinstance(n, ast.Call):
                name = n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
                if name in ERRORS and n.args:
                    candidates.append(n.args[0])
                    if len(n.args) > 1 and isinstance(n.args[1], ast.Dict):
                        candidates += n.args[1].values
                    candidates += [k.value for k in n.keywords if k.arg == "detail"]
                if name in FIELD_ERRORS and len(n.args) > 1:
                    candidates.append(n.args[1])
                if name in {"TypeError", "ValueError"} and n.args and path.name in (
                        "validation.py", "prefs.py"):
                    candidates.append(n.args[0])
            if (isinstance(n, ast.Assign) and len(n.targets) == 1
                    and isinstance(n.targets[0], ast.Subscript)
                    and isinstance(n.targets[0].value, ast.Name)
                    and n.targets[0].value.id in TEXT_DICTS):
                candidates.append(n.value)
            if isinstance(n, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id.endswith("_TEXT") for t in n.targets):
                candidates.append(n.value)
            for c in candidates:
                text = _text(c)
                if text is not None and text.strip():
                    found.append((path.name, n.lineno, text))
    return found


def test_the_source_has_error_texts() -> None:
    texts = _texts()
    assert len(texts) > 150
    assert any("is not a symbol name" in t for _, _, t in texts)


def test_every_error_text_in_the_source_has_a_code() -> None:
    missing = [(f, line, text) for f, line, text in _texts() if code_of(text)[0] == OTHER]
    assert missing == [], "texts without a template in copytrade/api/error_codes.py"


@pytest.mark.parametrize("code", sorted(set(MESSAGES) - {OTHER}))
def test_a_template_reads_back_as_its_own_code(code: str) -> None:
    params = {p: f"<{p}{i}>" for i, p in enumerate(params_of(MESSAGES[code]))}
    assert code_of(render(code, params)) == (code, params)


def test_parameters_come_out_of_real_texts() -> None:
    assert code_of("must be at least 0.01") == ("at_least", {"min": "0.01"})
    assert code_of("'EUR USD' is not a symbol name: use 1 to 32 characters from "
                   "A-Z a-z 0-9 . _ # + -") == ("bad_symbol", {"symbol": "'EUR USD'", "max": "32"})
    assert code_of("must be a number") == ("not_number", {})
    assert code_of("must be 0 ... 86400") == ("in_range", {"range": "0 ... 86400"})
    assert code_of("Too many failed attempts; try again in 7 s.") == (
        "too_many_attempts", {"seconds": "7"})
    assert code_of("nothing like it") == (OTHER, {"text": "nothing like it"})
