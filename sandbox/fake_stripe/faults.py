"""Faults on demand, per endpoint (`invoices.pay`) or for any:

http_500: a 500 api_error (`Stripe-Should-Retry` as asked); nothing done.
http_429: a 429 rate_limit error with `Retry-After`; nothing done.
http_409: a 409 lock_timeout conflict; nothing done.
timeout: no answer for `delay` seconds, then the connection is dropped; nothing done.
delay: the request waits `delay` seconds, then is done and answered.
lost: the request is done (and its idempotent answer kept), then the connection is
    dropped after `delay` seconds without an answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal["http_500", "http_429", "http_409", "timeout", "delay", "lost"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
BEFORE_WORK = frozenset({"http_500", "http_429", "http_409", "timeout"})


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    endpoint: str | None = None
    retry_after: int = 1
    should_retry: bool | None = None
    delay: float = 0.0


@dataclass
class _Pending:
    fault: Fault
    remaining: int


class Faults:
    """Pending faults; `take` hands out the one that hits the next request to an endpoint."""

    def __init__(self, endpoints: frozenset[str]) -> None:
        self._endpoints = endpoints
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []

    def add(self, n: int, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; expected one of {FAULT_KINDS}")
        if fault.endpoint is not None and fault.endpoint not in self._endpoints:
            raise ValueError(f"unknown endpoint {fault.endpoint!r}")
        if n < 1:
            raise ValueError("n must be at least 1")
        with self._lock:
            self._pending.append(_Pending(fault, n))

    def take(self, endpoint: str) -> Fault | None:
        with self._lock:
            for pending in self._pending:
                if pending.fault.endpoint in (None, endpoint):
                    pending.remaining -= 1
                    if pending.remaining <= 0:
                        self._pending.remove(pending)
                    return pending.fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
