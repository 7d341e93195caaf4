"""Slack failing: retried with backoff (honouring Retry-After); what still fails waits in the outbox."""

from __future__ import annotations

import pytest

from tests.e2e.harness import BILLING_CHANNEL, cli
from tests.multiprocess.test_scheduler_leader import alerts_by_subscription
from tests.reporting import record

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kind", ["http_500", "http_503", "http_429", "ratelimited", "reset", "timeout"])
def test_a_transient_failure_is_retried_and_every_alert_posted_once(fake_slack, env, kind):
    fake_slack.fail_next(2, kind, method="chat.postMessage", retry_after=1, delay=0.5)
    out = cli(env, "scan").stdout
    assert "posted 4" in out and "failed 0" in out
    assert sorted(alerts_by_subscription(fake_slack).values()) == [1, 1, 1, 1]
    assert len(fake_slack.calls_to("chat.postMessage", ok=False)) == 2
    record(f"Slack {kind} x2 on chat.postMessage", requests=6, processes=1, faults=2, charges=0)


def test_alerts_slack_will_not_take_are_kept_and_delivered_once_by_a_later_run(fake_slack, env):
    fake_slack.fail_next(100, "http_503", method="chat.postMessage")
    first = cli(env, "scan", check=False)
    assert first.returncode == 1 and "posted 0" in first.stdout
    assert fake_slack.messages(BILLING_CHANNEL) == []
    fake_slack.clear_faults()
    second = cli(env, "scan").stdout
    assert "0 new alerts" in second and "posted 4" in second
    third = cli(env, "scan").stdout
    assert "posted 0" in third
    assert sorted(alerts_by_subscription(fake_slack).values()) == [1, 1, 1, 1]
    faults = len(fake_slack.calls_to("chat.postMessage", ok=False))
    record("Slack down for a whole scan, outbox delivers later", requests=faults + 4, processes=3, faults=faults,
           charges=0)  # fmt: skip


def test_a_rate_limited_channel_still_gets_every_alert_exactly_once(fake_slack, env):
    fake_slack.rate_limit_channel(BILLING_CHANNEL, per_second=1.0, retry_after=1)
    out = cli(env, "scan").stdout
    assert "posted 4" in out
    assert sorted(alerts_by_subscription(fake_slack).values()) == [1, 1, 1, 1]
    limited = len(fake_slack.calls_to("chat.postMessage", ok=False))
    record("channel rate-limited to 1 msg/s (429 + Retry-After)", requests=4 + limited, processes=1,
           faults=limited, charges=0)  # fmt: skip
