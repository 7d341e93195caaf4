"""Injected faults and rate limits, met by slack_sdk's own retry handlers."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from sandbox.fake_slack import FakeSlack
from tests.sandbox.conftest import CHANNEL


@pytest.fixture
def retrying(fake: FakeSlack) -> WebClient:
    """A client set up like the app's: retries on 5xx, 429 and dropped connections (with
    short backoffs here; 429 retries wait for Retry-After whatever the calculator says)."""
    quick = FixedValueRetryIntervalCalculator(0.05)
    handlers = [
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick),
        RateLimitErrorRetryHandler(max_retry_count=2),
        ConnectionErrorRetryHandler(interval_calculator=quick),
    ]
    return WebClient(base_url=fake.url, token="xoxb-test", timeout=1, retry_handlers=handlers)


def outcomes(fake: FakeSlack) -> list[tuple[bool, int | None]]:
    return [(c.ok, c.status) for c in fake.calls_to("chat.postMessage")]


def test_a_server_error_is_retried_and_the_message_posted_once(
    fake: FakeSlack, retrying: WebClient
) -> None:
    fake.fail_next(1, "http_500", method="chat.postMessage")

    assert retrying.chat_postMessage(channel=CHANNEL, text="alert")["ok"]

    assert outcomes(fake) == [(False, 500), (True, 200)]
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["alert"]


def test_a_fault_for_one_method_leaves_the_others_alone(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next(1, "http_503", method="views.open")

    client.auth_test()
    client.chat_postMessage(channel=CHANNEL, text="fine")

    assert all(c.ok for c in fake.calls)


def test_http_429_is_retried_after_the_retry_after_seconds(
    fake: FakeSlack, retrying: WebClient
) -> None:
    fake.fail_next(1, "http_429", retry_after=1)
    started = time.monotonic()

    retrying.chat_postMessage(channel=CHANNEL, text="alert")

    assert time.monotonic() - started >= 1.0
    assert outcomes(fake) == [(False, 429), (True, 200)]


def test_ratelimited_with_http_200_reaches_the_app_as_an_error(
    fake: FakeSlack, retrying: WebClient
) -> None:
    fake.fail_next(1, "ratelimited")

    with pytest.raises(SlackApiError) as raised:
        retrying.chat_postMessage(channel=CHANNEL, text="alert")

    assert raised.value.response["error"] == "ratelimited" and fake.messages(CHANNEL) == []


def test_a_reset_connection_is_retried(fake: FakeSlack, retrying: WebClient) -> None:
    fake.fail_next(1, "reset")

    retrying.chat_postMessage(channel=CHANNEL, text="alert")

    assert outcomes(fake) == [(False, None), (True, 200)]


def test_a_reset_after_the_work_is_done_makes_a_retry_post_twice(
    fake: FakeSlack, retrying: WebClient
) -> None:
    fake.fail_next(1, "reset", apply=True)

    retrying.chat_postMessage(channel=CHANNEL, text="alert")

    assert [m["text"] for m in fake.messages(CHANNEL)] == ["alert", "alert"]
    assert [c.fault for c in fake.calls_to("chat.postMessage", ok=True)] == ["reset", None]


def test_a_timeout_outlasts_the_client(fake: FakeSlack) -> None:
    impatient = WebClient(base_url=fake.url, token="xoxb-test", timeout=0.3)
    fake.fail_next(1, "timeout", delay=2.0)

    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=CHANNEL, text="alert")

    assert outcomes(fake) == [(False, None)] and fake.messages(CHANNEL) == []


def test_a_rate_limited_channel_takes_about_one_post_per_second(
    fake: FakeSlack, retrying: WebClient
) -> None:
    fake.rate_limit_channel(CHANNEL, per_second=1.0, retry_after=1)

    for text in ("first", "second"):
        retrying.chat_postMessage(channel=CHANNEL, text=text)
    retrying.chat_postMessage(channel="C0OTHER001", text="elsewhere")

    assert outcomes(fake) == [(True, 200), (False, 429), (True, 200), (True, 200)]
    assert [m["text"] for m in fake.messages(CHANNEL)] == ["first", "second"]


def test_an_unknown_fault_kind_is_rejected(fake: FakeSlack) -> None:
    with pytest.raises(ValueError):
        fake.fail_next(1, "gremlins")  # type: ignore[arg-type]
