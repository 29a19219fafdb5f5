"""``copytrade doctor``: check an installation and say what is wrong and how to fix it.

Checks, in order: the configuration (already parsed by the CLI: a bad value exits 2 before
this runs), the two ports (free, or answered by a running CopyTradePro), the database
(reachable, migration level against this version's ``sql/``), the TLS files (readable, key
matching certificate, expiry), the public host name (resolvable), and the NOFILE limit (enough
descriptors for ``COPYTRADE_EA_MAX_CONNECTIONS``). Exit code 1 if any check FAILs.
"""
# ruff: noqa: S104, S310, S323  (0.0.0.0 is compared, not bound; local /healthz probe only)

from __future__ import annotations

import json
import resource
import socket
import ssl
import urllib.request
from datetime import UTC, datetime

import asyncpg
import attrs
import trio
import trio_asyncio

from .config import Settings
from .db.errors import DatabaseError
from .db.migrate import default_sql_dir, discover


@attrs.frozen
class Finding:
    """One line of the report."""

    level: str
    """``ok``, ``warn`` or ``FAIL``."""
    what: str
    fix: str = ""


def _port(name: str, host: str, port: int, http: bool) -> Finding:
    if port == 0:
        return Finding("ok", f"{name} port 0: any free port is taken at start")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        return Finding("ok", f"{name} {host}:{port} is free")
    except OSError as exc:
        if http and _is_copytrade(host, port):
            return Finding("ok", f"{name} {host}:{port} is in use by a running CopyTradePro")
        if not http and _is_copytrade_ea(host, port):
            return Finding("ok", f"{name} {host}:{port} is in use (a server answers there)")
        return Finding("FAIL", f"{name} {host}:{port} cannot be bound: {exc.strerror or exc}",
                       f"stop what uses it (ss -ltnp 'sport = :{port}') or choose another port")


def _is_copytrade(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    for scheme in ("http", "https"):
        try:
            ctx = ssl._create_unverified_context() if scheme == "https" else None
            with urllib.request.urlopen(f"{scheme}://{target}:{port}/healthz", timeout=2,
                                        context=ctx) as r:
                return "database" in json.loads(r.read(1000))
        except (OSError, ValueError):
            continue
    return False


def _is_copytrade_ea(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        with socket.create_connection((target, port), timeout=2):
            return True
    except OSError:
        return False


async def _database(settings: Settings) -> list[Finding]:
    from .app import database_url

    try:
        known = discover(default_sql_dir())
    except DatabaseError as exc:
        return [Finding("FAIL", f"migration files: {exc}", "reinstall CopyTradePro")]
    where = "DATABASE_URL" if settings.database_url else f"embedded in {settings.data_dir}/pg"
    try:
        async with database_url(settings) as dsn:
            con = await trio_asyncio.aio_as_trio(asyncpg.connect)(dsn, timeout=10)
            try:
                rows = await trio_asyncio.aio_as_trio(con.fetch)(
                    "SELECT version, name FROM schema_migrations ORDER BY version")
            except asyncpg.UndefinedTableError:
                rows = []
            finally:
                await trio_asyncio.aio_as_trio(con.close)()
    except (DatabaseError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError,
            TimeoutError) as exc:
        return [Finding("FAIL", f"database ({where}) unreachable: {exc}",
                        "check DATABASE_URL (host, port, user, password, database) or that the "
                        "data folder is writable by this user")]
    applied = {r["version"]: r["name"] for r in rows}
    versions = {m.version for m in known}
    newer = sorted(n for v, n in applied.items() if v not in versions)
    pending = [m.name for m in known if m.version not in applied]
    out = [Finding("ok", f"database ({where}) reachable")]
    if newer:
        out.append(Finding("FAIL", "the database was migrated by a newer CopyTradePro "
                                   f"({', '.join(newer)} unknown here)",
                           "upgrade this installation, or restore a backup taken before"))
    elif pending:
        out.append(Finding("warn", f"{len(pending)} migration(s) pending: {', '.join(pending)}",
                           "copytrade migrate (serve also applies them at start)"))
    else:
        out.append(Finding("ok", f"database schema is current ({len(applied)} migrations)"))
    return out


def _tls(settings: Settings) -> list[Finding]:
    if settings.tls_cert is None or settings.tls_key is None:
        return [Finding("warn", "TLS is off: EAs and browsers talk in plain text",
                        "set COPYTRADE_TLS_CERT and COPYTRADE_TLS_KEY (README: Run it on a VPS)")]
    out: list[Finding] = []
    for label, path in (("certificate", settings.tls_cert), ("key", settings.tls_key)):
        try:
            path.read_bytes()
        except OSError as exc:
            out.append(Finding("FAIL", f"TLS {label} {path} is not readable: {exc.strerror}",
                               f"chmod/chown it so the server's user can read {path}"))
    if out:
        return out
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            str(settings.tls_cert), str(settings.tls_key))
    except (ssl.SSLError, ValueError) as exc:
        return [Finding("FAIL", f"TLS key does not match the certificate, or a file is not "
                                f"PEM: {exc}", "use the fullchain.pem and privkey.pem of the "
                                               "same certificate")]
    try:
        info = ssl._ssl._test_decode_cert(str(settings.tls_cert))  # type: ignore[attr-defined]
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(info["notAfter"]), UTC)
    except (ssl.SSLError, ValueError, KeyError) as exc:
        return [Finding("FAIL", f"TLS certificate cannot be read: {exc}", "check the PEM file")]
    days = (not_after - datetime.now(UTC)).total_seconds() / 86400
    if days < 0:
        return [Finding("FAIL", f"TLS certificate expired on {not_after:%Y-%m-%d %H:%M} UTC",
                        "renew it (certbot renew / Caddy does it itself), then "
                        "systemctl reload copytrade (SIGHUP reloads the files)")]
    level = "warn" if days < 14 else "ok"
    return [Finding(level, f"TLS certificate valid until {not_after:%Y-%m-%d} "
                           f"({int(days)} days), key matches",
                    "renewal seems not to run: check it" if level == "warn" else "")]


def _public_host(settings: Settings) -> Finding:
    host = settings.public_host
    try:
        addresses = {str(a[4][0]) for a in socket.getaddrinfo(host, None)}
    except OSError as exc:
        return Finding("FAIL", f"COPYTRADE_PUBLIC_HOST {host!r} does not resolve: {exc}",
                       "create the DNS record (A/AAAA) or use the server's IP address")
    if settings.ea_host in ("0.0.0.0", "::") and all(a.startswith("127.") or a == "::1"
                                                      for a in addresses):
        return Finding("warn", f"COPYTRADE_PUBLIC_HOST {host!r} is loopback while EAs may "
                               "connect from elsewhere", "set it to the name terminals use")
    return Finding("ok", f"public host {host} resolves to {', '.join(sorted(addresses))}")


def _nofile(settings: Settings) -> Finding:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = settings.ea_max_connections + 1024
    if soft != resource.RLIM_INFINITY and soft < need:
        return Finding("FAIL", f"open-file limit {soft} (hard {hard}) is below the {need} that "
                               f"{settings.ea_max_connections} EA connections need",
                       "LimitNOFILE=65536 in the systemd unit (deploy/copytrade.service), or "
                       "ulimit -n 65536, or lower COPYTRADE_EA_MAX_CONNECTIONS")
    return Finding("ok", f"open-file limit {soft} covers {settings.ea_max_connections} EAs")


async def _checks(settings: Settings) -> list[Finding]:
    found = [Finding("ok", f"configuration parsed (registration: {settings.registration})")]
    if settings.registration == "closed":
        found.append(Finding("warn", "registration is closed: nobody can create a user",
                             "COPYTRADE_REGISTRATION=invite to let the first user register"))
    found.append(_port("web", settings.http_host, settings.http_port, http=True))
    found.append(_port("EA gateway", settings.ea_host, settings.ea_port, http=False))
    async with trio_asyncio.open_loop():
        found += await _database(settings)
    found += _tls(settings)
    found.append(_public_host(settings))
    found.append(_nofile(settings))
    return found


def run(settings: Settings) -> int:
    """Print the report; 1 if anything FAILed, else 0."""
    findings = trio.run(_checks, settings)
    for f in findings:
        print(f"{f.level:4}  {f.what}")
        if f.fix and f.level != "ok":
            print(f"      fix: {f.fix}")
    failed = sum(f.level == "FAIL" for f in findings)
    print(f"{failed} problem(s) found" if failed else "no problems found")
    return 1 if failed else 0
