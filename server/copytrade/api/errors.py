"""The API's error types and the one place that turns any error into an HTTP answer.

Every error leaves as ``{"error": {"code", "message", "message_code", "params", "fields",
"field_codes", "field_params"}}``: ``message_code`` + ``params`` name the message's template
and ``field_codes`` + ``field_params`` each field's (one table: :mod:`.error_codes`), so
clients translate them instead of showing the English text. Repository errors
(:mod:`copytrade.db.errors`) and domain rule errors are translated here, nowhere else.
"""

from __future__ import annotations

import logging
from typing import Any

from quart import Quart, Response, jsonify
from werkzeug.exceptions import HTTPException

from ..db.errors import Conflict, DatabaseUnavailable, Invalid, NotFound
from ..domain.errors import DomainError
from .error_codes import MESSAGES, code_of

log = logging.getLogger(__name__)

# Error codes and their statuses; docs/api.md has the same table.
CODES: dict[str, int] = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "payload_too_large": 413,
    "validation_failed": 422,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}

# The stable codes of every error text (``message_code``, ``field_codes``): one table,
# copytrade.api.error_codes.MESSAGES; docs/api.md lists it and the SPA translates each
# (frontend/src/i18n/field-codes.json).
FIELD_CODES: frozenset[str] = frozenset(MESSAGES)

ERROR_KEYS: frozenset[str] = frozenset({"code", "message", "message_code", "params", "fields",
                                       "field_codes", "field_params"})
"""The keys of every error body's ``error`` object (docs/api.md "Errors")."""

class ApiError(Exception):
    """An error the client should see: an HTTP status, a stable code, a message, field errors."""

    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None,
                 *, headers: dict[str, str] | None = None,
                 field_codes: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        self.field_codes = field_codes or {}
        assert set(self.field_codes.values()) <= FIELD_CODES, self.field_codes

    @property
    def status(self) -> int:
        return CODES[self.code]


class BadRequest(ApiError):
    code = "bad_request"


class Unauthorized(ApiError):
    code = "unauthorized"


class Forbidden(ApiError):
    code = "forbidden"


class ApiNotFound(ApiError):
    code = "not_found"


class ApiConflict(ApiError):
    code = "conflict"


class ValidationFailed(ApiError):
    code = "validation_failed"


class Unavailable(ApiError):
    code = "unavailable"


UNAVAILABLE_RETRY_AFTER = "2"
"""Seconds a client should wait before retrying a request answered 503."""


class RateLimited(ApiError):
    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, int(retry_after + 0.999))
        super().__init__(f"Too many failed attempts; try again in {seconds} s.",
                         headers={"Retry-After": str(seconds)})


def to_api_error(exc: BaseException) -> ApiError:
    """Translate any exception into the ApiError the client sees."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, NotFound):
        return ApiNotFound(str(exc) or "not found")
    if isinstance(exc, Conflict):
        fields = {exc.field: str(exc)} if exc.field else {}
        codes = {exc.field or "": exc.code} if exc.code else {}
        return ApiConflict(str(exc), fields, field_codes=codes)
    if isinstance(exc, Invalid):
        codes = {exc.field: exc.code} if exc.code else {}
        return ValidationFailed(str(exc), {exc.field: exc.detail}, field_codes=codes)
    if isinstance(exc, DatabaseUnavailable):
        log.warning("request refused: %s", exc)
        return Unavailable("The database is unavailable; nothing was changed. Retry shortly.",
                           headers={"Retry-After": UNAVAILABLE_RETRY_AFTER})
    if isinstance(exc, DomainError):
        return ValidationFailed("Some fields are invalid.", {exc.field: exc.message})
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "payload_too_large"}.get(status, "bad_request")
        message = {404: "No such route.", 405: "Method not allowed on this route.",
                   413: "The request body is larger than 64 KiB."}.get(status, exc.name)
        allow = getattr(exc, "valid_methods", None)
        err = ApiError(message, headers={"Allow": ", ".join(sorted(allow))} if allow else None)
        err.code = code
        return err
    log.error("unhandled error in a request", exc_info=exc)
    err = ApiError("Internal server error.")
    err.code = "internal"
    return err


def error_body(err: ApiError) -> dict[str, Any]:
    """The JSON body of ``err``: every text with its code and parameters (a code given by
    the raiser wins; else the template the text matches, :func:`.error_codes.code_of`)."""
    message_code, params = code_of(err.message)
    codes: dict[str, str] = {}
    field_params: dict[str, dict[str, str]] = {}
    for name, text in err.fields.items():
        code, found = code_of(text)
        if name in err.field_codes:
            code, found = err.field_codes[name], {}
        codes[name] = code
        field_params[name] = found
    for name, code in err.field_codes.items():  # "" (the request as a whole)
        if name not in codes:
            codes[name], field_params[name] = code, {}
    return {"error": {"code": err.code, "message": err.message, "message_code": message_code,
                      "params": params, "fields": err.fields, "field_codes": codes,
                      "field_params": field_params}}


def error_response(exc: BaseException) -> Response:
    err = to_api_error(exc)
    response = jsonify(error_body(err))
    response.status_code = err.status
    for name, value in err.headers.items():
        response.headers[name] = value
    return response


def install(app: Quart) -> None:
    """Route every error of every request through :func:`error_response`."""

    @app.errorhandler(Exception)
    async def _any(exc: Exception) -> Response:
        return error_response(exc)
