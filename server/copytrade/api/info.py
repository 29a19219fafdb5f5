"""What the UI shows a user setting up an EA."""

from __future__ import annotations

from .routing import Call, route
from .schemas import ConnectionInfo


@route("GET", "/api/v1/connection-info", summary="Where EAs connect", tag="info",
       response=ConnectionInfo, errors=(401,))
async def connection_info(call: Call[None, None]) -> ConnectionInfo:
    settings = call.ctx.settings
    return ConnectionInfo(ea_host=settings.public_host, ea_port=call.ctx.ea_port,
                          tls=settings.tls_enabled)
