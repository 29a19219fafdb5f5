"""Encryption of channel secrets (bot tokens, channel tokens, webhook secrets) at rest.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with the server key
``COPYTRADE_SECRET_KEY`` (a Fernet key: 32 url-safe base64 bytes; the README shows how to
make one). Without it, the server creates ``<data dir>/alerts-secret.key`` (mode 0600)
on first start and uses that file from then on; every node of a cluster needs the same key.
A secret encrypted under another key cannot be read: the channel then reports
"secret unreadable: re-enter it" and is not sent to.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import attrs
from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)

KEY_FILE = "alerts-secret.key"


class SecretUnreadable(Exception):
    """A stored secret was encrypted under another key (or is damaged)."""


def valid_key(raw: str) -> str:
    """``raw`` if it is a Fernet key, else ValueError (used by the config parser)."""
    value = raw.strip()
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        raise ValueError("must be a Fernet key (44 url-safe base64 characters; make one with "
                         "cryptography.fernet.Fernet.generate_key())") from None
    return value


def new_key() -> str:
    return Fernet.generate_key().decode()


@attrs.frozen
class SecretBox:
    """Encrypts and decrypts a channel's secrets (a small JSON object)."""

    fernet: Fernet

    @classmethod
    def from_key(cls, key: str) -> SecretBox:
        return cls(Fernet(key.encode()))

    @classmethod
    def load(cls, key: str | None, data_dir: Path) -> SecretBox:
        """The configured key, else the data folder's key file (created when missing)."""
        if key:
            return cls.from_key(key)
        path = data_dir / KEY_FILE
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(new_key() + "\n")
            log.warning("COPYTRADE_SECRET_KEY is not set: created %s for alert secrets "
                        "(back it up; without it saved tokens cannot be read)", path)
        return cls.from_key(path.read_text().strip())

    def seal(self, secrets: dict[str, str]) -> bytes:
        return self.fernet.encrypt(json.dumps(secrets, sort_keys=True).encode())

    def open(self, token: bytes | None) -> dict[str, str]:
        if not token:
            return {}
        try:
            data = json.loads(self.fernet.decrypt(bytes(token)))
        except (InvalidToken, ValueError):
            raise SecretUnreadable(
                "secret unreadable (the server key changed?): re-enter it") from None
        if not isinstance(data, dict):
            raise SecretUnreadable("secret unreadable: re-enter it")
        return {str(k): str(v) for k, v in data.items()}
