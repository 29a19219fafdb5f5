"""A real SMTP server for the e-mail tests, run as its own process (aiosmtpd needs a plain
asyncio loop, which a trio-asyncio test process cannot give it).

``python smtp_sink.py PORT CERT KEY OUTDIR USER PASSWORD [MODE]``: MODE ``starttls`` (the
default: STARTTLS required, AUTH only after it) or ``tls`` (implicit TLS from the first byte,
the port-465 style: a client that speaks plain SMTP gets no answer it can read); AUTH is
required; every accepted message is written to OUTDIR/N.eml, and OUTDIR/N.tls says whether it
came over TLS ("tls" or "plain"); prints "ready".
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def main() -> None:
    port, cert, key, outdir, user, password = sys.argv[1:7]
    mode = sys.argv[7] if len(sys.argv) > 7 else "starttls"
    out = Path(outdir)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)

    class Inbox:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Inbox.count += 1
            (out / f"{Inbox.count}.eml").write_bytes(envelope.content)
            secure = server.transport.get_extra_info("ssl_object") is not None
            (out / f"{Inbox.count}.tls").write_text("tls" if secure else "plain")
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (user.encode(), password.encode())
        return AuthResult(success=ok)

    if mode == "tls":
        # The whole session is TLS, so AUTH needs no STARTTLS (aiosmtpd only knows that one).
        smtp = Controller(Inbox(), hostname="127.0.0.1", port=int(port), ssl_context=tls,
                          authenticator=authenticate, auth_required=True,
                          auth_require_tls=False, loop=asyncio.new_event_loop())
    else:
        smtp = Controller(Inbox(), hostname="127.0.0.1", port=int(port), tls_context=tls,
                          require_starttls=True, authenticator=authenticate,
                          auth_require_tls=True, loop=asyncio.new_event_loop())
    smtp.start()
    print("ready", flush=True)
    try:
        while sys.stdin.read(1):
            time.sleep(0.1)
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
