"""The route table: each handler declares method, path, body, query and response classes once.

:func:`route` records a :class:`Route` (the OpenAPI generator reads the table) and wraps the
handler so that authentication, body and query parsing and response rendering happen the same
way everywhere. Handlers get a :class:`Call` and return an attrs response object, ``None``
(204) or a ready Quart ``Response``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, get_args, get_origin

import attrs
from quart import Quart, Response, current_app, request

from ..db.sessions import SessionRepository
from ..db.tokens import TokenRepository
from ..db.trade_queries import TradeQueries
from .context import ApiContext
from .errors import ApiNotFound, BadRequest, ValidationFailed
from .security import (
    Passwords,
    Principal,
    SecurityConfig,
    Throttles,
    authenticate,
    bearer_secret,
    require_csrf_header,
)
from .validation import Unset, structure, type_hints, unstructure

B = TypeVar("B")
Q = TypeVar("Q")
MAX_ID = 2**63 - 1


@attrs.define
class ApiState:
    """Per-app resources the handlers share (built once in ``create_app``)."""

    ctx: ApiContext
    sessions: SessionRepository
    tokens: TokenRepository
    trades: TradeQueries
    throttles: Throttles
    passwords: Passwords

    @classmethod
    def build(cls, ctx: ApiContext, security: SecurityConfig) -> ApiState:
        return cls(ctx=ctx, sessions=SessionRepository(ctx.db), tokens=TokenRepository(ctx.db),
                   trades=TradeQueries(ctx.db), throttles=Throttles.from_config(security),
                   passwords=Passwords.from_config(security))


def state() -> ApiState:
    st: ApiState = current_app.extensions["copytrade.state"]
    return st


@attrs.frozen
class Call(Generic[B, Q]):
    """One request, parsed: who calls, the body and query as attrs objects."""

    st: ApiState
    principal: Principal | None
    body: B
    query: Q

    @property
    def ctx(self) -> ApiContext:
        return self.st.ctx

    @property
    def user_id(self) -> int:
        assert self.principal is not None
        return self.principal.user_id


@attrs.frozen
class Route:
    """One entry of the route table."""

    method: str
    path: str
    """Quart rule, e.g. ``/api/v1/accounts/<int:account_id>``."""
    summary: str
    tag: str
    body: type | None
    query: type | None
    response: type | None
    status: int
    auth: bool
    errors: tuple[int, ...]
    endpoint: str
    view: Callable[..., Awaitable[Any]]

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.path)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.path)


ROUTES: list[Route] = []


async def read_json() -> Any:
    data = await request.get_data(cache=False)
    if not data:
        return None
    try:
        return json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BadRequest("The body is not valid JSON.") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_query(cls: Any) -> Any:
    """Query-string parameters as ``cls`` (list fields repeatable); 422 naming bad ones."""
    hints = type_hints(cls)
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for a in attrs.fields(cls):
        values = request.args.getlist(a.name)
        if not values:
            continue
        tp = hints[a.name]
        args = [t for t in get_args(tp) if t is not Unset] or [tp]
        base = args[0]
        try:
            if get_origin(base) is list:
                raw[a.name] = values
            elif len(values) > 1:
                errors[a.name] = "may be given once"
            elif base is int:
                raw[a.name] = int(values[0])
            else:
                raw[a.name] = values[0]
        except ValueError:
            errors[a.name] = "must be an integer"
    if errors:
        raise ValidationFailed("Some query parameters are invalid.", errors)
    return structure(raw, cls)


def route(method: str, path: str, *, summary: str, tag: str, body: type | None = None,
          query: type | None = None, response: type | None = None, status: int = 200,
          auth: bool = True, errors: tuple[int, ...] = ()) -> Callable[[Any], Any]:
    """Register a handler in :data:`ROUTES` (see the module docstring)."""

    def decorate(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def view(**path_args: Any) -> Any:
            for value in path_args.values():
                if isinstance(value, int) and value > MAX_ID:
                    raise ApiNotFound("not found")
            st = state()
            if auth:
                principal: Principal | None = await authenticate(
                    st.sessions, st.tokens, st.throttles)
            else:
                principal = None
                if bearer_secret() is None:
                    require_csrf_header()
            parsed_body = structure(await read_json(), body) if body is not None else None
            parsed_query = parse_query(query) if query is not None else None
            result = await handler(Call(st, principal, parsed_body, parsed_query), **path_args)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response("", status=204)
            return Response(json.dumps(unstructure(result)), status=status,
                            content_type="application/json")

        endpoint = f"{handler.__module__}.{handler.__name__}"
        view.__name__ = endpoint.replace(".", "_")
        ROUTES.append(Route(method=method, path=path, summary=summary, tag=tag, body=body,
                            query=query, response=response, status=status, auth=auth,
                            errors=errors, endpoint=endpoint, view=view))
        return handler

    return decorate


def install(app: Quart) -> None:
    for r in ROUTES:
        app.add_url_rule(r.path, r.endpoint, r.view, methods=[r.method])
