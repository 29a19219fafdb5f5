"""LINE Messaging API: push messages, and the webhook that links a user by a one-time code.

Push: ``POST {base}/v2/bot/message/push`` with ``Authorization: Bearer <channel access
token>``, ``X-Line-Retry-Key: <uuid>`` (LINE accepts a retry key once: a repeat answers 409,
which means the first attempt was delivered) and ``{"to": userId, "messages": [{"type":
"text", "text": ...}]}``. Webhooks carry ``X-Line-Signature`` = base64(HMAC-SHA256(channel
secret, body)). A user who links by sending the code gets a confirmation through the reply
endpoint, ``POST {base}/v2/bot/message/reply`` with the event's ``replyToken`` (a reply
counts against no message quota).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx

from .base import DeliveryError, Outgoing, scrub

MAX_TEXT = 5000
_HINTS = {401: "check the channel access token", 403: "the account may not push messages",
          400: "link LINE again", 429: "LINE message quota or rate limit reached"}


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, body), header)


def link_codes(body: bytes) -> list[tuple[str, str, str | None]]:
    """``(text, userId, replyToken)`` of each text message from a user in a webhook body."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    out: list[tuple[str, str, str | None]] = []
    events = data.get("events") if isinstance(data, dict) else None
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or event.get("type") != "message":
            continue
        message, source = event.get("message"), event.get("source")
        if isinstance(message, dict) and message.get("type") == "text" \
                and isinstance(message.get("text"), str) and isinstance(source, dict) \
                and isinstance(source.get("userId"), str):
            reply_token = event.get("replyToken")
            out.append((message["text"].strip()[:64], source["userId"][:64],
                        reply_token[:256] if isinstance(reply_token, str) and reply_token
                        else None))
    return out


async def reply(client: httpx.AsyncClient, base: str, token: str, reply_token: str, text: str,
                timeout: float) -> None:
    """Answer a webhook event (the link confirmation); DeliveryError if LINE refuses."""
    try:
        response = await client.post(
            f"{base}/v2/bot/message/reply", headers={"Authorization": f"Bearer {token}"},
            json={"replyToken": reply_token, "messages": [{"type": "text", "text": text}]},
            timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(scrub(f"LINE unreachable: {type(exc).__name__} {exc}",
                                  {"t": token})) from None
    if response.status_code != 200:
        raise DeliveryError(scrub(f"{response.status_code} from LINE (reply)", {"t": token}))


async def deliver(client: httpx.AsyncClient, base: str, token: str, out: Outgoing,
                  timeout: float) -> None:
    to = out.channel.settings.get("user_id")
    if not to:
        raise DeliveryError("no LINE user linked yet — send the code to the Official Account")
    try:
        response = await client.post(
            f"{base}/v2/bot/message/push",
            headers={"Authorization": f"Bearer {token}", "X-Line-Retry-Key": out.idempotency_key},
            json={"to": to, "messages": [{"type": "text", "text": out.rendered.text[:MAX_TEXT]}]},
            timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(scrub(f"LINE unreachable: {type(exc).__name__} {exc}",
                                  {"t": token})) from None
    if response.status_code == 200:
        return
    if response.status_code == 409 and response.headers.get("x-line-accepted-request-id"):
        return  # this retry key was accepted before: the message went out
    try:
        message = str(response.json().get("message", ""))[:120]
    except (ValueError, AttributeError):
        message = ""
    status = response.status_code
    retry_after = 60.0 if status == 429 else None
    hint = _HINTS.get(status, "try again later" if status >= 500 else "")
    detail = f"{status} from LINE" + (f" ({message})" if message else "")
    raise DeliveryError(scrub(detail + (f" — {hint}" if hint else ""), {"t": token}),
                        retry_after=retry_after)


def payload_ok(data: Any) -> bool:
    return isinstance(data, dict)
