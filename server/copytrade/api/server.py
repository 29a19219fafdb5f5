"""Serve the quart-trio app with hypercorn's trio worker inside the root nursery."""

from __future__ import annotations

import logging
from typing import Any, cast

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from .. import tls_reload
from ..config import Settings
from .asgi import ShieldHttpSend

log = logging.getLogger(__name__)


def hypercorn_config(settings: Settings, *, keep_alive_timeout: float = 5) -> Config:
    config = Config()
    config.bind = [f"{settings.http_host}:{settings.http_port}"]
    config.keep_alive_timeout = keep_alive_timeout
    config.graceful_timeout = 3
    config.websocket_ping_interval = 20
    config.h11_max_incomplete_size = 64 * 1024
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    if settings.tls_enabled:
        config.certfile = str(settings.tls_cert)
        config.keyfile = str(settings.tls_key)
        make_context = config.create_ssl_context
        # the context hypercorn builds is renewed in place on SIGHUP (tls_reload.py)
        config.create_ssl_context = (  # type: ignore[method-assign]
            lambda: tls_reload.register_optional(make_context()))
    return config


async def serve_http(
    app: Any, settings: Settings, shutdown: trio.Event,
    *, keep_alive_timeout: float = 5,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run hypercorn until ``shutdown`` is set; ``task_status.started`` gets the bound port."""
    config = hypercorn_config(settings, keep_alive_timeout=keep_alive_timeout)

    async with trio.open_nursery() as nursery:
        binds: list[str] = await nursery.start(
            lambda task_status: serve(
                cast(Any, ShieldHttpSend(app)), config, shutdown_trigger=shutdown.wait,
                task_status=task_status, mode="asgi",
            )
        )
        port = int(binds[0].rsplit(":", 1)[1])
        log.info("web app and API on %s", ", ".join(binds))
        task_status.started(port)
