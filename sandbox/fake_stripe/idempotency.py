"""Idempotent requests as Stripe keeps them: a POST's `Idempotency-Key` records its first answer;
the same key with the same parameters replays it (`Idempotent-Replayed: true`), with other
parameters or another endpoint is a 400 `idempotency_error`, and while the first is still
running a 409. Answers from before the endpoint ran (faults, auth) are not kept."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sandbox.fake_stripe.errors import StripeFailure


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Entry:
    request: tuple[str, str, str]
    answer: Answer | None = None


class Idempotency:
    """Keys by API key and `Idempotency-Key`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}

    def begin(self, scope: str, key: str, request: tuple[str, str, str]) -> Answer | None:
        """The kept answer to replay, or None when this request is the key's first (run it, then
        `finish`).

        Raises:
            StripeFailure: 400 for other parameters, 409 while the first is running.
        """
        with self._lock:
            entry = self._entries.get((scope, key))
            if entry is None:
                self._entries[(scope, key)] = _Entry(request)
                return None
            if entry.request != request:
                raise StripeFailure(400, "idempotency_error", "Keys for idempotent requests can only be used with "
                                    "the same parameters they were first used with. Try using a key other than "
                                    f"'{key}' if you meant to execute a different request.")  # fmt: skip
            if entry.answer is None:
                raise StripeFailure(409, "invalid_request_error", "There is currently another in-progress request "
                                    "using this Idempotent Key (that probably means you submitted twice, and the "
                                    "other request is still going through): " + key + ". Please try again later.",
                                    "idempotency_key_in_use")  # fmt: skip
            return entry.answer

    def finish(self, scope: str, key: str, answer: Answer) -> None:
        with self._lock:
            self._entries[(scope, key)].answer = answer

    def forget(self, scope: str, key: str) -> None:
        """The request ended before its endpoint ran: the key is free again."""
        with self._lock:
            self._entries.pop((scope, key), None)
