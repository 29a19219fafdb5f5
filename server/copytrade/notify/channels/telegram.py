"""Telegram Bot API: ``sendMessage``, ``getMe`` and ``getUpdates`` (for linking a chat).

Requests are ``POST {base}/bot{token}/{method}`` with a JSON body, answers are
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...,
"parameters": {"retry_after": s}}`` (https://core.telegram.org/bots/api#making-requests).
"""

from __future__ import annotations

from typing import Any

import httpx

from .base import DeliveryError, Outgoing, scrub

MAX_TEXT = 4096
_HINTS = {401: "check the token", 403: "the bot was blocked or removed from the chat",
          400: "link the chat again", 404: "check the token"}


async def call(client: httpx.AsyncClient, base: str, token: str, method: str,
               body: dict[str, Any], timeout: float) -> Any:
    """One Bot API call; DeliveryError with a readable detail on any failure."""
    try:
        response = await client.post(f"{base}/bot{token}/{method}", json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(scrub(f"Telegram unreachable: {type(exc).__name__} {exc}",
                                  {"t": token})) from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code == 200 and isinstance(data, dict) and data.get("ok") is True:
        return data.get("result")
    status = response.status_code
    description = str(data.get("description", "")) if isinstance(data, dict) else ""
    retry_after = None
    if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
        value = data["parameters"].get("retry_after")
        retry_after = float(value) if isinstance(value, int | float) else None
    hint = _HINTS.get(status, "try again later" if status in (429, 500, 502, 503) else "")
    detail = f"{status} from Telegram" + (f" ({description[:120]})" if description else "")
    raise DeliveryError(scrub(detail + (f" — {hint}" if hint else ""), {"t": token}),
                        retry_after=retry_after)


async def get_me(client: httpx.AsyncClient, base: str, token: str, timeout: float) -> str:
    """The bot's username (checks the token)."""
    result = await call(client, base, token, "getMe", {}, timeout)
    if not isinstance(result, dict) or not isinstance(result.get("username"), str):
        raise DeliveryError("Telegram answered getMe without a username")
    return str(result["username"])


async def get_updates(client: httpx.AsyncClient, base: str, token: str, offset: int | None,
                      poll: int, timeout: float) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"timeout": poll, "allowed_updates": ["message"]}
    if offset is not None:
        body["offset"] = offset
    result = await call(client, base, token, "getUpdates", body, timeout + poll)
    return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []


def start_code(update: dict[str, Any]) -> tuple[str, int, str] | None:
    """``(code, chat id, chat title)`` of a ``/start <code>`` (or bare code) message."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    text = message.get("text")
    chat = message.get("chat")
    if not isinstance(text, str) or not isinstance(chat, dict) \
            or not isinstance(chat.get("id"), int):
        return None
    words = text.strip().split()
    if len(words) == 2 and words[0].split("@")[0] == "/start":
        code = words[1]
    elif len(words) == 1 and not words[0].startswith("/"):
        code = words[0]
    else:
        return None
    title = chat.get("title") or chat.get("username") or chat.get("first_name") or ""
    return code[:64], int(chat["id"]), str(title)[:100]


async def deliver(client: httpx.AsyncClient, base: str, token: str, out: Outgoing,
                  timeout: float) -> None:
    chat_id = out.channel.settings.get("chat_id")
    if chat_id is None:
        raise DeliveryError("no Telegram chat linked yet — open the link and press Start")
    await call(client, base, token, "sendMessage", {
        "chat_id": chat_id, "text": out.rendered.text[:MAX_TEXT],
        "disable_web_page_preview": True}, timeout)
