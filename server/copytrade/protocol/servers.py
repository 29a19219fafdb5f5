"""The list of server addresses an EA connects to, and the failover order (docs/protocol.md §5).

``parse_servers("a.example.com:5555, b.example.com:5555", 5555)`` gives the addresses in
order. The MQL5 EAs (``mql5/Include/CopyTrade/Servers.mqh``) implement the same rules and are
checked against this module on the same cases (tests/fixtures/server_lists.json).

Rules: entries are separated by commas; spaces and tabs around an entry are ignored; an entry
is ``host:port`` or ``host`` (then the default port); a host is 1-253 characters of letters,
digits, ``.``, ``-`` and ``_`` (IPv6 literals are not supported); a port is 1-65535 written
with at most 5 digits; an empty entry, a duplicate (host compared without case) or more than
``MAX_SERVERS`` entries is an error. An empty or blank text is no list (the caller falls back
to its single host and port).
"""

from __future__ import annotations

import attrs

MAX_SERVERS = 8
MAX_HOST = 253
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
_BLANK = " \t"


class ServerListError(ValueError):
    """The text is not a valid server list; the message names the entry and the problem."""


@attrs.frozen
class ServerAddress:
    """One address to connect to."""

    host: str
    """Host name or IPv4 address, as written."""
    port: int
    """TCP port, 1-65535."""

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def _port(text: str, where: str) -> int:
    if not text:
        raise ServerListError(f"{where}: the port is missing after ':'")
    if len(text) > 5 or not text.isascii() or not text.isdigit():
        raise ServerListError(f"{where}: the port {text!r} is not a number from 1 to 65535")
    value = int(text)
    if not 1 <= value <= 65535:
        raise ServerListError(f"{where}: the port {value} is out of range (1-65535)")
    return value


def parse_entry(entry: str, default_port: int, where: str = "entry 1") -> ServerAddress:
    """One ``host[:port]`` (already stripped)."""
    if not entry:
        raise ServerListError(f"{where} is empty")
    host, colon, port_text = entry.rpartition(":")
    if not colon:
        host, port_text = entry, ""
    if not host:
        raise ServerListError(f"{where}: the host is missing")
    if ":" in host:
        raise ServerListError(f"{where}: {host!r} is not a host name (IPv6 is not supported)")
    if len(host) > MAX_HOST:
        raise ServerListError(f"{where}: the host is longer than {MAX_HOST} characters")
    bad = sorted(set(host) - _HOST_CHARS)
    if bad:
        raise ServerListError(f"{where}: the host {host!r} contains {bad[0]!r}")
    if colon:
        port = _port(port_text, where)
    elif 1 <= default_port <= 65535:
        port = default_port
    else:
        raise ServerListError(f"{where}: no port, and the default port {default_port} is out "
                              "of range (1-65535)")
    return ServerAddress(host, port)


def parse_servers(text: str, default_port: int) -> tuple[ServerAddress, ...]:
    """The addresses of ``text`` in order; ``()`` for an empty or blank text."""
    if not text.strip(_BLANK):
        return ()
    entries = text.split(",")
    if len(entries) > MAX_SERVERS:
        raise ServerListError(f"more than {MAX_SERVERS} servers listed ({len(entries)})")
    out: list[ServerAddress] = []
    seen: set[tuple[str, int]] = set()
    for i, raw in enumerate(entries, 1):
        address = parse_entry(raw.strip(_BLANK), default_port, f"entry {i}")
        key = (address.host.lower(), address.port)
        if key in seen:
            raise ServerListError(f"entry {i}: {address} is listed twice")
        seen.add(key)
        out.append(address)
    return tuple(out)


def resolve_servers(servers: str, host: str, port: int) -> tuple[ServerAddress, ...]:
    """The list when ``servers`` is not blank, else the single ``host``/``port`` (the EAs'
    ``InpServers`` over ``InpHost``/``InpPort``), checked by the same rules."""
    listed = parse_servers(servers, port)
    if listed:
        return listed
    if not 1 <= port <= 65535:
        raise ServerListError(f"the port {port} is out of range (1-65535)")
    if ":" in host:
        raise ServerListError(f"the host {host!r} contains ':' (put the port in the port input)")
    return (parse_entry(host.strip(_BLANK), port, "the host"),)


def next_index(current: int, count: int, logged_in: bool) -> int:
    """Which address the next attempt uses: the same after a drop of a logged-in link, the
    next one (wrapping) after an attempt that never reached ``OK``."""
    if count <= 0:
        return 0
    return current % count if logged_in else (current + 1) % count
