"""The Stripe settings: the backend, the key and webhook secret (never shown), the API base."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings

KEY = "sk_test_51FakeStripeKeyForSettlebotTests0000"
WHSEC = "whsec_fake_settlebot_tests_0000000000"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "BILLING_BACKEND",
        "STRIPE_API_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_API_BASE",
        "STRIPE_RATE_LIMIT",
        "STRIPE_ENDPOINT_RATE_LIMIT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env


def stripe(**overrides: str) -> dict[str, str]:
    return {"billing_backend": "stripe", "stripe_api_key": KEY, "stripe_webhook_secret": WHSEC, **overrides}


def test_the_sandbox_is_the_default_and_needs_no_stripe_setting() -> None:
    settings = load_settings()
    assert settings.billing_backend == "sandbox" and not settings.uses_stripe


def test_stripe_settings_are_read_and_the_key_never_shows_itself() -> None:
    settings = load_settings(**stripe(stripe_api_base="http://127.0.0.1:12111/"))
    config = settings.stripe_config()
    assert config.api_base == "http://127.0.0.1:12111" and config.api_key.reveal() == KEY
    assert KEY not in repr(settings) and KEY not in repr(config) and WHSEC not in repr(settings)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"stripe_api_key": ""}, "STRIPE_API_KEY is not set"),
        ({"stripe_api_key": "pk_test_publishable0000000000"}, "STRIPE_API_KEY: must be a secret"),
        ({"stripe_webhook_secret": ""}, "STRIPE_WEBHOOK_SECRET is not set"),
        ({"stripe_webhook_secret": "secret"}, "STRIPE_WEBHOOK_SECRET: must be"),
        ({"stripe_api_base": "api.stripe.com"}, "STRIPE_API_BASE: must be an http(s) address"),
        ({"billing_backend": "braintree"}, "BILLING_BACKEND: "),
        ({"stripe_rate_limit": "0"}, "STRIPE_RATE_LIMIT: "),
        ({"stripe_endpoint_rate_limit": "many"}, "STRIPE_ENDPOINT_RATE_LIMIT: "),
    ],
)
def test_a_missing_or_malformed_stripe_setting_stops_start_up_naming_it(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(**stripe(**overrides))
    message = str(raised.value)
    assert message.startswith(named) and "\n" not in message
    assert KEY not in message and "pk_test_publishable" not in message and WHSEC not in message


def test_stripes_rate_limits_default_to_its_documented_ones_unless_raised() -> None:
    default = load_settings(**stripe()).stripe_config()
    assert (default.per_second, default.endpoint_per_second) == (None, 25.0)  # None: by the key's mode
    raised = load_settings(**stripe(stripe_rate_limit="500", stripe_endpoint_rate_limit="100")).stripe_config()
    assert (raised.per_second, raised.endpoint_per_second) == (500.0, 100.0)


def test_the_cli_prints_one_line_naming_the_setting(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("BILLING_BACKEND", "stripe")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///:memory:")
    assert main(["balances"]) == 2
    assert capsys.readouterr().err.strip() == "settlebot: configuration error: STRIPE_API_KEY is not set"
