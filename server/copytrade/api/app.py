"""The quart-trio application: REST under /api/v1, the live websocket, /healthz, the SPA."""

from __future__ import annotations

import trio
from quart import Response, jsonify
from quart_trio import QuartTrio

from .context import ApiContext


def create_app(ctx: ApiContext) -> QuartTrio:
    app = QuartTrio(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions["copytrade"] = ctx

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
