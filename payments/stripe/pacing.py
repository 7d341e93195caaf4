"""Keeping settlebot's requests within Stripe's rate limits (https://docs.stripe.com/rate-limits),
so that a sync reading many pages at once never meets a 429 of its own making. Stripe counts per
account and second: every request against a global limit (live mode 100, sandbox 25), and in
addition each API operation ("endpoint": method and path, ids aside) against its own limit (25 by
default). Stripe raises either for an account on request: the settings say so.

Each limit is a rate with a small burst, kept by the generic cell rate algorithm: a request is
sent at a moment both its limits allow, and that moment is reserved in both at once. A request
whose endpoint is busy waits without reserving anything, so that it never holds the global limit
from requests to other endpoints. No window of one second sees more than `SHARE` of a limit sent
(the rest absorbs requests that arrive at Stripe bunched although sent apart): a burst of
`BURST_SHARE` of the limit, and the steady rate the remainder.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import stripe

LIVE_PER_SECOND = 100.0
TEST_PER_SECOND = 25.0
ENDPOINT_PER_SECOND = 25.0
SHARE = 0.95
BURST_SHARE = 0.05
LATE = 0.05  # seconds after its moment a request may still go: (1 + LATE) * rate + burst <= limit
# A path segment that is an object's id (`cus_NffrFeUfNV2Hib`), not a name (`payment_methods`).
_ID = re.compile(r"^[a-z]+_[A-Za-z0-9_]*[A-Z0-9][A-Za-z0-9_]*$")


def per_second_for(api_key: str) -> float:
    """Stripe's documented global limit for the key's mode."""
    return LIVE_PER_SECOND if api_key.startswith(("sk_live_", "rk_live_")) else TEST_PER_SECOND


def endpoint_of(method: str, url: str) -> str:
    """The API operation a request counts against: ``GET /v1/payment_methods/{id}``."""
    segments = urlsplit(url).path.split("/")
    return f"{method.upper()} " + "/".join("{id}" if _ID.match(s) else s for s in segments)


class Rate:
    """One limit (requests a second) as the generic cell rate algorithm's state.

    Args:
        limit: Stripe's limit, requests a second; at most `SHARE` of it are sent in any second: a
            burst of `BURST_SHARE` of it (at least 1), the steady rate the rest.
        start: the clock's reading when the limit starts (the burst is then available).
    """

    def __init__(self, limit: float, start: float) -> None:
        if limit < 2:
            raise ValueError("a rate limit needs at least 2 requests a second")
        self.limit = limit
        burst = max(1.0, limit * BURST_SHARE)
        self.interval = 1.0 / (limit * SHARE - burst)
        self._tolerance = (burst - 1.0) * self.interval
        self._due = start  # the theoretical arrival time of the next request

    def ready(self) -> float:
        """The earliest moment a request may be sent."""
        return self._due - self._tolerance

    def take(self, at: float) -> None:
        """Reserve the moment `at` (no earlier than `ready()`)."""
        self._due = max(self._due, at) + self.interval


class Pacer:
    """Thread-safe pacing of requests by a global limit and a limit per endpoint.

    Args:
        per_second: the global limit.
        endpoint_per_second: each endpoint's limit.
        clock, sleep: monotonic seconds and a sleep, replaceable in tests.
    """

    def __init__(
        self, per_second: float, endpoint_per_second: float = ENDPOINT_PER_SECOND, *,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        self._clock, self._sleep = clock, sleep
        self._global = Rate(per_second, clock())
        self._endpoint_limit = endpoint_per_second
        Rate(endpoint_per_second, 0.0)  # refuse a bad limit now, not at the first request
        self._endpoints: dict[str, Rate] = {}
        self._lock = threading.Lock()

    def plan(self, endpoint: str, now: float) -> tuple[bool, float]:
        """(True, the moment reserved for a request to `endpoint`), or (False, the moment its
        endpoint is free again: ask again then; nothing is reserved)."""
        with self._lock:
            own = self._endpoints.get(endpoint)
            if own is None:
                own = self._endpoints[endpoint] = Rate(self._endpoint_limit, now)
            if own.ready() > now:
                return False, own.ready()
            at = max(now, self._global.ready())
            self._global.take(at)
            own.take(at)
            return True, at

    def wait(self, endpoint: str) -> float:
        """Wait for a moment both limits allow a request to `endpoint`; the seconds waited.

        A thread that wakes more than `LATE` after its moment (the process was busy) takes a new
        one rather than send beside the requests given the moments after its own: so every request
        goes within `LATE` of its moment, and no second sends more than either limit."""
        started = now = self._clock()
        while True:
            reserved, at = self.plan(endpoint, now)
            if at > now:
                self._sleep(at - now)
                now = self._clock()
            if reserved and now - at <= LATE:
                return now - started


class PacedRequestsClient(stripe.RequestsClient):
    """The SDK's requests-based HTTP client, each attempt (retries included) paced."""

    def __init__(self, pacer: Pacer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, *,
        _usage: list[str] | None = None,
    ) -> Any:  # fmt: skip
        self.pacer.wait(endpoint_of(method, url))
        return super().request(method, url, headers, post_data)
