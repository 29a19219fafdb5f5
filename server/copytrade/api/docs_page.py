"""``/api/v1/openapi.json`` and ``/api/v1/docs``: the spec and a self-contained page for it."""

from __future__ import annotations

import json

from quart import Quart, Response

from .openapi import build_document

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CopyTradePro API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#0f172a;color:#e2e8f0}
main{max-width:960px;margin:auto;padding:24px}
h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #334155;text-transform:capitalize}
details{background:#1e293b;border-radius:8px;margin:8px 0;padding:8px 12px}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}
pre{background:#0b1220;padding:8px;border-radius:6px;overflow:auto}
.m{display:inline-block;min-width:64px;font-weight:700}
.GET{color:#4ade80}.POST{color:#60a5fa}.PUT{color:#fbbf24}.PATCH{color:#c084fc}
.DELETE{color:#f87171}
</style></head><body><main>
<h1>CopyTradePro API</h1>
<p id="intro"></p><p>Machine-readable: <a href="openapi.json" style="color:#93c5fd">
openapi.json</a></p><div id="ops"></div></main>
<script id="spec" type="application/json">__SPEC__</script>
<script>
const spec = JSON.parse(document.getElementById("spec").textContent);
const el = (t, a = {}, ...k) => { const e = document.createElement(t);
  Object.assign(e, a); k.forEach(c => e.append(c)); return e; };
document.getElementById("intro").textContent = spec.info.description;
const refs = spec.components.schemas;
const resolve = s => s && s.$ref ? refs[s.$ref.split("/").pop()] : s;
const byTag = {};
for (const [path, ops] of Object.entries(spec.paths))
  for (const [method, op] of Object.entries(ops))
    (byTag[op.tags[0]] ||= []).push([method.toUpperCase(), path, op]);
const root = document.getElementById("ops");
for (const [tag, ops] of Object.entries(byTag)) {
  root.append(el("h2", {textContent: tag}));
  for (const [m, path, op] of ops) {
    const d = el("details", {}, el("summary", {},
      el("span", {className: "m " + m, textContent: m}), el("code", {textContent: path}),
      " — " + op.summary));
    if (op.parameters.length) d.append(el("p", {textContent: "Parameters: " +
      op.parameters.map(p => p.name + " (" + p.in + ")").join(", ")}));
    const body = op.requestBody && op.requestBody.content["application/json"].schema;
    if (body) d.append(el("p", {textContent: "Body:"}),
      el("pre", {textContent: JSON.stringify(resolve(body), null, 2)}));
    for (const [code, r] of Object.entries(op.responses)) {
      const s = r.content && r.content["application/json"].schema;
      d.append(el("p", {textContent: code + ": " + r.description}));
      if (s && code < 400) d.append(el("pre", {textContent: JSON.stringify(resolve(s), null, 2)}));
    }
    root.append(d);
  }
}
</script></body></html>
"""


def install(app: Quart) -> None:
    document = build_document()
    spec_json = json.dumps(document)
    page = _PAGE.replace("__SPEC__", spec_json.replace("</", "<\\/"))

    @app.get("/api/v1/openapi.json")
    async def openapi_json() -> Response:
        return Response(spec_json, content_type="application/json")

    @app.get("/api/v1/docs")
    async def docs() -> Response:
        return Response(page, content_type="text/html; charset=utf-8")
