"""The single-page app: built assets from ``copytrade/web/`` at ``/``, deep links fall back.

``/assets/*`` names are content-hashed, so they are cached for a year; ``index.html`` is
revalidated every time. Any other GET outside ``/api/``, ``/healthz`` and ``/metrics`` answers
the app's ``index.html`` (its router takes over), except paths that look like files (a dot in
the last segment), which get a plain 404 so HTML is never served as a script.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

import trio
from quart import Quart, Response
from werkzeug.routing import PathConverter

from .errors import ApiNotFound

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
RESERVED = ("api/", "healthz", "metrics")
CSP = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; "
       "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
TYPES = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2",
         ".woff": "font/woff", ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8",
         ".png": "image/png", ".json": "application/json", ".ico": "image/x-icon"}


class AppPath(PathConverter):
    """A path outside the reserved prefixes. The catch-all must not even match ``/api/...``:
    if it did, an API path with no route would answer 405 instead of 404, and every API
    route's ``Allow`` header would list GET."""

    regex = "(?!" + "|".join(map(re.escape, RESERVED)) + ")" + PathConverter.regex


def _resolve(web_dir: Path, path: str) -> Path | None:
    """The file for ``path`` inside ``web_dir``, or None (never anything outside it)."""
    try:
        candidate = (web_dir / path).resolve()
    except (OSError, ValueError):
        return None
    if not candidate.is_relative_to(web_dir) or not candidate.is_file():
        return None
    return candidate


async def _file_response(file: Path, *, immutable: bool) -> Response:
    body = await trio.Path(file).read_bytes()
    mimetype = (TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
                or "application/octet-stream")
    response = Response(body, status=200, content_type=mimetype)
    response.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if immutable
                                         else "no-cache")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    return response


def install(app: Quart, web_dir: Path = WEB_DIR) -> None:
    web_dir = web_dir.resolve()

    async def index() -> Response:
        page = web_dir / "index.html"
        if not page.is_file():
            return Response("web app not built: run ./scripts/setup\n", status=503,
                            content_type="text/plain; charset=utf-8")
        return await _file_response(page, immutable=False)

    async def asset_or_app(path: str) -> Response:
        if path.startswith(RESERVED):
            raise ApiNotFound("No such route.")
        file = _resolve(web_dir, path)
        if file is not None:
            return await _file_response(file, immutable=path.startswith("assets/"))
        if "." in path.rsplit("/", 1)[-1]:
            return Response("not found\n", status=404, content_type="text/plain; charset=utf-8")
        return await index()

    app.url_map.converters["app_path"] = AppPath
    app.add_url_rule("/", "spa_index", index, methods=["GET"])
    app.add_url_rule("/<app_path:path>", "spa_path", asset_or_app, methods=["GET"])
