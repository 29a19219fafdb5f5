"""One frozen settings object, built from environment variables with CLI flags on top.

Every setting has one environment variable and (usually) one CLI flag. Invalid values fail
at start with a :class:`ConfigError` that names the variable (or flag) and the reason.
The README's configuration table lists the same entries as :data:`SETTINGS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs


class ConfigError(ValueError):
    """A setting has an invalid value; the message names the variable."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "copytrade"


def _parse_port(raw: str) -> int:
    port = _parse_int(raw)
    if not 0 <= port <= 65535:
        raise ValueError("must be a port number 0..65535")
    return port


def _parse_int(raw: str) -> int:
    try:
        return int(raw.strip(), 10)
    except ValueError:
        raise ValueError(f"must be an integer, got {raw!r}") from None


def _positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be a number, got {raw!r}") from None
    if not (value > 0 and value < 1e9):
        raise ValueError(f"must be a positive number, got {raw!r}")
    return value


def _positive_int(raw: str) -> int:
    value = _parse_int(raw)
    if value <= 0:
        raise ValueError(f"must be a positive integer, got {raw!r}")
    return value


def _host(raw: str) -> str:
    value = raw.strip()
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"must be a host name or IP address, got {raw!r}")
    return value


def _database_url(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if not value.startswith(("postgres://", "postgresql://")):
        raise ValueError("must start with postgresql:// (or postgres://)")
    return value


def _existing_file(raw: str) -> Path | None:
    if not raw.strip():
        return None
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError(f"file not found: {raw}")
    return path


def _log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
    return value


def _registration(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"open", "invite", "closed"}:
        raise ValueError(f"must be open, invite or closed, got {raw!r}")
    return value


def _proxies(raw: str) -> tuple[str, ...]:
    import ipaddress

    out = []
    for part in raw.replace(" ", ",").split(","):
        if part:
            try:
                out.append(str(ipaddress.ip_network(part, strict=False)))
            except ValueError:
                raise ValueError(f"must be IP addresses or networks, got {part!r}") from None
    return tuple(out)


def _secret(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if len(value) < 16 or any(c.isspace() for c in value):
        raise ValueError("must be at least 16 characters without spaces "
                         "(e.g. the output of: openssl rand -hex 24)")
    return value


def _http_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value.startswith(("http://", "https://")) or len(value) > 500 \
            or any(c.isspace() for c in value) or value.count("/") < 2 or value.endswith(":"):
        raise ValueError(f"must be an http:// or https:// URL, got {raw!r}")
    return value


def _public_url(raw: str) -> str | None:
    if not raw.strip():
        return None
    value = _http_url(raw)
    if not value.startswith("https://"):
        raise ValueError("must be the server's public https:// URL (LINE calls webhooks over "
                         "HTTPS only)")
    return value


def _optional_text(raw: str) -> str | None:
    value = raw.strip()
    return value or None


def _smtp_security(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"starttls", "tls", "none"}:
        raise ValueError("must be starttls, tls or none")
    return value


def _secret_key(raw: str) -> str | None:
    if not raw.strip():
        return None
    from .notify.secretbox import valid_key

    return valid_key(raw)


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"must be true or false, got {raw!r}")


@attrs.frozen
class Setting:
    """How one field of :class:`Settings` is read from the environment and the command line."""

    field: str
    env: str
    flag: str | None
    parse: Callable[[str], Any]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "DATABASE_URL", "--database-url", _database_url,
            "PostgreSQL URL; unset = start the embedded PostgreSQL in the data folder"),
    Setting("data_dir", "COPYTRADE_DATA_DIR", "--data-dir", lambda s: Path(s).expanduser(),
            "folder for the embedded database and local state"),
    Setting("http_host", "COPYTRADE_HTTP_HOST", "--http-host", _host,
            "address the web app and REST API listen on"),
    Setting("http_port", "COPYTRADE_HTTP_PORT", "--http-port", _parse_port,
            "port of the web app and REST API (0 = any free port)"),
    Setting("ea_host", "COPYTRADE_EA_HOST", "--ea-host", _host,
            "address the EA gateway listens on (0.0.0.0 to accept remote terminals)"),
    Setting("ea_port", "COPYTRADE_EA_PORT", "--ea-port", _parse_port,
            "TCP port of the EA gateway (0 = any free port)"),
    Setting("tls_cert", "COPYTRADE_TLS_CERT", "--tls-cert", _existing_file,
            "PEM certificate: enables TLS on the EA port and HTTPS"),
    Setting("tls_key", "COPYTRADE_TLS_KEY", "--tls-key", _existing_file,
            "PEM private key for COPYTRADE_TLS_CERT"),
    Setting("public_host", "COPYTRADE_PUBLIC_HOST", "--public-host", _host,
            "host name shown to users for connecting their EAs"),
    Setting("ea_auth_timeout", "COPYTRADE_EA_AUTH_TIMEOUT", None, _positive_float,
            "seconds an EA has to authenticate after connecting"),
    Setting("ea_idle_timeout", "COPYTRADE_EA_IDLE_TIMEOUT", None, _positive_float,
            "seconds of silence after which an EA connection is dropped"),
    Setting("ea_backlog_bytes", "COPYTRADE_EA_BACKLOG_BYTES", None, _positive_int,
            "bytes queued for a follower whose socket is full before it is dropped"),
    Setting("ea_max_connections", "COPYTRADE_EA_MAX_CONNECTIONS", None, _positive_int,
            "most EA connections held at once"),
    Setting("ea_login_failures_per_key", "COPYTRADE_EA_LOGIN_FAILURES_PER_KEY", None,
            _positive_int, "failed EA logins with one API key within 60 s before that key "
            "is refused"),
    Setting("ea_login_failures_per_address", "COPYTRADE_EA_LOGIN_FAILURES_PER_ADDRESS", None,
            _positive_int, "failed EA logins from one address (any keys) within 60 s before "
            "the address is refused; high because a NAT shares one address"),
    Setting("ack_timeout", "COPYTRADE_ACK_TIMEOUT", None, _positive_float,
            "seconds a follower EA has to answer an OPEN before its copy is marked UNKNOWN"),
    Setting("db_pool_size", "COPYTRADE_DB_POOL_SIZE", None, _positive_int,
            "PostgreSQL connections in the pool"),
    Setting("session_ttl_hours", "COPYTRADE_SESSION_TTL_HOURS", None, _positive_int,
            "lifetime of a browser login session"),
    Setting("cookie_secure", "COPYTRADE_COOKIE_SECURE", None, _bool,
            "mark the session cookie Secure (default: on when TLS is configured)"),
    Setting("registration", "COPYTRADE_REGISTRATION", None, _registration,
            "who may register: open, invite (default; the first user needs none and becomes "
            "the admin) or closed"),
    Setting("trusted_proxies", "COPYTRADE_TRUSTED_PROXIES", None, _proxies,
            "reverse proxies (IPs or networks, comma-separated) whose X-Forwarded-For is "
            "believed for the client address"),
    Setting("metrics_token", "COPYTRADE_METRICS_TOKEN", None, _secret,
            "bearer token /metrics requires; unset = /metrics answers loopback clients only"),
    Setting("log_level", "COPYTRADE_LOG_LEVEL", "--log-level", _log_level,
            "DEBUG, INFO, WARNING or ERROR"),
    # ---- alerts (notify/)
    Setting("secret_key", "COPYTRADE_SECRET_KEY", None, _secret_key,
            "Fernet key that encrypts alert secrets; unset = <data dir>/alerts-secret.key"),
    Setting("public_url", "COPYTRADE_PUBLIC_URL", "--public-url", _public_url,
            "the server's public https:// URL (LINE webhooks need it)"),
    Setting("telegram_api_url", "COPYTRADE_TELEGRAM_API_URL", None, _http_url,
            "Telegram Bot API base URL"),
    Setting("telegram_bot_token", "COPYTRADE_TELEGRAM_BOT_TOKEN", None, _optional_text,
            "token of a server-wide Telegram bot users may link to (optional)"),
    Setting("line_api_url", "COPYTRADE_LINE_API_URL", None, _http_url,
            "LINE Messaging API base URL"),
    Setting("line_channel_token", "COPYTRADE_LINE_CHANNEL_TOKEN", None, _optional_text,
            "channel access token of a server-wide LINE Official Account (optional)"),
    Setting("line_channel_secret", "COPYTRADE_LINE_CHANNEL_SECRET", None, _optional_text,
            "channel secret of that Official Account (verifies X-Line-Signature)"),
    Setting("smtp_host", "COPYTRADE_SMTP_HOST", None, _optional_text,
            "SMTP server for e-mail alerts; unset = no e-mail channel"),
    Setting("smtp_port", "COPYTRADE_SMTP_PORT", None, _parse_port, "SMTP port"),
    Setting("smtp_security", "COPYTRADE_SMTP_SECURITY", None, _smtp_security,
            "starttls, tls (implicit TLS, usually port 465) or none (local relays only)"),
    Setting("smtp_user", "COPYTRADE_SMTP_USER", None, _optional_text, "SMTP user name"),
    Setting("smtp_password", "COPYTRADE_SMTP_PASSWORD", None, _optional_text, "SMTP password"),
    Setting("smtp_from", "COPYTRADE_SMTP_FROM", None, _optional_text,
            "From address of alert e-mails"),
    Setting("alert_offline_grace", "COPYTRADE_ALERT_OFFLINE_GRACE", None, _positive_float,
            "seconds an EA may stay offline before an alert"),
    Setting("alert_group_window", "COPYTRADE_ALERT_GROUP_WINDOW", None, _positive_float,
            "quiet seconds that end a group of failed/skipped/expired copies (one message; "
            "a group that never goes quiet is sent at 6 x this)"),
    Setting("alert_poll_interval", "COPYTRADE_ALERT_POLL_INTERVAL", None, _positive_float,
            "seconds between looks at the alert queue"),
    Setting("alert_backoff", "COPYTRADE_ALERT_BACKOFF", None, _positive_float,
            "first retry delay in seconds (doubles per attempt, at most 1 hour)"),
    Setting("alert_max_attempts", "COPYTRADE_ALERT_MAX_ATTEMPTS", None, _positive_int,
            "attempts before a message is dead-lettered"),
    Setting("alert_http_timeout", "COPYTRADE_ALERT_HTTP_TIMEOUT", None, _positive_float,
            "seconds allowed for one delivery (HTTP request or SMTP session)"),
    Setting("alert_link_poll", "COPYTRADE_ALERT_LINK_POLL", None, _positive_int,
            "long-poll seconds of Telegram getUpdates while a link code waits"),
    Setting("alert_allow_private_urls", "COPYTRADE_ALERT_ALLOW_PRIVATE_URLS", None, _bool,
            "allow webhook URLs on loopback/private addresses (off: SSRF protection)"),
)


@attrs.frozen
class Settings:
    """Everything the server needs to know at start. Built by :func:`load_settings`."""

    database_url: str | None = None
    """PostgreSQL URL, or None for the embedded server."""
    data_dir: Path = attrs.field(factory=_default_data_dir)
    """Folder owned by the server: embedded database under ``pg/``."""
    http_host: str = "127.0.0.1"
    """Web app / REST API address."""
    http_port: int = 8000
    """Web app / REST API port."""
    ea_host: str = "127.0.0.1"
    """EA gateway address."""
    ea_port: int = 5555
    """EA gateway port."""
    tls_cert: Path | None = None
    """TLS certificate (PEM), or None for plain TCP/HTTP."""
    tls_key: Path | None = None
    """TLS private key (PEM)."""
    public_host: str = "127.0.0.1"
    """Host name shown in the UI for EA set-up."""
    ea_auth_timeout: float = 10.0
    """Seconds allowed between connect and a successful AUTH."""
    ea_idle_timeout: float = 30.0
    """Seconds of silence before an EA is dropped (EAs ping every 10 s)."""
    ea_backlog_bytes: int = 256 * 1024
    """Per-follower outbound backlog limit; over it the follower is dropped and resyncs."""
    ea_max_connections: int = 20000
    """Upper bound on concurrent EA connections."""
    ea_login_failures_per_key: int = 5
    """Failed EA logins with one API key within 60 s after which that key is refused."""
    ea_login_failures_per_address: int = 100
    """Failed EA logins from one address within 60 s after which the address is refused."""
    ack_timeout: float = 30.0
    """Seconds after an OPEN went out with neither ACK_OPEN nor NACK_OPEN back, after which
    the pair becomes UNKNOWN (reason code NO_ANSWER) until an answer or the next login."""
    db_pool_size: int = 10
    """asyncpg pool size."""
    session_ttl_hours: int = 24 * 14
    """Browser session lifetime."""
    cookie_secure: bool | None = None
    """Force the Secure cookie flag; None = on exactly when TLS is configured."""
    log_level: str = "INFO"
    """Logging level."""
    metrics_token: str | None = None
    """Bearer token for /metrics; None = only direct loopback clients may read it."""
    trusted_proxies: tuple[str, ...] = ()
    """Networks of reverse proxies whose ``X-Forwarded-For`` names the real client."""
    registration: str = "invite"
    """Who may register: ``open``, ``invite`` or ``closed`` (the first user always may, except
    when closed, and becomes the admin)."""
    secret_key: str | None = None
    """Fernet key for alert secrets; None = the data folder's key file."""
    public_url: str | None = None
    """Public https:// base URL of this server (LINE webhooks)."""
    telegram_api_url: str = "https://api.telegram.org"
    """Telegram Bot API base URL (tests point it at a local server)."""
    telegram_bot_token: str | None = None
    """Server-wide Telegram bot, or None."""
    line_api_url: str = "https://api.line.me"
    """LINE Messaging API base URL."""
    line_channel_token: str | None = None
    """Server-wide LINE Official Account's channel access token, or None."""
    line_channel_secret: str | None = None
    """Its channel secret."""
    smtp_host: str | None = None
    """SMTP server, or None (no e-mail channel)."""
    smtp_port: int = 587
    """SMTP port."""
    smtp_security: str = "starttls"
    """``starttls``, ``tls`` or ``none``."""
    smtp_user: str | None = None
    """SMTP login, or None for no AUTH."""
    smtp_password: str | None = None
    """SMTP password."""
    smtp_from: str | None = None
    """From address (default: ``alerts@<public host>``)."""
    alert_offline_grace: float = 120.0
    """Seconds offline before an "EA offline" alert."""
    alert_group_window: float = 10.0
    """Seconds over which copy outcomes are grouped into one message."""
    alert_poll_interval: float = 1.0
    """Seconds between looks at the event queue and the outbox."""
    alert_backoff: float = 5.0
    """First retry delay; doubles per attempt up to an hour."""
    alert_max_attempts: int = 8
    """Attempts before dead-lettering."""
    alert_http_timeout: float = 10.0
    """Seconds per delivery attempt."""
    alert_link_poll: int = 25
    """Telegram getUpdates long-poll seconds."""
    alert_allow_private_urls: bool = False
    """Allow webhooks to loopback/private addresses."""

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert is not None and self.tls_key is not None

    @property
    def secure_cookies(self) -> bool:
        return self.tls_enabled if self.cookie_secure is None else self.cookie_secure


def load_settings(
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, str | None] | None = None,
) -> Settings:
    """Build settings from ``environ`` (default ``os.environ``), then ``flags`` on top.

    ``flags`` maps field names to raw strings as given on the command line (None = not given).
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.env)
        source = setting.env
        flag_value = (flags or {}).get(setting.field)
        if flag_value is not None:
            raw, source = flag_value, setting.flag or setting.field
        if raw is None:
            continue
        try:
            values[setting.field] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    settings = Settings(**{k: v for k, v in values.items() if v is not None or k == "database_url"})
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise ConfigError("COPYTRADE_TLS_CERT and COPYTRADE_TLS_KEY must be set together")
    return settings
