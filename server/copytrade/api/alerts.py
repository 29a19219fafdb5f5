# ruff: noqa: S105
"""Alert channels: list, create, change, delete, link (Telegram / LINE), send a test message,
recent deliveries; and the LINE webhook that receives link codes.

Secrets are validated, sealed (:mod:`copytrade.notify.secretbox`) and never sent back.
"""

from __future__ import annotations

import ipaddress
import secrets as pysecrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from quart import Quart, Response, request

from ..db.errors import Conflict
from ..notify.channels.base import DeliveryError
from ..notify.events import DEFAULT_TOPICS, TOPICS
from ..notify.prefs import parse_hhmm, parse_time_zone
from ..notify.store import LINK_TTL, MAX_CHANNELS_PER_USER, Channel, Delivery
from .alert_schemas import (
    ChannelEnvelope,
    ChannelIn,
    ChannelList,
    ChannelOut,
    ChannelPatchIn,
    DeliveryEnvelope,
    DeliveryList,
    DeliveryOut,
    LinkOut,
)
from .errors import ApiConflict, ValidationFailed
from .routing import Call, route
from .validation import UNSET

TAG = "alerts"
CHANNEL = "/api/v1/alerts/channels/<int:channel_id>"
LINE_WEBHOOK = "/api/v1/alerts/line/webhook"
MAX_WEBHOOK_BODY = 256 * 1024

_KIND_FIELDS = {
    "telegram": {"via", "bot_token"},
    "line": {"via", "line_channel_access_token", "line_channel_secret"},
    "email": {"email"},
    "webhook": {"webhook_url", "webhook_secret"},
}
_ALL_KIND_FIELDS = set().union(*_KIND_FIELDS.values())


def _notifier(call: Call[Any, Any]) -> Any:
    notifier = call.ctx.notifier
    if notifier is None:
        raise ApiConflict("alerts are not running on this server")
    return notifier


def _public_url(call: Call[Any, Any]) -> str | None:
    url: str | None = call.ctx.settings.public_url
    return url


def _line_webhook_url(call: Call[Any, Any], channel: Channel) -> str | None:
    if channel.kind != "line":
        return None
    base = _public_url(call) or "https://<COPYTRADE_PUBLIC_URL>"
    if channel.settings.get("via") == "own":
        return f"{base}{LINE_WEBHOOK}/{channel.id}"
    return f"{base}{LINE_WEBHOOK}"


def _hhmm(value: Any) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def channel_out(call: Call[Any, Any], c: Channel, secret_names: set[str]) -> ChannelOut:
    s = c.settings
    linked = c.kind in ("email", "webhook") or bool(s.get("chat_id") or s.get("user_id"))
    target = {"telegram": s.get("chat_title") or (str(s["chat_id"]) if s.get("chat_id")
                                                   else None),
              "line": (str(s["user_id"])[:6] + "…") if s.get("user_id") else None,
              "email": s.get("address"), "webhook": s.get("url")}[c.kind]
    pending = c.link_expires_at is not None and c.link_expires_at > datetime.now(UTC)
    return ChannelOut(
        id=c.id, kind=c.kind, name=c.name, enabled=c.enabled, events=list(c.events),  # type: ignore[arg-type]
        language=c.language, time_zone=c.time_zone, quiet_start=_hhmm(c.quiet_start),
        quiet_end=_hhmm(c.quiet_end), summary_time=_hhmm(c.summary_time) or "21:00",
        via=s.get("via"), linked=linked, linked_at=c.linked_at, link_pending=pending,
        target=target, email=s.get("address"), webhook_url=s.get("url"),
        bot_username=s.get("bot_username"), bot_token_set="bot_token" in secret_names,
        line_token_set="channel_access_token" in secret_names,
        webhook_secret_set="webhook_secret" in secret_names,
        line_webhook_url=_line_webhook_url(call, c), last_status=c.last_status,
        last_detail=c.last_detail, last_at=c.last_at, created_at=c.created_at)


def _view(call: Call[Any, Any], c: Channel) -> ChannelOut:
    try:
        names = set(_notifier(call).box.open(c.secret))
    except Exception:  # unreadable secret: show it as not set
        names = set()
    return channel_out(call, c, names)


def _check_url(url: str, allow_private: bool) -> str | None:
    """Why ``url`` is not an acceptable webhook URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host"
    if parts.username or parts.password:
        return "must not contain a user name or password"
    if any(c.isspace() for c in url) or parts.fragment:
        return "must not contain spaces or a #fragment"
    if port == 0:
        return "has an invalid port"
    if not allow_private:
        if parts.scheme != "https":
            return "must use https://"
        host = parts.hostname
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            return "must not point at this server's own network"
        try:
            if not ipaddress.ip_address(host).is_global:
                return "must not point at a private or loopback address"
        except ValueError:
            pass
    return None


def _prefs(body: ChannelIn | ChannelPatchIn, current: Channel | None,
           errors: dict[str, str]) -> dict[str, Any]:
    """Validated preference columns from the request (only those given)."""
    values: dict[str, Any] = {}
    for name in ("name", "enabled", "language"):
        value = getattr(body, name)
        if value is not UNSET:
            values[name] = value.strip() if isinstance(value, str) else value
    if body.events is not UNSET:
        if len(set(body.events)) != len(body.events):
            errors["events"] = "lists a topic twice"
        values["events"] = [t for t in TOPICS if t in body.events]
    if body.time_zone is not UNSET:
        try:
            parse_time_zone(body.time_zone)
            values["time_zone"] = body.time_zone
        except ValueError as exc:
            errors["time_zone"] = str(exc)
    for name in ("quiet_start", "quiet_end", "summary_time"):
        value = getattr(body, name)
        if value is UNSET or value is None:
            if value is None:
                values[name] = None
            continue
        try:
            values[name] = parse_hhmm(value)
        except ValueError as exc:
            errors[name] = str(exc)
    if "summary_time" in values and values["summary_time"] is None:
        errors["summary_time"] = "must be a time HH:MM"
    start = values.get("quiet_start", current.quiet_start if current else None) \
        if "quiet_start" in values or current else None
    end = values.get("quiet_end", current.quiet_end if current else None) \
        if "quiet_end" in values or current else None
    if "quiet_start" not in errors and "quiet_end" not in errors:
        if (start is None) != (end is None):
            errors["quiet_end" if start is not None else "quiet_start"] = \
                "quiet hours need both a start and an end (or neither)"
        elif start is not None and start == end:
            errors["quiet_end"] = "must differ from quiet_start"
    return values


async def _kind_settings(call: Call[Any, Any], kind: str, body: ChannelIn | ChannelPatchIn,
                         current: Channel | None, errors: dict[str, str]
                         ) -> tuple[dict[str, Any], dict[str, str]]:
    """(public settings to merge, secrets to merge) for the kind-specific fields."""
    notifier = _notifier(call)
    settings = call.ctx.settings
    given = {n for n in _ALL_KIND_FIELDS if getattr(body, n, UNSET) is not UNSET}
    for name in sorted(given - _KIND_FIELDS[kind]):
        errors[name] = f"does not apply to {kind} channels"
    public: dict[str, Any] = {}
    sealed: dict[str, str] = {}
    old = current.settings if current else {}
    via = getattr(body, "via", UNSET)
    via = old.get("via", "server") if via is UNSET else via
    if kind == "telegram":
        public["via"] = via
        token = body.bot_token
        if via == "server":
            if not settings.telegram_bot_token:
                errors["via"] = "this server has no Telegram bot: use your own bot (own)"
            elif token is not UNSET:
                errors["bot_token"] = "only for via = own"
        elif token is UNSET and not (current and current.secret):
            errors["bot_token"] = "required for your own bot (the token from @BotFather)"
        if token is not UNSET and "bot_token" not in errors:
            try:
                public["bot_username"] = await notifier.telegram_username(token)
            except DeliveryError as exc:
                errors["bot_token"] = f"Telegram refused this token: {exc.detail}"
            sealed["bot_token"] = token
        elif via == "server" and "via" not in errors:
            try:
                public["bot_username"] = await notifier.server_bot_username()
            except DeliveryError as exc:
                errors["via"] = f"the server's bot is unavailable: {exc.detail}"
        if current and old.get("via") != via:
            public["chat_id"] = None  # another bot: the chat must be linked again
    elif kind == "line":
        public["via"] = via
        tok, sec = body.line_channel_access_token, body.line_channel_secret
        if via == "server":
            if not (settings.line_channel_token and settings.line_channel_secret):
                errors["via"] = "this server has no LINE Official Account: use your own (own)"
            for name, value in (("line_channel_access_token", tok),
                                ("line_channel_secret", sec)):
                if value is not UNSET:
                    errors[name] = "only for via = own"
        else:
            have = current.secret is not None if current else False
            if not have and tok is UNSET:
                errors["line_channel_access_token"] = "required for your own Official Account"
            if not have and sec is UNSET:
                errors["line_channel_secret"] = "required for your own Official Account"
            if tok is not UNSET:
                sealed["channel_access_token"] = tok.strip()
            if sec is not UNSET:
                sealed["channel_secret"] = sec
        if current and old.get("via") != via:
            public["user_id"] = None
    elif kind == "email":
        if notifier.smtp is None:
            errors["kind"] = "e-mail is not configured on this server (COPYTRADE_SMTP_HOST)"
        if body.email is not UNSET:
            public["address"] = body.email.strip()
        elif current is None:
            errors["email"] = "required for e-mail channels"
    elif kind == "webhook":
        if body.webhook_url is not UNSET:
            problem = _check_url(body.webhook_url, settings.alert_allow_private_urls)
            if problem:
                errors["webhook_url"] = problem
            public["url"] = body.webhook_url
        elif current is None:
            errors["webhook_url"] = "required for webhook channels"
        if body.webhook_secret is not UNSET:
            sealed["webhook_secret"] = body.webhook_secret
        elif current is None:
            sealed["webhook_secret"] = "whsec_" + pysecrets.token_urlsafe(24)
    return public, sealed


@route("GET", "/api/v1/alerts/channels", summary="Your alert channels", tag=TAG,
       response=ChannelList, errors=(401, 409))
async def list_channels(call: Call[None, None]) -> ChannelList:
    notifier = _notifier(call)
    s = call.ctx.settings
    return ChannelList(
        channels=[_view(call, c) for c in await notifier.store.of_user(call.user_id)],
        topics=list(TOPICS), email_available=notifier.smtp is not None,
        telegram_server_bot=bool(s.telegram_bot_token),
        line_server_account=bool(s.line_channel_token and s.line_channel_secret),
        public_url=s.public_url)


@route("POST", "/api/v1/alerts/channels", summary="Add an alert channel", tag=TAG,
       body=ChannelIn, response=ChannelEnvelope, status=201, errors=(401, 403, 409, 422))
async def create_channel(call: Call[ChannelIn, None]) -> ChannelEnvelope:
    notifier = _notifier(call)
    body = call.body
    if await notifier.store.count(call.user_id) >= MAX_CHANNELS_PER_USER:
        raise Conflict(f"at most {MAX_CHANNELS_PER_USER} alert channels per user")
    errors: dict[str, str] = {}
    values = _prefs(body, None, errors)
    public, sealed = await _kind_settings(call, body.kind, body, None, errors)
    if errors:
        raise ValidationFailed("Some fields are invalid.", errors)
    values.setdefault("events", list(DEFAULT_TOPICS))
    values.update(kind=body.kind, settings={k: v for k, v in public.items() if v is not None},
                  secret=notifier.box.seal(sealed) if sealed else None)
    channel = await notifier.store.create(call.user_id, values)
    shown = sealed.get("webhook_secret") if body.webhook_secret is UNSET else None
    return ChannelEnvelope(_view(call, channel), webhook_secret=shown)


@route("GET", CHANNEL, summary="One alert channel", tag=TAG, response=ChannelEnvelope,
       errors=(401, 404, 409))
async def get_channel(call: Call[None, None], channel_id: int) -> ChannelEnvelope:
    channel = await _notifier(call).store.get(channel_id, call.user_id)
    return ChannelEnvelope(_view(call, channel))


@route("PATCH", CHANNEL, summary="Change an alert channel (omitted = kept)", tag=TAG,
       body=ChannelPatchIn, response=ChannelEnvelope, errors=(401, 403, 404, 409, 422))
async def update_channel(call: Call[ChannelPatchIn, None], channel_id: int) -> ChannelEnvelope:
    notifier = _notifier(call)
    current = await notifier.store.get(channel_id, call.user_id)
    errors: dict[str, str] = {}
    values = _prefs(call.body, current, errors)
    public, sealed = await _kind_settings(call, current.kind, call.body, current, errors)
    if errors:
        raise ValidationFailed("Some fields are invalid.", errors)
    merged = {**current.settings, **public}
    values["settings"] = {k: v for k, v in merged.items() if v is not None}
    if sealed:
        try:
            old = notifier.box.open(current.secret)
        except Exception:  # unreadable: replaced by what was given
            old = {}
        values["secret"] = notifier.box.seal({**old, **sealed})
    channel = await notifier.store.update(channel_id, call.user_id, values)
    notifier.wake()
    return ChannelEnvelope(_view(call, channel))


@route("DELETE", CHANNEL, summary="Delete an alert channel (and its queued messages)",
       tag=TAG, errors=(401, 403, 404, 409))
async def delete_channel(call: Call[None, None], channel_id: int) -> None:
    await _notifier(call).store.delete(channel_id, call.user_id)


@route("POST", f"{CHANNEL}/link", summary="Start linking a Telegram chat or LINE user",
       tag=TAG, response=LinkOut, errors=(401, 403, 404, 409))
async def start_link(call: Call[None, None], channel_id: int) -> LinkOut:
    notifier = _notifier(call)
    channel = await notifier.store.get(channel_id, call.user_id)
    if channel.kind not in ("telegram", "line"):
        raise Conflict("only Telegram and LINE channels are linked", field="kind")
    code = await notifier.store.start_link(channel_id, call.user_id)
    expires = datetime.now(UTC) + LINK_TTL - timedelta(seconds=5)
    if channel.kind == "telegram":
        bot = channel.settings.get("bot_username")
        return LinkOut(code=code, expires_at=expires,
                       deep_link=f"https://t.me/{bot}?start={code}" if bot else None,
                       instructions=f"Open the link and press Start, or send /start {code} "
                                    f"to @{bot}.", line_webhook_url=None)
    return LinkOut(code=code, expires_at=expires, deep_link=None,
                   instructions=f"Add the LINE Official Account as a friend and send it the "
                                f"code {code}. The server must be reachable at its public "
                                "HTTPS URL (COPYTRADE_PUBLIC_URL) for LINE to deliver it.",
                   line_webhook_url=_line_webhook_url(call, channel))


def _delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(id=d.id, idempotency_key=d.idempotency_key, kind=d.kind,
                       status=d.status, attempts=d.attempts,
                       next_attempt_at=d.not_before if d.status == "pending" else None,
                       last_error=d.last_error, created_at=d.created_at, sent_at=d.sent_at)


@route("POST", f"{CHANNEL}/test", summary="Send a test message through this channel", tag=TAG,
       response=DeliveryEnvelope, status=202, errors=(401, 403, 404, 409))
async def send_test(call: Call[None, None], channel_id: int) -> DeliveryEnvelope:
    notifier = _notifier(call)
    channel = await notifier.store.get(channel_id, call.user_id)
    delivery = await notifier.store.enqueue_test(channel)
    notifier.wake_senders()
    return DeliveryEnvelope(_delivery_out(delivery))


@route("GET", f"{CHANNEL}/deliveries", summary="Recent messages of this channel", tag=TAG,
       response=DeliveryList, errors=(401, 404, 409))
async def list_deliveries(call: Call[None, None], channel_id: int) -> DeliveryList:
    rows = await _notifier(call).store.deliveries(channel_id, call.user_id)
    return DeliveryList([_delivery_out(d) for d in rows])


def install(app: Quart) -> None:
    """The LINE webhook (no session: LINE signs it): ``POST /api/v1/alerts/line/webhook`` for
    the server-wide Official Account, ``.../webhook/<channel id>`` for a user's own."""

    async def line_webhook(channel_id: int | None = None) -> Response:
        notifier = app.extensions["copytrade"].notifier
        body = await request.get_data(cache=False)
        if notifier is None or len(body) > MAX_WEBHOOK_BODY:
            return Response('{"error":"unavailable"}', status=503,
                            content_type="application/json")
        ok = await notifier.line_webhook(body, request.headers.get("X-Line-Signature"),
                                         channel_id)
        if not ok:
            return Response('{"error":{"code":"unauthorized","message":"bad signature"}}',
                            status=401, content_type="application/json")
        return Response("{}", status=200, content_type="application/json")

    app.add_url_rule(LINE_WEBHOOK, "alerts_line_webhook", line_webhook, methods=["POST"])
    app.add_url_rule(f"{LINE_WEBHOOK}/<int:channel_id>", "alerts_line_webhook_own",
                     line_webhook, methods=["POST"])
