"""The quart-trio application: REST under /api/v1, the live websocket, /healthz, /metrics,
and the single-page app at /."""

from __future__ import annotations

import trio
from quart import Response, jsonify
from quart_trio import QuartTrio

from . import (
    accounts,
    admin,
    alerts,
    approvals,
    auth,
    docs_page,
    errors,
    info,
    links,
    live,
    master_token,
    metrics,
    risk,
    routing,
    static,
    tokens,
)
from . import audit as audit
from . import equity as equity
from . import history as history
from . import orders as orders
from . import performance as performance
from . import trades as trades
from .context import ApiContext
from .routing import ApiState
from .security import SecurityConfig

# importing registers routes
_ROUTE_MODULES = (auth, tokens, accounts, links, trades, info, admin, master_token, alerts, risk,
                  orders, approvals)
_DASHBOARD_ROUTES = (history, performance, equity, audit)

MAX_BODY = 64 * 1024


def create_app(ctx: ApiContext, *, security: SecurityConfig | None = None) -> QuartTrio:
    app = QuartTrio(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.extensions["copytrade"] = ctx
    app.extensions["copytrade.state"] = ApiState.build(ctx, security or SecurityConfig())

    errors.install(app)
    routing.install(app)
    live.install(app)
    alerts.install(app)
    docs_page.install(app)
    metrics.install(app)
    static.install(app)  # last: its catch-all must not shadow the API's routes

    @app.after_request
    async def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz")
    async def healthz() -> tuple[Response, int]:
        ok = False
        with trio.move_on_after(2):
            try:
                ok = await ctx.db.fetchval("SELECT 1") == 1
            except Exception:  # any database failure means "not healthy", never a 500
                ok = False
        body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "down"}
        return jsonify(body), 200 if ok else 503

    return app
