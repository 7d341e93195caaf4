"""Pacing requests within Stripe's rate limits (the global one and one per endpoint): the limits
with a fake clock, endpoints as Stripe counts them, and the client through the fake Stripe."""

from __future__ import annotations

import heapq
import threading

import pytest

from payments.stripe.config import ApiKey, StripeConfig, make_client
from payments.stripe.pacing import LIVE_PER_SECOND, TEST_PER_SECOND, Pacer, endpoint_of, per_second_for
from sandbox.fake_stripe.fake_stripe import FakeStripe

CARDS, INVOICES = "GET /v1/payment_methods", "GET /v1/invoices"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def busiest_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + 1.0 - 1e-9) for start in ordered)


def concurrent_callers(pacer: Pacer, endpoints: list[str], requests_each: int) -> dict[str, list[float]]:
    """Callers that each ask for `requests_each` requests to their endpoint, one after another,
    interleaved as threads would be (a simulation on a fake clock); each endpoint's send times."""
    sent: dict[str, list[float]] = {e: [] for e in endpoints}
    waiting = [(0.0, n, e, requests_each) for n, e in enumerate(endpoints)]
    heapq.heapify(waiting)
    while waiting:
        now, n, endpoint, left = heapq.heappop(waiting)
        reserved, at = pacer.plan(endpoint, now)
        if reserved:
            sent[endpoint].append(at)
            left -= 1
        if left:
            heapq.heappush(waiting, (at, n, endpoint, left))
    return sent


def test_an_endpoint_is_its_method_and_path_with_ids_replaced() -> None:
    assert endpoint_of("get", "https://api.stripe.com/v1/payment_methods/pm_1Q0PsIJvEtkwdCNYMSaVuRz6") == (
        "GET /v1/payment_methods/{id}"
    )
    assert endpoint_of("post", "http://127.0.0.1:1/v1/invoices/in_abc123XYZ/pay") == "POST /v1/invoices/{id}/pay"
    assert endpoint_of("get", "http://h/v1/payment_methods?customer=cus_X1&limit=100") == "GET /v1/payment_methods"
    assert endpoint_of("get", "http://h/v1/customers/cus_NffrFeUfNV2Hib/payment_methods") == (
        "GET /v1/customers/{id}/payment_methods"
    )
    assert endpoint_of("get", "http://h/v1/invoices/upcoming") == "GET /v1/invoices/upcoming"


def test_one_endpoint_is_held_to_its_own_limit_below_the_global_one() -> None:
    clock = Clock()
    pacer = Pacer(100.0, 25.0, clock=clock, sleep=clock.sleep)

    for _ in range(100):
        pacer.wait("GET /v1/payment_methods/{id}")

    assert 100 / 25.0 <= clock.now <= 100 / 22.0  # at most 25 a second, at least 90% of it


def test_different_endpoints_share_the_global_limit() -> None:
    endpoints = [CARDS, INVOICES, "GET /v1/customers", "GET /v1/subscriptions", "GET /v1/events"]
    sent = concurrent_callers(Pacer(100.0, 25.0, clock=Clock()), [e for e in endpoints for _ in range(8)], 20)

    every = [t for times in sent.values() for t in times]
    assert len(every) == 40 * 20
    assert busiest_second(every) <= 100
    assert max(every) <= 800 / 89.0  # the global limit is the bound, and it is used


@pytest.mark.parametrize(("per_second", "endpoint_per_second"), [(100.0, 25.0), (25.0, 25.0), (500.0, 100.0)])
def test_no_second_ever_sees_more_than_either_limit(per_second: float, endpoint_per_second: float) -> None:
    endpoints = [CARDS] * 12 + [INVOICES] * 2 + ["GET /v1/payment_methods/{id}"] * 12 + ["POST /v1/invoices/{id}/pay"]
    sent = concurrent_callers(Pacer(per_second, endpoint_per_second, clock=Clock()), endpoints, 40)

    assert busiest_second([t for times in sent.values() for t in times]) <= per_second * 0.95
    assert all(busiest_second(times) <= endpoint_per_second * 0.95 for times in sent.values())


def test_a_busy_endpoint_does_not_hold_back_requests_to_others() -> None:
    clock = Clock()
    pacer = Pacer(100.0, 25.0, clock=clock)
    for _ in range(50):  # the cards' endpoint is booked for two seconds
        pacer.plan(CARDS, clock.now)

    reserved, at = pacer.plan(INVOICES, clock.now)

    assert reserved and at == 0.0


def test_a_thread_that_wakes_late_takes_a_new_moment_instead_of_sending_beside_later_ones() -> None:
    clock = Clock()
    oversleeps = [0.3]

    def sleep(seconds: float) -> None:  # the process is busy once: the thread wakes 0.3 s late
        clock.now += seconds + (oversleeps.pop() if oversleeps else 0.0)

    pacer = Pacer(100.0, 25.0, clock=clock, sleep=sleep)
    for n in range(20):  # other endpoints book the global limit for the next 0.17 s
        pacer.plan(f"GET /v1/other_{n}", 0.0)

    waited = pacer.wait(CARDS)

    assert waited > 0.3
    reserved, _ = pacer.plan(CARDS, clock.now)
    assert not reserved  # the cards' endpoint was given a new moment just now (the missed one is spent)


def test_the_limit_follows_the_keys_mode_and_a_bad_limit_is_refused() -> None:
    assert per_second_for("sk_live_abcdefghijklmnop") == per_second_for("rk_live_abcdefghij") == LIVE_PER_SECOND
    assert per_second_for("sk_test_abcdefghijklmnop") == per_second_for("rk_test_abcdefghij") == TEST_PER_SECOND
    with pytest.raises(ValueError):
        Pacer(100.0, 0.0)


def test_concurrent_reads_through_the_client_stay_within_the_limits_in_every_second() -> None:
    with FakeStripe(seed=5) as fake:
        client = make_client(StripeConfig(ApiKey(fake.api_key), fake.url, per_second=30.0, endpoint_per_second=20.0))

        def read() -> None:
            for _ in range(6):
                client.v1.customers.list({"limit": 1})
                client.v1.invoices.list({"limit": 1})

        threads = [threading.Thread(target=read) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        customers = [r.at for r in fake.requests_to("customers.list")]
        invoices = [r.at for r in fake.requests_to("invoices.list")]

    assert len(customers) == len(invoices) == 36
    assert busiest_second(customers) <= 20 + 1 and busiest_second(invoices) <= 20 + 1  # +1: arrival jitter
    assert busiest_second(customers + invoices) <= 30 + 1
    assert max(customers + invoices) - min(customers + invoices) >= (72 - 30) / 30.0 - 0.05
