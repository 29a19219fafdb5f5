"""The OpenAPI 3.1 document, generated from the route table and the attrs schema classes.

Nothing here is written by hand per route: paths, parameters, bodies and answers come from
:data:`copytrade.api.routing.ROUTES`, and JSON Schemas from the same classes (and field bounds)
that validate requests, so the document cannot drift from the code.

``python -m copytrade.api.openapi`` prints it (no server, no database): the SPA's
``frontend/src/api/schema.gen.ts`` is generated from that output (``npm run gen:api``).
"""

from __future__ import annotations

import json
import sys
import types
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from .routing import ROUTES, Route
from .schemas import ErrorOut
from .validation import DECIMAL_PATTERN, Unset, type_hints

ERROR_TEXT = {400: "Bad request", 401: "Not authenticated",
              403: "Forbidden (CSRF header, not an admin, disabled user, registration closed)",
              404: "Not found (or not yours)", 409: "Conflict", 413: "Body too large",
              422: "Validation failed", 429: "Too many attempts"}


class SchemaBuilder:
    """Turns Python types into JSON Schema, collecting attrs classes under components."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder against recursion
            self.components[name] = self.object(cls)
        return {"$ref": f"#/components/schemas/{name}"}

    def object(self, cls: type) -> dict[str, Any]:
        hints = type_hints(cls)
        props: dict[str, Any] = {}
        required: list[str] = []
        for a in attrs.fields(cls):
            schema = self.of(hints[a.name])
            meta = dict(a.metadata.get("schema", {}))
            if hints[a.name] is Decimal or Decimal in get_args(hints[a.name]):
                meta.pop("pattern", None)
            if meta:
                schema = {**schema, **meta} if "$ref" not in schema else {
                    "allOf": [schema], **meta}
            props[a.name] = schema
            if a.default is attrs.NOTHING:
                required.append(a.name)
        out: dict[str, Any] = {"type": "object", "properties": props,
                               "additionalProperties": False}
        if cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("):
            out["description"] = cls.__doc__.strip()
        if required:
            out["required"] = required
        return out

    def of(self, tp: Any) -> dict[str, Any]:
        if tp is Any:
            return {}  # any JSON value
        origin = get_origin(tp)
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not Unset]
            nullable = type(None) in args
            rest = [a for a in args if a is not type(None)]
            schemas = [self.of(a) for a in rest]
            if nullable:
                schemas.append({"type": "null"})
            return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
        if origin is Literal:
            values = list(get_args(tp))
            return {"type": "string", "enum": values}
        if origin is list:
            (item,) = get_args(tp)
            return {"type": "array", "items": self.of(item)}
        if origin is dict:
            _, value = get_args(tp)
            return {"type": "object", "additionalProperties": self.of(value)}
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if tp is Decimal:
            return {"type": "string", "pattern": DECIMAL_PATTERN,
                    "description": "decimal number as a string"}
        if tp is datetime:
            return {"type": "string", "format": "date-time"}
        if attrs.has(tp):
            return self.ref(tp)
        raise TypeError(f"no JSON Schema for {tp!r}")


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameters(r: Route, b: SchemaBuilder) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": p, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}}
        for p in r.path_params]
    if r.query is not None:
        hints = type_hints(r.query)
        for a in attrs.fields(r.query):
            schema = b.of(hints[a.name])
            schema = {**schema, **a.metadata.get("schema", {})}
            schema.pop("description", None)
            param: dict[str, Any] = {"name": a.name, "in": "query", "required": False,
                                     "schema": schema}
            if schema.get("type") == "array":
                param.update(style="form", explode=True)
            if a.default is not attrs.NOTHING and not isinstance(a.default, Unset):
                schema["default"] = a.default
            params.append(param)
    return params


def build_document() -> dict[str, Any]:
    b = SchemaBuilder()
    error = b.ref(ErrorOut)
    paths: dict[str, dict[str, Any]] = {}
    for r in ROUTES:
        responses: dict[str, Any] = {}
        if r.response is not None:
            responses[str(r.status)] = _json(b.of(r.response), "Success")
        elif r.path.endswith(".csv"):
            responses[str(r.status)] = {"description": "CSV, UTF-8 with BOM", "content": {
                "text/csv": {"schema": {"type": "string"}}}}
        else:
            responses[str(r.status)] = {"description": "Success, no content"}
        codes = set(r.errors) | {413} if r.body is not None else set(r.errors)
        if r.body is not None:
            codes |= {400, 422}
        if r.query is not None:
            codes |= {422}
        if r.path_params:
            codes |= {404}
        for code in sorted(codes):
            responses[str(code)] = _json(error, ERROR_TEXT.get(code, "Error"))
        op: dict[str, Any] = {
            "operationId": r.endpoint.rsplit(".", 1)[-1], "summary": r.summary,
            "tags": [r.tag], "parameters": _parameters(r, b), "responses": responses,
        }
        if r.body is not None:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": b.of(r.body)}}}
        if not r.auth:
            op["security"] = []
        paths.setdefault(r.openapi_path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "CopyTradePro API", "version": "1",
                 "description": "REST API of CopyTradePro. See docs/api.md. Errors: "
                                "{\"error\": {\"code\", \"message\", \"fields\"}}. Cookie-"
                                "authenticated unsafe requests need the header X-CSRF: 1."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": b.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "Personal access token ctp_..."},
                "session": {"type": "apiKey", "in": "cookie", "name": "ct_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }


def main() -> None:
    """Print the document as JSON on standard output."""
    import importlib

    importlib.import_module("copytrade.api.app")  # the handler modules fill ROUTES on import
    json.dump(build_document(), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
