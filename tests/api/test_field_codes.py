"""The per-field error codes (``field_codes``) the SPA translates come from one list
(copytrade.api.errors.FIELD_CODES); each code the server raises is in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from copytrade.api.errors import FIELD_CODES, ApiError, ValidationFailed, error_body, to_api_error
from copytrade.db.errors import Conflict, Invalid

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server" / "copytrade"
GENERATED = ROOT / "frontend" / "src" / "i18n" / "field-codes.json"


def test_the_spa_list_is_the_server_list() -> None:
    assert json.loads(GENERATED.read_text("utf-8")) == sorted(FIELD_CODES), (
        "regenerate: .venv/bin/python -c 'import json; from copytrade.api.errors import "
        "FIELD_CODES; print(json.dumps(sorted(FIELD_CODES), indent=2))' > "
        "frontend/src/i18n/field-codes.json")


def test_every_code_the_server_raises_is_listed() -> None:
    raised: set[str] = set()
    for path in SERVER.rglob("*.py"):
        text = path.read_text("utf-8")
        raised |= set(re.findall(r'\bcode="([a-z_]+)"', text))
        raised |= set(re.findall(r'\bcode="[a-z_]+" if [^\n]+\n\s+else "([a-z_]+)"', text))
        for body in re.findall(r"field_codes=\{([^}]*)\}", text):
            raised |= set(re.findall(r':\s*"([a-z_]+)"', body))
    assert raised, "no field code found in the server sources"
    assert raised <= FIELD_CODES, raised - FIELD_CODES
    assert {"wrong_password", "email_unusable", "unknown_master_token",
            "master_token_rotated", "partner_follows_no_master", "partner_follows_other",
            "name_taken"} <= raised


def test_the_error_body_carries_field_codes_always() -> None:
    plain = error_body(ValidationFailed("Some fields are invalid.", {"x": "must be at most 5"}))
    assert plain == {"error": {"code": "validation_failed", "message": "Some fields are invalid.",
                               "message_code": "fields_invalid", "params": {},
                               "fields": {"x": "must be at most 5"},
                               "field_codes": {"x": "at_most"},
                               "field_params": {"x": {"max": "5"}}}}
    odd = error_body(ValidationFailed("Something new.", {"x": "no template says this"}))
    assert odd["error"]["message_code"] == "other"
    assert odd["error"]["params"] == {"text": "Something new."}
    assert odd["error"]["field_codes"] == {"x": "other"}
    assert odd["error"]["field_params"] == {"x": {"text": "no template says this"}}
    conflict = error_body(to_api_error(Conflict("still open", code="open_copies")))
    assert conflict["error"]["field_codes"] == {"": "open_copies"}
    assert conflict["error"]["fields"] == {}
    invalid = error_body(to_api_error(Invalid("m", field="partner_id", detail="d",
                                              code="partner_follows_other")))
    assert invalid["error"]["field_codes"] == {"partner_id": "partner_follows_other"}


def test_an_unlisted_code_is_a_programming_error() -> None:
    with pytest.raises(AssertionError):
        ApiError("x", {"f": "y"}, field_codes={"f": "not_a_listed_code"})
