"""Signed JSON webhooks (docs/api.md "Webhook alerts" has the receiver's side).

``POST <url>`` with the body ``{"id", "type", "created_at", "language", "text", "data"}`` and
the headers ``Idempotency-Key: <uuid>`` (same on every retry), ``X-CopyTrade-Event: <type>``,
``X-CopyTrade-Timestamp: <unix seconds>`` and ``X-CopyTrade-Signature: sha256=<hex>`` where
hex = HMAC-SHA256(secret, timestamp + "." + body). Any 2xx is success; redirects are not
followed. Unless private addresses are allowed, the host must resolve to public addresses
only (no SSRF into the server's own network), checked at every send on the very address the
request then connects to.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
from urllib.parse import urlsplit

import httpx
import trio

from .base import DeliveryError, Outgoing, scrub


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global


async def resolve_destination(host: str, allow_private: bool) -> str:
    """The one address the request goes to: the host is resolved once, every answer is checked
    (unless private addresses are allowed), and the request connects to the first answer, so a
    second lookup (DNS rebinding) cannot send it elsewhere."""
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            infos = await trio.socket.getaddrinfo(host, None, type=trio.socket.SOCK_STREAM)
        except OSError as exc:
            raise DeliveryError(f"cannot resolve {host}: {exc}") from None
        addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise DeliveryError(f"cannot resolve {host}: no address")
    if not allow_private and any(is_private(a) for a in addresses):
        raise DeliveryError(f"{host} resolves to a private address (not allowed on this "
                            "server)")
    return addresses[0]


def pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """``url`` with its host replaced by ``address``, plus the ``Host`` header and the TLS
    server name (certificate checked for the original host) that keep the request the same."""
    parts = urlsplit(url)
    ip = f"[{address}]" if ":" in address else address
    netloc = ip if parts.port is None else f"{ip}:{parts.port}"
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": parts.hostname or ""} if parts.scheme == "https" else {}
    return parts._replace(netloc=netloc).geturl(), {"Host": host_header}, extensions


def body_of(out: Outgoing) -> bytes:
    return json.dumps({
        "id": out.idempotency_key, "type": out.kind, "created_at": out.created_at,
        "language": out.channel.language, "text": out.rendered.text, "data": out.payload,
    }, ensure_ascii=False, separators=(",", ":")).encode()


async def deliver(client: httpx.AsyncClient, out: Outgoing, timeout: float,
                  allow_private: bool) -> None:
    url = str(out.channel.settings.get("url", ""))
    secret = out.secrets.get("webhook_secret", "")
    address = await resolve_destination(urlsplit(url).hostname or "", allow_private)
    target, host_header, extensions = pinned(url, address)
    body = body_of(out)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "CopyTradePro-Webhook/1",
               "Idempotency-Key": out.idempotency_key, "X-CopyTrade-Event": out.kind,
               "X-CopyTrade-Timestamp": timestamp,
               "X-CopyTrade-Signature": sign(secret, timestamp, body), **host_header}
    try:
        response = await client.post(target, content=body, headers=headers, timeout=timeout,
                                     follow_redirects=False, extensions=extensions)
    except httpx.HTTPError as exc:
        raise DeliveryError(scrub(f"webhook unreachable: {type(exc).__name__} {exc}",
                                  out.secrets)) from None
    if 200 <= response.status_code < 300:
        return
    retry_after = None
    raw = response.headers.get("retry-after")
    if raw and raw.isdigit():
        retry_after = float(raw)
    raise DeliveryError(f"{response.status_code} from the webhook URL", retry_after=retry_after)
