"""``/metrics`` in the Prometheus text format, from ``engine.metrics()`` (whatever keys exist).

Rendering rules: a number becomes a gauge/counter sample; a dict of numbers becomes one metric
with a ``kind`` label (``{"master": 2, "follower": 5}``); a dict with ``buckets``, ``sum`` and
``count`` becomes a histogram. Names are prefixed ``copytrade_``; ``*_total`` are counters.
Who may read it: see :func:`refusal`.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import re
from typing import Any

from quart import Quart, Response, request

from .routing import state

_NAME = re.compile(r"[^a-zA-Z0-9_]")


def _num(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value) if isinstance(value, float) else str(value)


def _label(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(metrics: dict[str, Any]) -> str:
    lines: list[str] = []
    for key in sorted(metrics):
        value = metrics[key]
        name = "copytrade_" + _NAME.sub("_", key)
        if isinstance(value, dict) and "buckets" in value:
            lines.append(f"# TYPE {name} histogram")
            has_inf = False
            for le, count in value["buckets"]:
                le_text = _num(float(le))
                has_inf = has_inf or le_text == "+Inf"
                lines.append(f'{name}_bucket{{le="{le_text}"}} {_num(count)}')
            if not has_inf:
                lines.append(f'{name}_bucket{{le="+Inf"}} {_num(value.get("count", 0))}')
            lines.append(f"{name}_sum {_num(value.get('sum', 0))}")
            lines.append(f"{name}_count {_num(value.get('count', 0))}")
        elif isinstance(value, dict):
            kind = "counter" if name.endswith("_total") else "gauge"
            lines.append(f"# TYPE {name} {kind}")
            for label in sorted(value):
                if isinstance(value[label], int | float):
                    lines.append(f'{name}{{kind="{_label(label)}"}} {_num(value[label])}')
        elif isinstance(value, int | float):
            kind = "counter" if name.endswith("_total") else "gauge"
            lines.append(f"# TYPE {name} {kind}")
            lines.append(f"{name} {_num(value)}")
    return "\n".join(lines) + "\n"


_FORWARDED = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def refusal(token: str | None) -> Response | None:
    """Why this request may not read /metrics (a 401/403 answer), or None if it may.

    With ``COPYTRADE_METRICS_TOKEN`` set, the request must carry ``Authorization: Bearer
    <token>`` (compared in constant time). Unset, only a direct loopback client may read it:
    one whose peer address is loopback and that was not relayed by a proxy (no forwarding
    header), so a public port or a reverse proxy never exposes the figures by accident.
    """
    if token is not None:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode()):
            return None
        return Response("metrics need Authorization: Bearer <COPYTRADE_METRICS_TOKEN>\n",
                        status=401, content_type="text/plain; charset=utf-8",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    if loopback and not any(h in request.headers for h in _FORWARDED):
        return None
    return Response("metrics are served to loopback clients only; set COPYTRADE_METRICS_TOKEN "
                    "to scrape from elsewhere\n", status=403,
                    content_type="text/plain; charset=utf-8")


def install(app: Quart) -> None:
    @app.get("/metrics")
    async def metrics() -> Response:
        st = state()
        refused = refusal(st.ctx.settings.metrics_token)
        if refused is not None:
            return refused
        data = dict(st.ctx.engine.metrics())
        data.setdefault("live_subscribers", st.ctx.events.subscriber_count())
        data.setdefault("live_events_total", st.ctx.events.published)
        return Response(render(data), content_type="text/plain; version=0.0.4; charset=utf-8")
