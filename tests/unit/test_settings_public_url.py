"""Settings: the add-card page's address must be https unless on loopback; proxy headers are
trusted only from a configured proxy, and only the ones named."""

from __future__ import annotations

import pytest

from bot import cli
from bot.settings import ConfigError, load_settings


@pytest.mark.parametrize("url", [
    "http://localhost:3000", "http://127.0.0.1:9", "http://127.8.0.1", "http://[::1]:3000",
    "https://pay.example.com", "https://10.0.0.5:8443/base",
])  # fmt: skip
def test_public_url_may_be_http_only_on_loopback(url: str) -> None:
    assert load_settings(public_url=url).public_url == url


@pytest.mark.parametrize("url", [
    "http://pay.example.com", "http://10.0.0.5:3000", "http://0.0.0.0:3000", "http://localhost.example.com",
    "http://127.0.0.1.example.com", "ftp://localhost",
])  # fmt: skip
def test_a_public_url_that_is_not_https_nor_loopback_is_refused_naming_it(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^PUBLIC_URL: "):
        load_settings(public_url=url)


def test_serve_stops_at_start_up_with_one_line_naming_public_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "http://pay.example.com")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/never.db")
    assert cli.main(["serve", "--port", "0"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "PUBLIC_URL" in lines[0] and "https://" in lines[0]


def test_no_proxy_is_trusted_by_default() -> None:
    settings = load_settings()
    assert settings.trusted_proxy is None


def test_the_trusted_proxy_and_its_headers_are_read_and_normalised() -> None:
    settings = load_settings(trusted_proxy="127.0.0.1", trusted_proxy_headers="X-Forwarded-Proto, x-forwarded-for")
    assert settings.trusted_proxy == "127.0.0.1"
    assert settings.proxy_headers == {"x-forwarded-proto", "x-forwarded-for"}
    assert load_settings(trusted_proxy="*").trusted_proxy == "*"


@pytest.mark.parametrize(("name", "value"), [
    ("trusted_proxy", "proxy.internal"), ("trusted_proxy", "10.0.0"),
    ("trusted_proxy_headers", "x-real-ip"), ("trusted_proxy_headers", ""),
    ("trusted_proxy_headers", "forwarded x-forwarded-proto"),
])  # fmt: skip
def test_a_malformed_proxy_setting_is_refused_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name.upper()}: "):
        load_settings(**{name: value})


def test_card_tokenizations_per_person_have_a_sensible_default_and_bounds() -> None:
    assert load_settings().card_tokenizations_per_hour == 10
    with pytest.raises(ConfigError, match=r"^CARD_TOKENIZATIONS_PER_HOUR: "):
        load_settings(card_tokenizations_per_hour=0)
