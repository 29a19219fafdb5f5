"""E-mail over SMTP (server-wide settings): STARTTLS, implicit TLS or plain for local relays.

Each alert is a multipart/alternative message (text/plain + text/html, UTF-8, so Thai text
survives) with ``Message-ID: <idempotency key@host>`` — the same on every retry. smtplib runs
in a worker thread; the session is bounded by the delivery timeout.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import attrs
import trio

from .base import DeliveryError, Outgoing


@attrs.frozen
class SmtpConfig:
    host: str
    port: int
    security: str
    """``starttls``, ``tls`` or ``none``."""
    user: str | None
    password: str | None
    sender: str
    ssl_context: ssl.SSLContext | None = None
    """None = the system's default verification (tests pass their own)."""


def build(out: Outgoing, sender: str) -> EmailMessage:
    msg = EmailMessage()
    to = str(out.channel.settings.get("address", ""))
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = out.rendered.subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "copytrade.local"
    msg["Message-ID"] = f"<{out.idempotency_key}@{domain}>"
    msg["X-CopyTrade-Event"] = out.kind
    msg["Content-Language"] = out.channel.language
    msg.set_content(out.rendered.text)
    msg.add_alternative(out.rendered.html, subtype="html")
    return msg


def _send(cfg: SmtpConfig, msg: EmailMessage, timeout: float) -> None:
    context = cfg.ssl_context or ssl.create_default_context()
    smtp: smtplib.SMTP
    if cfg.security == "tls":
        smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if cfg.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if cfg.user:
            smtp.login(cfg.user, cfg.password or "")
        smtp.send_message(msg)


async def deliver(cfg: SmtpConfig | None, out: Outgoing, timeout: float) -> None:
    if cfg is None:
        raise DeliveryError("e-mail is not configured on this server (COPYTRADE_SMTP_HOST)")
    msg = build(out, cfg.sender)
    try:
        await trio.to_thread.run_sync(_send, cfg, msg, timeout, abandon_on_cancel=True)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login refused ({exc.smtp_code}) — check "
                            "COPYTRADE_SMTP_USER/PASSWORD") from None
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError("the SMTP server refused the recipient address") from None
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        raise DeliveryError(f"SMTP error {exc.smtp_code}: {text[:120]}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP server unreachable: {type(exc).__name__} {exc}"[:300]
                            ) from None
