from pathlib import Path

import pytest

from copytrade.cli import build_parser, main
from copytrade.config import SETTINGS, ConfigError, Settings, load_settings


def test_defaults_are_safe():
    s = load_settings(environ={})
    assert s.database_url is None
    assert s.http_host == "127.0.0.1" and s.ea_host == "127.0.0.1"
    assert s.http_port == 8000 and s.ea_port == 5555
    assert not s.tls_enabled and not s.secure_cookies


def test_environment_is_read():
    s = load_settings(environ={
        "DATABASE_URL": "postgresql://u:p@db:5432/ct", "COPYTRADE_HTTP_PORT": "9000",
        "COPYTRADE_EA_HOST": "0.0.0.0", "COPYTRADE_DATA_DIR": "/tmp/x",
        "COPYTRADE_EA_IDLE_TIMEOUT": "12.5", "COPYTRADE_LOG_LEVEL": "debug",
    })
    assert s.database_url == "postgresql://u:p@db:5432/ct"
    assert s.http_port == 9000 and s.ea_host == "0.0.0.0"
    assert s.data_dir == Path("/tmp/x") and s.ea_idle_timeout == 12.5 and s.log_level == "DEBUG"


def test_flags_override_environment():
    s = load_settings(environ={"COPYTRADE_HTTP_PORT": "9000"}, flags={"http_port": "9100"})
    assert s.http_port == 9100


@pytest.mark.parametrize(("env", "name"), [
    ({"COPYTRADE_HTTP_PORT": "abc"}, "COPYTRADE_HTTP_PORT"),
    ({"COPYTRADE_EA_PORT": "70000"}, "COPYTRADE_EA_PORT"),
    ({"COPYTRADE_EA_PORT": "-1"}, "COPYTRADE_EA_PORT"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"COPYTRADE_EA_IDLE_TIMEOUT": "nan"}, "COPYTRADE_EA_IDLE_TIMEOUT"),
    ({"COPYTRADE_EA_IDLE_TIMEOUT": "-3"}, "COPYTRADE_EA_IDLE_TIMEOUT"),
    ({"COPYTRADE_DB_POOL_SIZE": "0"}, "COPYTRADE_DB_POOL_SIZE"),
    ({"COPYTRADE_LOG_LEVEL": "LOUD"}, "COPYTRADE_LOG_LEVEL"),
    ({"COPYTRADE_HTTP_HOST": "bad host"}, "COPYTRADE_HTTP_HOST"),
    ({"COPYTRADE_TLS_CERT": "/nonexistent/cert.pem"}, "COPYTRADE_TLS_CERT"),
    ({"COPYTRADE_COOKIE_SECURE": "maybe"}, "COPYTRADE_COOKIE_SECURE"),
    ({"COPYTRADE_REGISTRATION": "everyone"}, "COPYTRADE_REGISTRATION"),
    ({"COPYTRADE_REGISTRATION": ""}, "COPYTRADE_REGISTRATION"),
    ({"COPYTRADE_EA_LOGIN_FAILURES_PER_KEY": "0"}, "COPYTRADE_EA_LOGIN_FAILURES_PER_KEY"),
    ({"COPYTRADE_EA_LOGIN_FAILURES_PER_ADDRESS": "many"},
     "COPYTRADE_EA_LOGIN_FAILURES_PER_ADDRESS"),
])
def test_invalid_values_name_the_variable(env, name):
    with pytest.raises(ConfigError, match=name):
        load_settings(environ=env)


def test_invalid_flag_names_the_flag():
    with pytest.raises(ConfigError, match="--http-port"):
        load_settings(environ={}, flags={"http_port": "x"})


def test_tls_needs_cert_and_key(tmp_path):
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    with pytest.raises(ConfigError, match="together"):
        load_settings(environ={"COPYTRADE_TLS_CERT": str(cert)})


def test_every_setting_is_a_field():
    fields = {f.name for f in Settings.__attrs_attrs__}
    assert {s.field for s in SETTINGS} == fields


def test_cli_reports_config_errors(capsys, monkeypatch):
    monkeypatch.setenv("COPYTRADE_HTTP_PORT", "nope")
    assert main(["migrate"]) == 2
    assert "COPYTRADE_HTTP_PORT" in capsys.readouterr().err


def test_cli_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "serve" in out and "migrate" in out


def test_cli_rejects_unknown_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["serve", "--bogus"])
    assert exc.value.code == 2


def test_ea_login_throttle_settings():
    s = load_settings(environ={"COPYTRADE_EA_LOGIN_FAILURES_PER_KEY": "3",
                               "COPYTRADE_EA_LOGIN_FAILURES_PER_ADDRESS": "250"})
    assert (s.ea_login_failures_per_key, s.ea_login_failures_per_address) == (3, 250)
    d = load_settings(environ={})
    assert (d.ea_login_failures_per_key, d.ea_login_failures_per_address) == (5, 100)
