"""Fault injection: make the next calls fail the ways Slack and networks fail, and rate limits.

Kinds:
    http_500, http_503: an HTTP 500/503 with a non-JSON body (slack_sdk's
        ServerErrorRetryHandler retries these).
    ratelimited: HTTP 200 with `{"ok": false, "error": "ratelimited"}` (no retry handler
        retries this; the app sees a SlackApiError).
    http_429: HTTP 429, `{"ok": false, "error": "ratelimited"}` and a `Retry-After` header
        (slack_sdk's RateLimitErrorRetryHandler sleeps that long and retries).
    reset: the connection is closed without a response.
    timeout: no answer for `delay` seconds (set it above the client's timeout), then the
        connection is closed.
With `apply=True`, a reset or timeout happens after the call took effect (Slack did the work
but the client never heard back), which is how duplicate posts happen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, get_args

from sandbox.clock import Clock

FaultKind = Literal["http_500", "http_503", "ratelimited", "http_429", "reset", "timeout"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass(frozen=True)
class Fault:
    """One injected failure, as it applies to one call."""

    kind: FaultKind
    method: str | None = None
    retry_after: int = 1
    delay: float = 3.0
    apply: bool = False


@dataclass
class _Pending:
    fault: Fault
    remaining: int


@dataclass
class _ChannelLimit:
    interval: float
    retry_after: int
    last_post: float | None = None


class Faults:
    """Pending faults and per-channel rate limits; `take` says what hits the next call."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._limits: dict[str, _ChannelLimit] = {}

    def fail_next(self, n: int, fault: Fault) -> None:
        """Make the next `n` calls (to `fault.method`, or to any method) fail with `fault`."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; expected one of {FAULT_KINDS}")
        if n < 1:
            raise ValueError("n must be at least 1")
        with self._lock:
            self._pending.append(_Pending(fault, n))

    def rate_limit_channel(self, channel: str, per_second: float, retry_after: int) -> None:
        """Allow about `per_second` chat.postMessage calls per second to `channel`."""
        with self._lock:
            self._limits[channel] = _ChannelLimit(1.0 / per_second, retry_after)

    def take(self, method: str, channel: str | None) -> Fault | None:
        """The fault for this call, if any, consuming it; rate limits count accepted posts."""
        with self._lock:
            for pending in self._pending:
                if pending.fault.method in (None, method):
                    pending.remaining -= 1
                    if pending.remaining <= 0:
                        self._pending.remove(pending)
                    return pending.fault
            if method == "chat.postMessage" and channel in self._limits:
                return self._limited(self._limits[channel])
        return None

    def _limited(self, limit: _ChannelLimit) -> Fault | None:
        now = self._clock()
        if limit.last_post is not None and now - limit.last_post < limit.interval:
            return Fault("http_429", "chat.postMessage", retry_after=limit.retry_after)
        limit.last_post = now
        return None

    def clear(self) -> None:
        """Drop pending faults and rate limits."""
        with self._lock:
            self._pending.clear()
            self._limits.clear()
