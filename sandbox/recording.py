"""What the fake received: every Web API call, and every way a call differed from real Slack."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CallMatcher = str | Callable[["Call"], bool]
"""A method name ("chat.postMessage") or a predicate over a `Call`."""


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake received it.

    Attributes:
        method: the API method, e.g. "chat.postMessage".
        params: the arguments, merged from query string, form and JSON body; JSON-valued
            arguments sent as strings (`blocks`, `view`, ...) are decoded.
        at: when it arrived, by the fake's clock.
        ok: whether it took effect in the fake's state (an injected fault, a validation
            error or any `ok: false` answer leaves it False).
        error: the Slack error code, or the fault kind, when it failed.
        status: the HTTP status the client got; None when the connection was dropped.
        fault: the injected fault kind, if one hit this call.
        token: the token it came with (``Authorization: Bearer`` or the ``token`` argument).
    """

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True
    error: str | None = None
    status: int | None = 200
    fault: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class Problem:
    """A way in which a call would have failed, or behaved differently, on real Slack."""

    method: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.method}: {self.kind}: {self.detail}"


def _matches(what: CallMatcher, call: Call) -> bool:
    return call.method == what if isinstance(what, str) else what(call)


class CallLog:
    """A thread-safe record of calls that tests can read and wait on."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._changed = threading.Condition()

    def append(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def snapshot(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def after(self, seen: int, timeout: float) -> list[Call]:
        """The calls received after the first ``seen``, waiting up to ``timeout`` seconds for one
        (an empty list if none came): a reader that follows the log without copying all of it."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._calls) > seen, timeout)
            return self._calls[seen:]

    def matching(self, what: CallMatcher, ok: bool | None = None) -> list[Call]:
        """Calls matching `what`; with `ok` given, only those that did (or did not) succeed."""
        return [c for c in self.snapshot() if _matches(what, c) and (ok is None or c.ok is ok)]

    def wait_for(
        self, what: CallMatcher, count: int = 1, timeout: float = 5.0, ok: bool | None = None
    ) -> list[Call]:
        """Block until at least `count` calls match, and return them.

        Raises:
            TimeoutError: if they do not arrive within `timeout` seconds (real time).
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.matching(what, ok)
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    break
                self._changed.wait(min(left, 0.05))
        if len(found) < count:
            seen = [c.method for c in self.snapshot()]
            raise TimeoutError(f"waited {timeout}s for {count} x {what!r}; received {seen}")
        return found

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()
