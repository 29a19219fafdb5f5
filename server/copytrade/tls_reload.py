"""Renewed certificates without a restart: every live TLS context (EA gateway, web app) is
registered here and reloaded in place on SIGHUP, or when the files' modification times change
(checked every 30 s). Loading into an existing ``SSLContext`` affects new handshakes only, so
connected EAs and websockets stay connected. A bad pair of files is refused (checked on a
throwaway context first) and the running certificate kept.
"""

from __future__ import annotations

import logging
import signal
import ssl
import weakref
from pathlib import Path

import trio

log = logging.getLogger(__name__)
_CONTEXTS: weakref.WeakSet[ssl.SSLContext] = weakref.WeakSet()


def register(context: ssl.SSLContext) -> ssl.SSLContext:
    _CONTEXTS.add(context)
    return context


def register_optional(context: ssl.SSLContext | None) -> ssl.SSLContext | None:
    return None if context is None else register(context)


def reload(cert: Path, key: Path) -> bool:
    """Load ``cert``/``key`` into every registered context; False (and a log) if they are bad."""
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError, ValueError) as exc:
        log.error("TLS files not reloaded (keeping the running certificate): %s", exc)
        return False
    for context in list(_CONTEXTS):
        context.load_cert_chain(str(cert), str(key))
    log.info("TLS certificate reloaded from %s into %d listener(s)", cert, len(_CONTEXTS))
    return True


def _stamp(cert: Path, key: Path) -> tuple[float, float]:
    try:
        return cert.stat().st_mtime, key.stat().st_mtime
    except OSError:
        return 0.0, 0.0


async def watch(cert: Path, key: Path, *, interval: float = 30.0,
                task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
    """Reload on SIGHUP and when the files change; runs until cancelled."""
    seen = _stamp(cert, key)
    with trio.open_signal_receiver(signal.SIGHUP) as signals:
        task_status.started()
        while True:
            with trio.move_on_after(interval):
                async for _ in signals:
                    log.info("SIGHUP: reloading the TLS certificate")
                    reload(cert, key)
                    seen = _stamp(cert, key)
            now = _stamp(cert, key)
            if now != seen:
                seen = now
                reload(cert, key)
