"""Keeping settlebot's requests within Stripe's rate limit (per account and second: live mode 100
reads and 100 writes, test mode 25 each; https://docs.stripe.com/rate-limits), so that a sync
reading many pages at once never meets a 429 of its own making.

Each request takes a token first from its kind's bucket (GET: reads, others: writes); a bucket
refills at the limit and holds at most a small burst, so any second sees at most the limit plus
that burst.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import stripe

LIVE_PER_SECOND = 100.0
TEST_PER_SECOND = 25.0


def per_second_for(api_key: str) -> float:
    """Stripe's documented limit for the key's mode (reads and writes alike)."""
    return LIVE_PER_SECOND if api_key.startswith(("sk_live_", "rk_live_")) else TEST_PER_SECOND


class TokenBucket:
    """A thread-safe token bucket: `take()` waits until a token is free (reserving it at once, so
    that waiting callers are served in turn).

    Args:
        rate: tokens added per second.
        burst: tokens held at most (the bucket starts full).
        clock, sleep: monotonic seconds and a sleep, replaceable in tests.
    """

    def __init__(
        self, rate: float, burst: float = 1.0, *, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:  # fmt: skip
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens, self._at = burst, clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate) - 1
            self._at = now
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def take(self) -> float:
        """Wait for a token; the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


class PacedRequestsClient(stripe.RequestsClient):
    """The SDK's requests-based HTTP client, each attempt (retries included) paced by a bucket."""

    def __init__(self, reads: TokenBucket, writes: TokenBucket, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reads, self.writes = reads, writes

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, *,
        _usage: list[str] | None = None,
    ) -> Any:  # fmt: skip
        (self.reads if method.lower() == "get" else self.writes).take()
        return super().request(method, url, headers, post_data)
