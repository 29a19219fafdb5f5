"""Strict JSON → attrs structuring for request bodies and query strings.

cattrs coerces silently (``{"name": 5}`` would become ``"5"``, STACK-NOTES trap 5), so the one
converter here replaces the scalar hooks with strict ones, forbids unknown keys, and then checks
the bounds declared in each field's metadata (:func:`spec`). The same metadata feeds the
OpenAPI generator (:mod:`copytrade.api.openapi`), so what is validated is what is documented.
Every problem becomes a field error: :class:`~copytrade.api.errors.ValidationFailed`.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import attrs
from cattrs import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.errors import AttributeValidationNote, IterableValidationNote
from cattrs.preconf.json import make_converter

from ..db.shapes import decimal_json
from .errors import ValidationFailed

T = TypeVar("T")

DECIMAL_PATTERN = r"^-?[0-9]{1,14}(\.[0-9]{1,8})?$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)


class Unset(enum.Enum):
    """Marks a field the client left out (as opposed to an explicit ``null``)."""

    UNSET = "UNSET"


UNSET = Unset.UNSET


def spec(
    *, default: Any = attrs.NOTHING, min_length: int | None = None,
    max_length: int | None = None, minimum: int | None = None, maximum: int | None = None,
    max_items: int | None = None, pattern: str | None = None, doc: str | None = None,
    fmt: str | None = None,
) -> Any:
    """An attrs field with bounds that are both checked and published in the OpenAPI schema."""
    meta = {k: v for k, v in {
        "minLength": min_length, "maxLength": max_length, "minimum": minimum,
        "maximum": maximum, "maxItems": max_items, "pattern": pattern, "description": doc,
        "format": fmt,
    }.items() if v is not None}
    return attrs.field(default=default, metadata={"schema": meta})


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _is_literal(tp: Any) -> bool:
    return get_origin(tp) is Literal


def _is_list(tp: Any) -> bool:
    return get_origin(tp) is list


def _strict_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be a string")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _strict_int(value: Any, _: Any) -> int:
    # JSON Schema counts 3.0 as an integer, so we do too; 3.5, "3" and true are refused.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("must be an integer")
    return value


def _strict_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def _strict_decimal(value: Any, _: Any) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL_RE.match(value):
        raise TypeError('must be a decimal number written as a string, like "0.10"')
    try:
        return Decimal(value)
    except InvalidOperation:
        raise TypeError('must be a decimal number written as a string, like "0.10"') from None


def _strict_datetime(value: Any, _: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("must be an ISO-8601 time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be an ISO-8601 time like 2025-01-31T12:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _make() -> Any:
    conv = make_converter(forbid_extra_keys=True)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(Decimal, _strict_decimal)
    conv.register_structure_hook(datetime, _strict_datetime)
    conv.register_unstructure_hook(Decimal, decimal_json)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())

    def literal_hook(tp: Any) -> Callable[[Any, Any], Any]:
        allowed = get_args(tp)
        message = "must be one of " + ", ".join(str(a) for a in allowed)

        def hook(value: Any, _: Any) -> Any:
            if isinstance(value, bool) or value not in allowed:
                raise ValueError(message)
            return value

        return hook

    conv.register_structure_hook_factory(_is_literal, literal_hook)

    def list_hook(tp: Any) -> Callable[[Any, Any], Any]:
        (item,) = get_args(tp) or (Any,)

        def hook(value: Any, _: Any) -> list[Any]:
            if not isinstance(value, list):
                raise TypeError("must be a list")
            out: list[Any] = []
            errors: list[Exception] = []
            for i, v in enumerate(value):
                try:
                    out.append(conv.structure(v, item))
                except Exception as exc:
                    exc.__notes__ = [IterableValidationNote(f"@ index {i}", i, item)]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("invalid items", errors, tp)
            return out

        return hook

    conv.register_structure_hook_factory(_is_list, list_hook)

    def unset_hook(tp: Any) -> Callable[[Any, Any], Any]:
        rest = tuple(a for a in get_args(tp) if a is not Unset)
        nullable = type(None) in rest
        inner = [a for a in rest if a is not type(None)]
        target: Any = inner[0] if len(inner) == 1 else Union[tuple(inner)]  # noqa: UP007

        def hook(value: Any, _: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise TypeError("must not be null")
            return conv.structure(value, target)

        return hook

    conv.register_structure_hook_factory(
        lambda t: _is_union(t) and Unset in get_args(t), unset_hook)
    return conv


converter = _make()


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    text = str(exc)
    return text if text else "invalid value"


def _collect(exc: BaseException, path: str, out: dict[str, str]) -> None:
    if isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            out[_join(path, key)] = "unknown field"
        return
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            notes = [n for n in getattr(sub, "__notes__", []) if isinstance(
                n, AttributeValidationNote | IterableValidationNote)]
            if notes and isinstance(notes[-1], AttributeValidationNote):
                _collect(sub, _join(path, notes[-1].name), out)
            elif notes and isinstance(notes[-1], IterableValidationNote):
                _collect(sub, _join(path, notes[-1].index), out)
            else:
                _collect(sub, path, out)
        return
    out[path or "body"] = _message(exc)


def _check_bounds(cls: type, raw: dict[str, Any], out: dict[str, str]) -> None:
    """Check the declared bounds on the raw values that have the right JSON type."""
    for a in attrs.fields(cls):
        if a.name not in raw:
            continue
        value = raw[a.name]
        meta: dict[str, Any] = a.metadata.get("schema", {})
        where = a.name
        if isinstance(value, str):
            if "minLength" in meta and len(value.strip()) < meta["minLength"]:
                out[where] = f"must have at least {meta['minLength']} character(s)"
            elif "maxLength" in meta and len(value) > meta["maxLength"]:
                out[where] = f"must have at most {meta['maxLength']} characters"
            elif "pattern" in meta and not re.search(meta["pattern"], value):
                out[where] = "has an invalid format"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in meta and value < meta["minimum"]:
                out[where] = f"must be at least {meta['minimum']}"
            elif "maximum" in meta and value > meta["maximum"]:
                out[where] = f"must be at most {meta['maximum']}"
        elif isinstance(value, list) and "maxItems" in meta and len(value) > meta["maxItems"]:
            out[where] = f"must have at most {meta['maxItems']} items"


def structure(raw: Any, cls: type[T]) -> T:
    """``raw`` (parsed JSON) as ``cls``, or :class:`ValidationFailed` naming every bad field."""
    if not isinstance(raw, dict):
        raise ValidationFailed("The body must be a JSON object.", {"body": "must be an object"})
    fields: dict[str, str] = {}
    try:
        obj: T = converter.structure(raw, cls)
    except (ClassValidationError, ForbiddenExtraKeysError) as exc:
        _collect(exc, "", fields)
    bounds: dict[str, str] = {}
    _check_bounds(cls, raw, bounds)
    fields = {**bounds, **fields}
    if fields:
        raise ValidationFailed("Some fields are invalid.", fields)
    return obj


def unstructure(obj: Any) -> Any:
    """An attrs response object as JSON-ready data (decimals as strings, times ISO-8601)."""
    return converter.unstructure(obj)


def type_hints(cls: type) -> dict[str, Any]:
    """Resolved annotations of an attrs class (they are strings under PEP 563)."""
    return typing.get_type_hints(cls)
