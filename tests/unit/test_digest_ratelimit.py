"""Delivery against a Slack that rate-limits each channel: every alert posted exactly once,
channels posted to side by side, HTTP 429 + Retry-After honoured per channel."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from domain.alerts import ReminderPolicy, deliver, scan
from handlers.notifier import ChannelPacer, SlackNotifier
from sandbox.fake_slack import FakeSlack
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.test_digest import DEFAULT, seed

TOKEN = "xoxb-test"


class QuickRetry(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, waiting a twentieth of Retry-After so the test stays fast."""

    def prepare_for_next_attempt(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> None:
        retry_after = int((response.headers.get("retry-after") or response.headers.get("Retry-After") or ["1"])[0])
        time.sleep(retry_after / 20)
        state.next_attempt_requested = True
        state.increment_current_attempt()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        yield fake


def notifier(fake: FakeSlack, retries: int, pace: float = 0.0) -> SlackNotifier:
    client = WebClient(token=TOKEN, base_url=fake.url, retry_handlers=[QuickRetry(max_retry_count=retries)])
    return SlackNotifier(client, ChannelPacer(pace))


def posted(fake: FakeSlack) -> Counter[str]:
    """How many times each subscription's alert reached Slack."""
    return Counter(
        block["accessory"]["value"] for call in fake.calls_to("chat.postMessage", ok=True)
        for block in call.params["blocks"] if "accessory" in block
    ) + Counter(
        e["value"] for call in fake.calls_to("chat.postMessage", ok=True)
        for block in call.params["blocks"] if block.get("type") == "actions" for e in block["elements"]
    )  # fmt: skip


def test_every_alert_is_posted_exactly_once_despite_429s(slack: FakeSlack) -> None:
    uow, clock = FakeUnitOfWork(), FakeClock(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    seed(uow, crowded=4, quiet=4)
    for channel in ("C0CROWDED", "C0QUIET"):
        slack.rate_limit_channel(channel, per_second=2, retry_after=1)
    scan(uow, clock, ReminderPolicy(), DEFAULT)
    report = deliver(uow, clock, notifier(slack, retries=20))
    assert (report.posted, report.failed) == (8, 0)
    assert slack.calls_to("chat.postMessage", ok=False), "the limit was never reached"
    assert set(posted(slack).values()) == {1} and len(posted(slack)) == 8
    with uow:
        assert uow.alerts.undelivered(100) == []
    assert deliver(uow, clock, notifier(slack, retries=20)).posted == 0


def test_alerts_refused_after_the_retries_stay_for_the_next_run_and_post_once(slack: FakeSlack) -> None:
    uow, clock = FakeUnitOfWork(), FakeClock(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    seed(uow, crowded=3, quiet=0)
    slack.rate_limit_channel("C0CROWDED", per_second=0.5, retry_after=1)
    scan(uow, clock, ReminderPolicy(), DEFAULT)
    first = deliver(uow, clock, notifier(slack, retries=0))
    assert (first.posted, first.failed) == (1, 2)
    slack.clear_faults()
    clock.advance(minutes=1)  # past their first wait
    second = deliver(uow, clock, notifier(slack, retries=0))
    assert (second.posted, second.failed) == (2, 0)
    assert set(posted(slack).values()) == {1} and len(posted(slack)) == 3


def test_channels_are_posted_to_side_by_side_at_the_paced_rate(slack: FakeSlack) -> None:
    uow, clock = FakeUnitOfWork(), FakeClock(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    seed(uow, crowded=3, quiet=3)
    for channel in ("C0CROWDED", "C0QUIET"):
        slack.rate_limit_channel(channel, per_second=5, retry_after=1)
    scan(uow, clock, ReminderPolicy(), DEFAULT)
    started = time.monotonic()
    report = deliver(uow, clock, notifier(slack, retries=0, pace=0.25))
    took = time.monotonic() - started
    assert (report.posted, report.failed) == (6, 0)  # paced: no 429 at all
    assert 0.5 <= took < 1.2, f"two lanes of 3 posts 0.25 s apart took {took:.2f} s"
