"""The fake's request log: every request with its endpoint, parameters, `Idempotency-Key`,
HTTP status (None: no answer), whether it was a replay, and the fault that hit it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StripeRequest:
    method: str
    path: str
    endpoint: str | None
    params: dict[str, Any]
    idempotency_key: str | None
    status: int | None
    replayed: bool = False
    fault: str | None = None
    error_code: str | None = None
    at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Matcher = str | Callable[[StripeRequest], bool]


def _matches(what: Matcher, request: StripeRequest) -> bool:
    return request.endpoint == what if isinstance(what, str) else what(request)


class RequestLog:
    """Thread-safe; tests read it and wait on it."""

    def __init__(self) -> None:
        self._items: list[StripeRequest] = []
        self._changed = threading.Condition()

    def append(self, request: StripeRequest) -> None:
        with self._changed:
            self._items.append(request)
            self._changed.notify_all()

    def snapshot(self) -> list[StripeRequest]:
        with self._changed:
            return list(self._items)

    def matching(self, what: Matcher) -> list[StripeRequest]:
        return [r for r in self.snapshot() if _matches(what, r)]

    def wait_for(self, what: Matcher, count: int = 1, timeout: float = 5.0) -> list[StripeRequest]:
        """Block until `count` requests match `what` (an endpoint name or a predicate).

        Raises:
            TimeoutError: when they have not arrived within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.matching(what)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"waited {timeout}s for {count} x {what!r}; got {len(found)}")
                self._changed.wait(min(left, 0.05))
        return found

    def clear(self) -> None:
        with self._changed:
            self._items.clear()
