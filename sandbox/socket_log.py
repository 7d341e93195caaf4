"""What the fake's Socket Mode side sent and what came back: one `Delivery` per envelope sent."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

ACK_DEADLINE = 3.0
"""Seconds Slack waits for an envelope's acknowledgement."""


@dataclass(frozen=True)
class Delivery:
    """One envelope as sent on one connection, and its acknowledgement.

    Attributes:
        envelope: the message as sent (``envelope_id``, ``type``, ``payload``...).
        connection: the number of the connection it went out on (1 for the first).
        sent_at, acked_at: ``time.monotonic()`` when it was sent and when its ack arrived.
        ack: the ack's ``payload`` (None for a bare ack, or before it).
        redelivered_as: the envelope id of its redelivery, if it was never acked here.
    """

    envelope: dict[str, Any]
    connection: int
    sent_at: float
    acked_at: float | None = None
    ack: dict[str, Any] | None = None
    redelivered_as: str | None = None

    @property
    def envelope_id(self) -> str:
        return str(self.envelope["envelope_id"])

    @property
    def kind(self) -> str:
        return str(self.envelope["type"])

    @property
    def retry_attempt(self) -> int:
        return int(self.envelope.get("retry_attempt") or 0)

    @property
    def acked(self) -> bool:
        return self.acked_at is not None

    @property
    def ack_seconds(self) -> float | None:
        """How long the app took to acknowledge it (None: not acked)."""
        return None if self.acked_at is None else self.acked_at - self.sent_at


def envelope(
    kind: str, payload: dict[str, Any], accepts_response_payload: bool, retry_attempt: int | None,
    retry_reason: str | None,
) -> dict[str, Any]:  # fmt: skip
    """An envelope as Slack sends it; events always carry ``retry_attempt``/``retry_reason``."""
    message: dict[str, Any] = {"envelope_id": str(uuid.uuid4()), "payload": payload, "type": kind,
                               "accepts_response_payload": accepts_response_payload}  # fmt: skip
    if kind == "events_api" or retry_attempt:
        message.update(retry_attempt=retry_attempt or 0, retry_reason=retry_reason or "")
    return message


@dataclass
class DeliveryLog:
    """Every delivery, in order, thread-safe; tests wait on it."""

    _items: list[Delivery] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, delivery: Delivery) -> None:
        with self._changed:
            self._items.append(delivery)
            self._changed.notify_all()

    def snapshot(self) -> list[Delivery]:
        with self._changed:
            return list(self._items)

    def get(self, envelope_id: str) -> Delivery | None:
        with self._changed:
            return next((d for d in self._items if d.envelope_id == envelope_id), None)

    def update(self, envelope_id: str, **changes: Any) -> Delivery | None:
        with self._changed:
            for i, delivery in enumerate(self._items):
                if delivery.envelope_id == envelope_id:
                    self._items[i] = replace(delivery, **changes)
                    self._changed.notify_all()
                    return self._items[i]
        return None

    def claim_redelivery(self, envelope_id: str, new_id: str) -> bool:
        """Mark an unacknowledged delivery as redelivered under ``new_id``; False if it was acked
        or already redelivered (so that two threads never redeliver it twice)."""
        with self._changed:
            found = self.get(envelope_id)
            if found is None or found.acked or found.redelivered_as:
                return False
            self.update(envelope_id, redelivered_as=new_id)
            return True

    def acknowledge(self, envelope_id: str, payload: dict[str, Any] | None) -> Delivery | None:
        """Record the first ack of an envelope (a second one changes nothing)."""
        with self._changed:
            found = self.get(envelope_id)
            if found is None or found.acked:
                return found
            return self.update(envelope_id, acked_at=time.monotonic(), ack=payload)

    def wait(self, predicate: Callable[[list[Delivery]], Any], timeout: float) -> Any:
        """Wait until ``predicate(deliveries)`` is truthy and return its value.

        Raises:
            TimeoutError: when it is still falsy after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (value := predicate(list(self._items))):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("Socket Mode: the awaited deliveries did not happen in time")
                self._changed.wait(left)
            return value
