"""``copytrade doctor`` on good and bad installations (real PostgreSQL, real certificates
made here, real sockets), and the refusal to run on a database from a newer version."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest
import trio_asyncio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from copytrade.cli import main


def make_cert(folder: Path, name: str, *, days: float) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ea.example.com")])
    start = now - dt.timedelta(days=30) if days < 0 else now - dt.timedelta(hours=1)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(now + dt.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> dict[str, str]:
    values = {"DATABASE_URL": db_url, "COPYTRADE_DATA_DIR": str(tmp_path / "data"),
              "COPYTRADE_HTTP_PORT": "0", "COPYTRADE_EA_PORT": "0",
              "COPYTRADE_PUBLIC_HOST": "localhost", "COPYTRADE_EA_MAX_CONNECTIONS": "100"}
    for k in list(__import__("os").environ):
        if k.startswith("COPYTRADE_TLS"):
            monkeypatch.delenv(k)
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["doctor"])
    return code, capsys.readouterr().out


def test_a_good_installation(env, tmp_path, capsys, monkeypatch) -> None:
    cert, key = make_cert(tmp_path, "good", days=90)
    monkeypatch.setenv("COPYTRADE_TLS_CERT", str(cert))
    monkeypatch.setenv("COPYTRADE_TLS_KEY", str(key))
    code, out = doctor(capsys)
    assert code == 0, out
    assert "database schema is current" in out and "key matches" in out
    assert "no problems found" in out


def test_expired_and_mismatched_certificates(env, tmp_path, capsys, monkeypatch) -> None:
    cert, key = make_cert(tmp_path, "old", days=-1)
    monkeypatch.setenv("COPYTRADE_TLS_CERT", str(cert))
    monkeypatch.setenv("COPYTRADE_TLS_KEY", str(key))
    code, out = doctor(capsys)
    assert code == 1 and "FAIL  TLS certificate expired" in out and "fix: renew" in out
    _, other_key = make_cert(tmp_path, "other", days=90)
    monkeypatch.setenv("COPYTRADE_TLS_KEY", str(other_key))
    code, out = doctor(capsys)
    assert code == 1 and "does not match" in out
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    monkeypatch.setenv("COPYTRADE_TLS_CERT", str(garbage))
    code, out = doctor(capsys)
    assert code == 1 and "FAIL  TLS" in out


def test_port_in_use_by_something_else(env, capsys, monkeypatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("COPYTRADE_HTTP_PORT", str(busy.getsockname()[1]))
        code, out = doctor(capsys)
    assert code == 1 and "FAIL  web 127.0.0.1:" in out and "fix: stop what uses it" in out


def test_unreachable_database_and_bad_dns(env, capsys, monkeypatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql://u:p@127.0.0.1:{free}/x")
    monkeypatch.setenv("COPYTRADE_PUBLIC_HOST", "no-such-host.invalid")
    code, out = doctor(capsys)
    assert code == 1
    assert "FAIL  database (DATABASE_URL) unreachable" in out
    assert "FAIL  COPYTRADE_PUBLIC_HOST 'no-such-host.invalid' does not resolve" in out


def test_nofile_limit_too_low(env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COPYTRADE_EA_MAX_CONNECTIONS", "10000000")
    code, out = doctor(capsys)
    assert code == 1 and "open-file limit" in out and "LimitNOFILE" in out


def test_bad_configuration_values(env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COPYTRADE_REGISTRATION", "everyone")
    assert main(["doctor"]) == 2
    assert "COPYTRADE_REGISTRATION" in capsys.readouterr().err
    monkeypatch.setenv("COPYTRADE_REGISTRATION", "invite")
    monkeypatch.setenv("COPYTRADE_TLS_CERT", "/nonexistent/cert.pem")
    assert main(["doctor"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_a_database_from_a_newer_version_is_refused(env, db_url, capsys) -> None:
    import asyncpg

    async def add_future_migration() -> None:
        con = await asyncpg.connect(db_url)
        await con.execute("INSERT INTO schema_migrations (version, name, checksum) "
                          "VALUES (999, '999_from_the_future.sql', 'x')")
        await con.close()

    trio_asyncio.run(trio_asyncio.aio_as_trio(add_future_migration))
    code, out = doctor(capsys)
    assert code == 1 and "migrated by a newer CopyTradePro (999_from_the_future.sql" in out
    # `copytrade serve` stops at start with that message, exit code 1, nothing served
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert "999_from_the_future.sql was applied to this database" in err
    assert "migrated by a newer version of CopyTradePro" in err
    assert main(["migrate"]) == 1  # and migrate refuses too
