"""Alert texts in English and Thai: one outbox payload → subject, plain text and HTML.

The payload is what the dispatcher stored (``kind``, ``account_name``, ``count``, ``items``
…); rendering happens at send time, so a language change applies to messages still queued.
"""

from __future__ import annotations

import html
from typing import Any

import attrs

MAX_ITEMS_SHOWN = 10


@attrs.frozen
class Rendered:
    subject: str
    text: str
    html: str


_T: dict[str, dict[str, str]] = {
    "en": {
        "ea.offline": "EA offline: {account}",
        "ea.offline.body": "The EA of {account} has been disconnected for more than {grace}.",
        "ea.online": "EA back online: {account}",
        "ea.online.body": "The EA of {account} is connected again.",
        "copy.failed": "{count} copy(ies) failed on {account}",
        "copy.skipped": "{count} copy(ies) skipped on {account}",
        "copy.expired": "{count} copy(ies) expired on {account}",
        "copy.item": "#{ticket} {side} {volume} {symbol}: {reason}",
        "copy.more": "… and {more} more",
        "killswitch.stopout": "Kill switch: stop-out on a 1TO1 pair",
        "killswitch.stopout.body": "{reason}. Closing the {closing} side: {n} position(s), "
                                   "{sent} close command(s) sent.",
        "risk.tripped": "Risk guard tripped on {account}: {guard}",
        "risk.tripped.body": "{detail}",
        "master.opened": "{account} opened #{ticket} {side} {volume} {symbol} at {price}",
        "master.closed": "{account} closed #{ticket} {symbol} at {close_price}, P/L {profit}",
        "summary.daily": "Daily summary {date}: {account}",
        "summary.body": "P/L {profit} · copies {copies} · failed {failed} · "
                        "worst latency {latency}",
        "test.message": "Test message from CopyTradePro",
        "test.message.body": "This channel works: alerts you selected will arrive here.",
        "footer": "CopyTradePro alerts",
    },
    "th": {
        "ea.offline": "EA ออฟไลน์: {account}",
        "ea.offline.body": "EA ของ {account} ขาดการเชื่อมต่อนานกว่า {grace}",
        "ea.online": "EA กลับมาออนไลน์: {account}",
        "ea.online.body": "EA ของ {account} เชื่อมต่อแล้วอีกครั้ง",
        "copy.failed": "คัดลอกไม่สำเร็จ {count} รายการ ที่ {account}",
        "copy.skipped": "ข้ามการคัดลอก {count} รายการ ที่ {account}",
        "copy.expired": "คำสั่งคัดลอกหมดอายุ {count} รายการ ที่ {account}",
        "copy.item": "#{ticket} {side} {volume} {symbol}: {reason}",
        "copy.more": "… และอีก {more} รายการ",
        "killswitch.stopout": "Kill switch: เกิด stop-out ในคู่ 1TO1",
        "killswitch.stopout.body": "{reason} กำลังปิดฝั่ง {closing}: {n} ออร์เดอร์ "
                                   "ส่งคำสั่งปิดแล้ว {sent} คำสั่ง",
        "risk.tripped": "ระบบป้องกันความเสี่ยงทำงานที่ {account}: {guard}",
        "risk.tripped.body": "{detail}",
        "master.opened": "{account} เปิด #{ticket} {side} {volume} {symbol} ที่ราคา {price}",
        "master.closed": "{account} ปิด #{ticket} {symbol} ที่ราคา {close_price} "
                         "กำไร/ขาดทุน {profit}",
        "summary.daily": "สรุปประจำวัน {date}: {account}",
        "summary.body": "กำไร/ขาดทุน {profit} · คัดลอก {copies} · ไม่สำเร็จ {failed} · "
                        "ความหน่วงสูงสุด {latency}",
        "test.message": "ข้อความทดสอบจาก CopyTradePro",
        "test.message.body": "ช่องทางนี้ใช้งานได้: การแจ้งเตือนที่คุณเลือกจะส่งมาที่นี่",
        "footer": "การแจ้งเตือน CopyTradePro",
    },
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _fmt(lang: str, key: str, values: dict[str, Any]) -> str:
    table = _T.get(lang, _T["en"])
    return table.get(key, _T["en"][key]).format_map(_Blank(values))


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s"
    return f"{seconds / 60:g} min"


def render(payload: dict[str, Any], lang: str) -> Rendered:
    """The message for one outbox payload in ``lang`` (``en`` or ``th``)."""
    kind = str(payload.get("kind", "test.message"))
    values: dict[str, Any] = {k: v for k, v in payload.items() if v is not None}
    values.setdefault("account", payload.get("account_name") or f"#{payload.get('account_id')}")
    lines: list[str] = []
    if kind in ("copy.failed", "copy.skipped", "copy.expired"):
        items: list[dict[str, Any]] = list(payload.get("items", []))
        subject = _fmt(lang, kind, values)
        for item in items[:MAX_ITEMS_SHOWN]:
            lines.append(_fmt(lang, "copy.item", item))
        more = int(payload.get("count", len(items))) - min(len(items), MAX_ITEMS_SHOWN)
        if more > 0:
            lines.append(_fmt(lang, "copy.more", {"more": more}))
    elif kind == "ea.offline":
        values["grace"] = _duration(float(payload.get("grace_seconds", 0)))
        subject, lines = _fmt(lang, kind, values), [_fmt(lang, "ea.offline.body", values)]
    elif kind == "ea.online":
        subject, lines = _fmt(lang, kind, values), [_fmt(lang, "ea.online.body", values)]
    elif kind == "killswitch.stopout":
        values["n"] = len(payload.get("tickets", []))
        values["sent"] = payload.get("commands_sent", 0)
        subject, lines = _fmt(lang, kind, values), [_fmt(lang, "killswitch.stopout.body", values)]
    elif kind == "risk.tripped":
        subject, lines = _fmt(lang, kind, values), [_fmt(lang, "risk.tripped.body", values)]
    elif kind in ("master.opened", "master.closed"):
        subject = _fmt(lang, kind, values)
    elif kind == "summary.daily":
        subject = _fmt(lang, kind, values)
        lat = payload.get("worst_latency_ms")
        values["latency"] = "-" if lat is None else f"{float(lat):.0f} ms"
        lines = [_fmt(lang, "summary.body", values)]
    else:
        subject, lines = _fmt(lang, "test.message", values), [_fmt(lang, "test.message.body",
                                                                   values)]
    text = "\n".join([subject, *lines])
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head><body>'
            f"<h2>{html.escape(subject)}</h2>{body}"
            f"<p style=\"color:#666\">{html.escape(_fmt(lang, 'footer', {}))}</p></body></html>")
    return Rendered(subject=subject, text=text, html=page)
