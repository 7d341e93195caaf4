"""The Stripe benchmark's arithmetic: the fewest requests a full sync can make (per endpoint), the
time Stripe's documented rate limits allow for them, and the busiest second of a request log."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

PAGE = 100  # objects a list request returns at most
# https://docs.stripe.com/rate-limits: a global limit (live mode) and a default one per endpoint
# (one API operation: GET /v1/payment_methods is one endpoint for every customer's list).
LIVE_PER_SECOND = 100
ENDPOINT_PER_SECOND = 25


def pages(objects: int, page: int = PAGE) -> int:
    """List requests to read `objects` (an empty list still takes one)."""
    return max(1, math.ceil(objects / page))


def minimum_full_sync_by_endpoint(
    customers: int, subscriptions: int, open_invoices: int, cards_per_customer: int = 1
) -> dict[str, int]:  # fmt: skip
    """Requests a full sync needs at least, by endpoint: the events cursor (1), the customers, each
    customer's cards (Stripe lists card payment methods per customer only), and the subscriptions
    and open invoices account-wide, 100 a page."""
    return {"events.list": 1, "customers.list": pages(customers),
            "payment_methods.list": customers * pages(cards_per_customer),
            "subscriptions.list": pages(subscriptions), "invoices.list": pages(open_invoices)}  # fmt: skip


def minimum_full_sync(customers: int, subscriptions: int, open_invoices: int, cards_per_customer: int = 1) -> int:
    return sum(minimum_full_sync_by_endpoint(customers, subscriptions, open_invoices, cards_per_customer).values())


def ideal_seconds(
    by_endpoint: Mapping[str, int], per_second: float, endpoint_per_second: float, latency: float, longest_chain: int
) -> float:  # fmt: skip
    """The least time for these requests (by endpoint) within the global limit and each endpoint's,
    each taking `latency`, when `longest_chain` of them must go one after another (a list's pages):
    whichever bound is largest."""
    busiest_endpoint = max(by_endpoint.values(), default=0)
    return max(sum(by_endpoint.values()) / per_second, busiest_endpoint / endpoint_per_second,
               longest_chain * latency)  # fmt: skip


def busiest_second(times: Sequence[float]) -> int:
    """The most requests that started within any one second (times in seconds, any order)."""
    ordered, most, first = sorted(times), 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 2) if baseline else None
