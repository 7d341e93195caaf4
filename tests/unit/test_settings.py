"""Settings that exist only for tests are refused in a process that is not under test."""

import pytest

from bot.settings import ConfigError, load_settings


def test_fault_injection_is_refused_at_start_up_outside_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SETTLEBOT_TEST_MODE", raising=False)
    with pytest.raises(ConfigError) as refused:
        load_settings(fault_injection="kill_after_charge", _env_file=None)
    message = str(refused.value)
    assert message.startswith("FAULT_INJECTION: refused") and "SETTLEBOT_TEST_MODE=1" in message
    assert "\n" not in message


def test_fault_injection_is_refused_from_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAULT_INJECTION", "gateway_timeout_after_charge")
    monkeypatch.delenv("SETTLEBOT_TEST_MODE", raising=False)
    with pytest.raises(ConfigError, match=r"^FAULT_INJECTION: refused"):
        load_settings(_env_file=None)


def test_fault_injection_is_accepted_in_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SETTLEBOT_TEST_MODE", "1")
    monkeypatch.setenv("FAULT_INJECTION", "kill_after_charge")
    assert load_settings(_env_file=None).fault_injection == "kill_after_charge"


def test_an_unknown_fault_point_is_refused_even_in_test_mode() -> None:
    with pytest.raises(ConfigError, match=r"^FAULT_INJECTION: must be one of"):
        load_settings(settlebot_test_mode=True, fault_injection="explode", _env_file=None)


def test_no_fault_injection_needs_no_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SETTLEBOT_TEST_MODE", raising=False)
    monkeypatch.delenv("FAULT_INJECTION", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.fault_injection is None and settings.settlebot_test_mode is False
