"""Secrets handed to users: EA API keys, master tokens, session and personal tokens.

All carry at least 128 bits from :mod:`secrets`; only their SHA-256 is stored (a slow hash
adds nothing for values this random), plus a short prefix the UI may show again.
"""

from __future__ import annotations

import hashlib
import secrets

API_KEY_PREFIX = "sk_live_"
MASTER_TOKEN_PREFIX = "MST-"  # noqa: S105 (a prefix, not a secret)
PERSONAL_TOKEN_PREFIX = "ctp_"  # noqa: S105 (a prefix, not a secret)
VISIBLE_PREFIX_LEN = 12


def new_api_key() -> str:
    """An EA API key: ``sk_live_`` + 192 random bits."""
    return API_KEY_PREFIX + secrets.token_urlsafe(24)


def new_master_token() -> str:
    """A master token followers use to follow a master: ``MST-`` + 144 random bits."""
    return MASTER_TOKEN_PREFIX + secrets.token_urlsafe(18)


def new_personal_token() -> str:
    """A personal access token for scripts: ``ctp_`` + 192 random bits."""
    return PERSONAL_TOKEN_PREFIX + secrets.token_urlsafe(24)


def new_session_token() -> str:
    """An opaque browser session id (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_secret(value: str) -> bytes:
    """The stored form of a high-entropy secret."""
    return hashlib.sha256(value.encode("utf-8")).digest()


def visible_prefix(value: str) -> str:
    """The part of a secret that may be shown again (e.g. ``sk_live_AbCd``)."""
    return value[:VISIBLE_PREFIX_LEN]
