"""Pacing requests within Stripe's rate limit: the token bucket, and the client through the fake."""

from __future__ import annotations

import threading

import pytest

from payments.stripe.config import ApiKey, StripeConfig, make_client
from payments.stripe.pacing import LIVE_PER_SECOND, TEST_PER_SECOND, TokenBucket, per_second_for
from sandbox.fake_stripe.fake_stripe import FakeStripe


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_a_full_bucket_lets_its_burst_through_then_spaces_requests_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(10.0, burst=3, clock=clock, sleep=clock.sleep)

    waits = [bucket.take() for _ in range(5)]

    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == pytest.approx([0.1, 0.2])  # each waiter reserves the next free slot


def test_a_quiet_spell_refills_the_bucket_no_further_than_its_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(10.0, burst=2, clock=clock, sleep=clock.sleep)
    bucket.take(), bucket.take()

    clock.now = 60.0

    assert [bucket.take() for _ in range(3)] == pytest.approx([0.0, 0.0, 0.1])


def test_the_limit_follows_the_keys_mode() -> None:
    assert per_second_for("sk_live_abcdefghijklmnop") == per_second_for("rk_live_abcdefghij") == LIVE_PER_SECOND
    assert per_second_for("sk_test_abcdefghijklmnop") == per_second_for("rk_test_abcdefghij") == TEST_PER_SECOND
    with pytest.raises(ValueError):
        TokenBucket(0.0)


def test_concurrent_reads_through_the_client_stay_within_the_rate_in_every_second() -> None:
    with FakeStripe(seed=5) as fake:
        client = make_client(StripeConfig(ApiKey(fake.api_key), fake.url, per_second=20.0, burst=2.0))

        def read() -> None:
            for _ in range(6):
                client.v1.customers.list({"limit": 1})

        threads = [threading.Thread(target=read) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        times = sorted(r.at for r in fake.requests_to("customers.list"))

    assert len(times) == 36
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 20 + 2  # the rate, plus the burst a full bucket allows
    assert times[-1] - times[0] >= (36 - 2 - 1) / 20.0 - 0.05
