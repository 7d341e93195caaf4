"""The Stripe benchmark's arithmetic: the fewest requests a full sync can make, the time Stripe's
rate limit allows for them, and the busiest second of a request log."""

from __future__ import annotations

import math
from collections.abc import Sequence

PAGE = 100  # objects a list request returns at most
LIVE_READS_PER_SECOND = 100  # https://docs.stripe.com/rate-limits (live mode)


def pages(objects: int, page: int = PAGE) -> int:
    """List requests to read `objects` (an empty list still takes one)."""
    return max(1, math.ceil(objects / page))


def minimum_full_sync(customers: int, subscriptions: int, open_invoices: int, cards_per_customer: int = 1) -> int:
    """Requests a full sync needs at least: the events cursor (1), the customers, each customer's
    cards (Stripe lists card payment methods per customer only), and the subscriptions and open
    invoices account-wide, 100 a page."""
    return 1 + pages(customers) + customers * pages(cards_per_customer) + pages(subscriptions) + pages(open_invoices)


def ideal_seconds(requests: int, per_second: float, latency: float, longest_chain: int) -> float:
    """The least time for `requests` at `per_second`, each taking `latency`, when `longest_chain`
    of them must go one after another (a list's pages): whichever bound is larger."""
    return max(requests / per_second, longest_chain * latency)


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
