"""The EA gateway: a trio TCP (optionally TLS) server, one task per connection.

Each connection: authenticate within ``ea_auth_timeout`` (AUTH → OK, or ERR and close), then
read lines until EOF, idle timeout, or the engine closes it. A ``protocol.Connection`` per
link holds the protocol's rules (AUTH first and once, the role rule, PING/PONG, which ERR a
refused line gets); every message it lets through goes to the engine. Limits: line length
(the protocol's LineBuffer), auth time, idle time, consecutive errors, concurrent
connections, and failed logins per source address.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Callable
from functools import partial

import attrs
import trio

from .. import tls_reload
from ..config import Settings
from ..db.errors import DatabaseUnavailable
from ..domain.models import Role
from ..engine.core import Engine
from ..engine.errors import EngineError
from ..engine.state import AccountInfo
from ..protocol import (
    LINK_MESSAGES,
    PROTOCOL_VERSION,
    Auth,
    AuthOk,
    Connection,
    Direction,
    ErrorCode,
    Message,
    OrderReport,
    Position,
    ProtocolError,
    RemoteProtocolError,
    Rules,
    SymbolInfo,
    SyncDone,
    encode,
)
from ..protocol import Error as ErrorMsg
from ..throttle import LoginThrottle
from .session import EASession

log = logging.getLogger(__name__)

MAX_CONSECUTIVE_ERRORS = 10
RECEIVE_SIZE = 65536
UNAVAILABLE_TEXT = "database unavailable; retry with backoff"


class _Closed(Exception):
    """The peer went away (EOF) or the session must end."""


@attrs.define
class Gateway:
    """Shared state of the listener: settings, engine, throttles and counters."""

    engine: Engine
    settings: Settings
    auth_failures: LoginThrottle = attrs.field()
    """Failed logins per API key and per address (see copytrade/throttle.py)."""
    connections: int = 0
    reading: set[EASession] = attrs.field(factory=set)
    """Authenticated sessions; the idle watchdog drops those silent for too long."""
    on_login: Callable[[], None] = lambda: None
    """Called for each EA that logged in (the collector's login waves, engine/gcpolicy.py)."""

    async def watch_idle(self) -> None:
        """Drop EAs silent for longer than the idle limit.

        One sweep a second over all sessions costs far less than a timeout (a cancel scope)
        around every read of every connection, which is what the read loop would need else.
        """
        limit = self.settings.ea_idle_timeout
        while True:
            await trio.sleep(min(1.0, limit / 4))
            cutoff = trio.current_time() - limit
            for session in [s for s in self.reading
                            if s.last_received < cutoff and not s.handling]:
                session.close(ErrorCode.IDLE_TIMEOUT, "no line within the idle limit")

    async def handle(self, stream: trio.abc.Stream) -> None:
        remote = _remote_address(stream)
        if self.connections >= self.settings.ea_max_connections:
            with trio.move_on_after(1):
                with contextlib.suppress(OSError, trio.BrokenResourceError):
                    await stream.send_all(encode(ErrorMsg(ErrorCode.THROTTLED, "server full")))
            await trio.aclose_forcefully(stream)
            return
        self.connections += 1
        session = EASession.for_stream(stream, self.settings.ea_backlog_bytes, remote)
        session.on_overflow = self._overflowed
        try:
            async with trio.open_nursery() as nursery:
                session.scope = nursery.cancel_scope
                nursery.start_soon(session.writer)
                await self._serve(session, stream)
                nursery.cancel_scope.cancel()  # the peer hung up: nothing more to write
        finally:
            self.connections -= 1
            session.release()
            await trio.aclose_forcefully(stream)

    async def _serve(self, session: EASession, stream: trio.abc.Stream) -> None:
        conn = Connection(Direction.SERVER_TO_EA)
        try:
            info = await self._authenticate(session, stream, conn)
        except _Closed:
            return
        if info is None:
            await trio.sleep_forever()  # the writer sends the error and cancels us
        session.account_id = info.id
        await self.engine.attach(session, info, session.remote)
        session.last_received = trio.current_time()
        self.reading.add(session)
        self.on_login()
        try:
            await self._read_loop(session, stream, conn, info)
        except _Closed:
            pass
        finally:
            self.reading.discard(session)
            self.engine.detach(session)
        if session.closing is not None:
            await trio.sleep_forever()

    async def _next(
        self, session: EASession, stream: trio.abc.Stream, conn: Connection,
        timeout: float | None = None,
    ) -> Message:
        """The next message; raises _Closed on EOF, _Timeout after ``timeout`` seconds, and
        the protocol's RemoteProtocolError for a line it refuses.

        ``timeout=None`` (the hot read path of a logged-in EA) opens no cancel scope per read:
        the gateway's idle watchdog guards those sessions instead.
        """
        while True:
            try:
                msg = conn.next_message()
            except RemoteProtocolError:
                session.last_received = trio.current_time()
                raise
            if msg is not None:
                # Lines the EA sent are not idleness while the server is still working through
                # them (a burst of signals, each a database round trip, under load).
                session.last_received = trio.current_time()
                return msg
            if timeout is None:
                data = await _receive(stream)
            else:
                data = b""
                with trio.move_on_after(timeout) as scope:
                    data = await _receive(stream)
                if scope.cancelled_caught:
                    raise _Timeout()
            if not data:
                raise _Closed()
            session.last_received = trio.current_time()
            conn.receive_data(bytes(data))

    async def _authenticate(
        self, session: EASession, stream: trio.abc.Stream, conn: Connection
    ) -> AccountInfo | None:
        address = session.remote.rsplit(":", 1)[0]
        deadline = trio.current_time() + self.settings.ea_auth_timeout
        while True:
            remaining = deadline - trio.current_time()
            try:
                msg = await self._next(session, stream, conn, max(remaining, 0.001))
            except _Timeout:
                session.close(ErrorCode.AUTH_TIMEOUT, "no AUTH within the time limit")
                return None
            except RemoteProtocolError as exc:
                refusal = conn.error_for(exc)
                session.close(refusal.code, refusal.text)
                return None
            if isinstance(msg, Auth):
                break
            reply = conn.answer(msg)  # PING/PONG: all else was refused above
            if reply is not None:
                session.send(conn.send(reply))
        refused = self.auth_failures.blocked(msg.api_key, address)
        if refused is not None:
            self.engine.counters.auth_failures_total += 1
            session.close(ErrorCode.THROTTLED, refused)
            return None
        wrong_version = conn.version_refusal(msg)
        if wrong_version is not None:
            session.close(wrong_version.code, wrong_version.text)
            return None
        try:
            return await self._login(session, conn, msg, address)
        except DatabaseUnavailable as exc:
            log.warning("EA login from %s refused: %s", session.remote, exc)
            session.close(ErrorCode.UNAVAILABLE, UNAVAILABLE_TEXT)
            return None

    async def _login(
        self, session: EASession, conn: Connection, msg: Auth, address: str
    ) -> AccountInfo | None:
        """Check the key (and a follower's master token) against the database; say OK."""
        info = await self.engine.authenticate(msg.api_key)
        if info is None:
            self.auth_failures.fail(msg.api_key, address)
            self.engine.counters.auth_failures_total += 1
            log.info("EA login refused from %s (bad key)", session.remote)
            session.close(ErrorCode.AUTH_FAILED, "unknown API key")
            return None
        self.auth_failures.succeed(msg.api_key)
        if not info.is_active:
            session.close(ErrorCode.ACCOUNT_INACTIVE, "this trading account is deactivated")
            return None
        if msg.master_token and info.role is Role.FOLLOWER:
            try:
                info = await self.engine.follow_by_token(info, msg.master_token)
            except EngineError as exc:
                session.close(exc.code, exc.text)
                return None
        session.account_id = info.id
        # Sending OK authenticates the connection and fixes the role rule to this account's.
        session.send(conn.send(AuthOk(role=info.role.value, version=PROTOCOL_VERSION,
                                      account_id=info.id,
                                      heartbeat_s=int(self.settings.ea_idle_timeout // 3) or 1)))
        log.info("EA %s logged in as %s account %d (%s)", session.remote, info.role.value,
                 info.id, msg.client)
        return info

    async def _read_loop(
        self, session: EASession, stream: trio.abc.Stream, conn: Connection,
        info: AccountInfo,
    ) -> None:
        errors = 0
        while session.closing is None and not session.dead:
            try:
                msg = await self._next(session, stream, conn)
            except RemoteProtocolError as exc:
                # Bad line, second AUTH, a command the role may not send: the protocol says.
                refusal = conn.error_for(exc)
                errors = self._error(session, conn, refusal.code, refusal.text, errors)
                continue
            try:
                if isinstance(msg, LINK_MESSAGES):
                    reply = conn.answer(msg)
                    if reply is not None:
                        session.send(conn.send(reply))
                else:
                    current = self.engine.accounts.get(info.id, info)
                    session.handling = True
                    try:
                        await self.engine.handle(session, current, msg)
                    finally:
                        session.handling = False
                        session.last_received = trio.current_time()
                errors = 0
            except ProtocolError as exc:
                refusal = conn.error_for(exc)
                errors = self._error(session, conn, refusal.code, refusal.text, errors)
            except EngineError as exc:
                errors = self._error(session, conn, exc.code, exc.text, errors)
            except DatabaseUnavailable as exc:
                # Not the EA's fault, so not counted as one of its errors. The line had no
                # effect (a master event is not STORED: the EA resends it with backoff).
                # During the login report the resync cannot run: close, the EA logs in again.
                self.engine.counters.protocol_errors_total += 1
                log.warning("account %d: %s", info.id, exc)
                if isinstance(msg, SymbolInfo | Position | SyncDone | Rules | OrderReport):
                    session.close(ErrorCode.UNAVAILABLE, UNAVAILABLE_TEXT)
                else:
                    session.send(conn.send(ErrorMsg(ErrorCode.UNAVAILABLE, UNAVAILABLE_TEXT)))
            except Exception:
                log.exception("error handling a line from account %d", info.id)
                errors = self._error(session, conn, ErrorCode.INTERNAL, "internal error", errors)

    def _overflowed(self, session: EASession) -> None:
        self.engine.counters.slow_consumers_total += 1
        log.warning("EA %s (account %d) dropped: its backlog passed %d bytes", session.remote,
                    session.account_id, session.limit)

    def _error(
        self, session: EASession, conn: Connection, code: ErrorCode, text: str, errors: int
    ) -> int:
        self.engine.counters.protocol_errors_total += 1
        errors += 1
        if code.closes_connection:
            session.close(code, text)
        elif errors >= MAX_CONSECUTIVE_ERRORS:
            session.close(ErrorCode.TOO_MANY_ERRORS, f"{errors} errors in a row")
        else:
            session.send(conn.send(ErrorMsg(code, text)))
        return errors


class _Timeout(_Closed):
    """No data within the allowed time."""


async def _receive(stream: trio.abc.Stream) -> bytes | bytearray:
    try:
        return await stream.receive_some(RECEIVE_SIZE)
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        raise _Closed() from None  # reset, or a failed TLS handshake: a hang-up


def _remote_address(stream: trio.abc.Stream) -> str:
    sock_stream = stream.transport_stream if isinstance(stream, trio.SSLStream) else stream
    if isinstance(sock_stream, trio.SocketStream):
        try:
            host, port = sock_stream.socket.getpeername()[:2]
            return f"{host}:{port}"
        except OSError:
            pass
    return "unknown"


def _tls_context(settings: Settings) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(settings.tls_cert), str(settings.tls_key))
    return tls_reload.register(context)  # renewed on SIGHUP / file change (tls_reload.py)


async def serve_gateway(
    engine: Engine, settings: Settings,
    *, on_login: Callable[[], None] = lambda: None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Listen for EAs; ``task_status.started`` gets the bound port."""
    gateway = Gateway(engine=engine, settings=settings, auth_failures=LoginThrottle(
        per_key=settings.ea_login_failures_per_key,
        per_address=settings.ea_login_failures_per_address), on_login=on_login)
    listeners: list[trio.abc.Listener[trio.abc.Stream]] = list(
        await trio.open_tcp_listeners(settings.ea_port, host=settings.ea_host, backlog=4096))
    port = listeners[0].socket.getsockname()[1]  # type: ignore[attr-defined]
    if settings.tls_enabled:
        context = _tls_context(settings)
        listeners = [trio.SSLListener(listener, context, https_compatible=False)
                     for listener in listeners]
    log.info("EA gateway on %s:%d%s", settings.ea_host, port,
             " (TLS)" if settings.tls_enabled else "")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(gateway.watch_idle)
        await nursery.start(partial(trio.serve_listeners, gateway.handle, listeners,
                                    handler_nursery=nursery))
        task_status.started(port)
