"""The alerts service: the dispatcher, one sender per channel kind and the Telegram linker,
started together under the app's root nursery (``await nursery.start(notifier.run)``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

import attrs
import httpx
import trio

from ..config import Settings
from ..db.database import Database
from ..db.errors import DATABASE_FAILURES
from .channels import email, line, telegram, webhook
from .channels.base import DeliveryError, Outgoing
from .dispatch import Dispatcher
from .limits import RateLimiter
from .secretbox import SecretBox, SecretUnreadable
from .sender import Sender
from .store import Channel, NotifyStore

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and a Telegram URL holds the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)


@attrs.define
class Notifier:
    settings: Settings
    db: Database
    box: SecretBox
    store: NotifyStore = attrs.field(init=False)
    client: httpx.AsyncClient | None = None
    senders: dict[str, Sender] = attrs.field(factory=dict)
    dispatcher: Dispatcher = attrs.field(init=False)
    smtp: email.SmtpConfig | None = None
    online: Callable[[], Collection[int]] = tuple
    """Ids of the accounts whose EA is connected to this process (the engine's sessions)."""
    _server_bot: str | None = None
    _offsets: dict[str, int] = attrs.field(factory=dict)
    linked: int = 0

    def __attrs_post_init__(self) -> None:
        self.store = NotifyStore(self.db)
        s = self.settings
        self.dispatcher = Dispatcher(self.db, grace=s.alert_offline_grace,
                                     window=s.alert_group_window, poll=s.alert_poll_interval,
                                     wake_senders=self.wake_senders, online=self.online)
        if s.smtp_host:
            self.smtp = email.SmtpConfig(
                host=s.smtp_host, port=s.smtp_port, security=s.smtp_security, user=s.smtp_user,
                password=s.smtp_password, sender=s.smtp_from or f"alerts@{s.public_host}")

    @classmethod
    def from_settings(cls, settings: Settings, db: Database,
                      online: Callable[[], Collection[int]] = tuple) -> Notifier:
        return cls(settings, db, SecretBox.load(settings.secret_key, settings.data_dir),
                   online=online)

    def wake_senders(self) -> None:
        for sender in self.senders.values():
            sender.wake()

    def wake(self) -> None:
        self.dispatcher.wake()
        self.wake_senders()

    # ---- the tasks

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        s = self.settings
        async with httpx.AsyncClient(timeout=s.alert_http_timeout, follow_redirects=False) as c:
            self.client = c
            self.senders = {
                "telegram": self._sender("telegram", self._telegram, RateLimiter(1.0, 30),
                                         lambda o: (self._bot_key(o.channel),
                                                    f"tg:{o.channel.settings.get('chat_id')}")),
                "line": self._sender("line", self._line, RateLimiter(0.2, 100),
                                     lambda o: (self._line_key(o.channel),
                                                f"line:{o.channel.settings.get('user_id')}")),
                "email": self._sender("email", self._email, RateLimiter(0.0, 10),
                                      lambda o: ("smtp", f"mail:{o.channel.id}")),
                "webhook": self._sender("webhook", self._webhook, RateLimiter(0.0, 50),
                                        lambda o: ("webhook", f"wh:{o.channel.id}")),
            }
            async with trio.open_nursery() as nursery:
                await nursery.start(self.dispatcher.run)
                for sender in self.senders.values():
                    await nursery.start(sender.run)
                nursery.start_soon(self._telegram_linker)
                task_status.started()
                await trio.sleep_forever()

    def _sender(self, kind: str, deliver: Any, limiter: RateLimiter, key: Any) -> Sender:
        s = self.settings
        return Sender(kind=kind, db=self.db, box=self.box, deliver=deliver, limiter=limiter,
                      limit_key=key, poll=s.alert_poll_interval, base_backoff=s.alert_backoff,
                      max_attempts=s.alert_max_attempts, timeout=s.alert_http_timeout)

    # ---- per-kind delivery

    def _bot_key(self, channel: Channel) -> str:
        return "server" if channel.settings.get("via") == "server" else f"own:{channel.id}"

    def _line_key(self, channel: Channel) -> str:
        return "server" if channel.settings.get("via") == "server" else f"own:{channel.id}"

    def telegram_token(self, channel: Channel, secrets: dict[str, str]) -> str:
        if channel.settings.get("via") == "server":
            if not self.settings.telegram_bot_token:
                raise DeliveryError("this server has no Telegram bot configured "
                                    "(COPYTRADE_TELEGRAM_BOT_TOKEN)")
            return self.settings.telegram_bot_token
        token = secrets.get("bot_token")
        if not token:
            raise DeliveryError("no bot token saved — enter the token from @BotFather")
        return token

    def line_credentials(self, channel: Channel, secrets: dict[str, str]) -> tuple[str, str]:
        if channel.settings.get("via") == "server":
            token, secret = self.settings.line_channel_token, self.settings.line_channel_secret
            if not token or not secret:
                raise DeliveryError("this server has no LINE Official Account configured")
            return token, secret
        if not secrets.get("channel_access_token") or not secrets.get("channel_secret"):
            raise DeliveryError("no LINE channel access token / secret saved")
        return secrets["channel_access_token"], secrets["channel_secret"]

    async def _telegram(self, out: Outgoing) -> None:
        assert self.client is not None
        token = self.telegram_token(out.channel, out.secrets)
        await telegram.deliver(self.client, self.settings.telegram_api_url, token, out,
                               self.settings.alert_http_timeout)

    async def _line(self, out: Outgoing) -> None:
        assert self.client is not None
        token, _ = self.line_credentials(out.channel, out.secrets)
        await line.deliver(self.client, self.settings.line_api_url, token, out,
                           self.settings.alert_http_timeout)

    async def _email(self, out: Outgoing) -> None:
        await email.deliver(self.smtp, out, self.settings.alert_http_timeout)

    async def _webhook(self, out: Outgoing) -> None:
        assert self.client is not None
        await webhook.deliver(self.client, out, self.settings.alert_http_timeout,
                              self.settings.alert_allow_private_urls)

    # ---- Telegram: names and linking

    async def telegram_username(self, token: str) -> str:
        """getMe for a token (raises DeliveryError with a readable detail)."""
        client = self.client or httpx.AsyncClient()
        try:
            return await telegram.get_me(client, self.settings.telegram_api_url, token,
                                         self.settings.alert_http_timeout)
        finally:
            if client is not self.client:
                await client.aclose()

    async def server_bot_username(self) -> str:
        if self._server_bot is None:
            if not self.settings.telegram_bot_token:
                raise DeliveryError("this server has no Telegram bot configured "
                                    "(COPYTRADE_TELEGRAM_BOT_TOKEN)")
            self._server_bot = await self.telegram_username(self.settings.telegram_bot_token)
        return self._server_bot

    async def _telegram_linker(self) -> None:
        """While link codes wait, long-poll getUpdates of each bot that has one."""
        while True:
            try:
                waiting = await self.store.linking("telegram")
            except DATABASE_FAILURES:
                waiting = []
            bots: dict[str, tuple[str, int | None]] = {}
            for channel in waiting:
                try:
                    token = self.telegram_token(channel, self.box.open(channel.secret))
                except (DeliveryError, SecretUnreadable):
                    continue
                key = self._bot_key(channel)
                bots[key] = (token, None if key == "server" else channel.id)
            if not bots:
                await trio.sleep(self.settings.alert_poll_interval)
                continue
            async with trio.open_nursery() as nursery:
                for key, (token, channel_id) in bots.items():
                    nursery.start_soon(self._poll_bot, key, token, channel_id)

    async def _poll_bot(self, key: str, token: str, channel_id: int | None) -> None:
        try:
            await self._poll_bot_once(key, token, channel_id)
        except DATABASE_FAILURES as exc:
            log.warning("Telegram linking: database unavailable (%s)", exc)
            await trio.sleep(max(self.settings.alert_poll_interval, 1.0))

    async def _poll_bot_once(self, key: str, token: str, channel_id: int | None) -> None:
        assert self.client is not None
        s = self.settings
        try:
            updates = await telegram.get_updates(self.client, s.telegram_api_url, token,
                                                 self._offsets.get(key), s.alert_link_poll,
                                                 s.alert_http_timeout)
        except DeliveryError as exc:
            log.warning("Telegram getUpdates (%s bot): %s", key.split(":")[0], exc.detail)
            await trio.sleep(max(s.alert_poll_interval, 1.0))
            return
        for update in updates:
            if isinstance(update.get("update_id"), int):
                self._offsets[key] = max(self._offsets.get(key, 0), update["update_id"] + 1)
            found = telegram.start_code(update)
            if found is None:
                continue
            code, chat_id, title = found
            channel = await self.store.complete_link(
                "telegram", code, {"chat_id": chat_id, "chat_title": title}, channel_id)
            if channel is None:
                continue
            self.linked += 1
            log.info("Telegram chat linked to alert channel %d", channel.id)
            text = ("เชื่อมต่อกับ CopyTradePro แล้ว" if channel.language == "th"
                    else "Linked to CopyTradePro: alerts will arrive in this chat.")
            try:
                await telegram.call(self.client, s.telegram_api_url, token, "sendMessage",
                                    {"chat_id": chat_id, "text": text}, s.alert_http_timeout)
            except DeliveryError as exc:
                log.warning("Telegram link confirmation failed: %s", exc.detail)

    # ---- LINE: the webhook

    async def line_webhook(self, body: bytes, signature: str | None,
                           channel_id: int | None) -> bool:
        """Verify a LINE webhook call and link the users who sent a live code.

        Returns False when the signature does not verify (the caller answers 401).
        """
        if channel_id is None:
            secret = self.settings.line_channel_secret
        else:
            try:
                channel = await self.store.get(channel_id)
                secret = self.box.open(channel.secret).get("channel_secret") \
                    if channel.kind == "line" else None
            except Exception:  # unknown channel or unreadable secret: fails verification
                secret = None
        if not secret or not line.verify(secret, body, signature):
            return False
        for code, user_id, reply_token in line.link_codes(body):
            linked = await self.store.complete_link("line", code, {"user_id": user_id},
                                                    channel_id)
            if linked is not None:
                self.linked += 1
                log.info("LINE user linked to alert channel %d", linked.id)
                if reply_token is not None:
                    await self._line_confirm(linked, reply_token)
        return True

    async def _line_confirm(self, channel: Channel, reply_token: str) -> None:
        """Tell the user in LINE that the link worked (best effort: the link stands anyway)."""
        text = ("เชื่อมต่อกับ CopyTradePro แล้ว: การแจ้งเตือนจะส่งมาที่แชตนี้"
                if channel.language == "th"
                else "Linked to CopyTradePro: alerts will arrive in this chat.")
        client = self.client or httpx.AsyncClient()
        try:
            token, _ = self.line_credentials(
                channel, self.box.open(channel.secret) if channel.secret else {})
            with trio.move_on_after(self.settings.alert_http_timeout + 1):
                await line.reply(client, self.settings.line_api_url, token, reply_token, text,
                                 self.settings.alert_http_timeout)
        except DeliveryError as exc:
            log.warning("LINE link confirmation failed: %s", exc.detail)
        except SecretUnreadable:
            log.warning("LINE link confirmation not sent: the channel's secrets are unreadable")
        finally:
            if client is not self.client:
                await client.aclose()
