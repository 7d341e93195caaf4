"""Signed webhooks: each event is POSTed to the endpoints with a `Stripe-Signature` header made by
`stripe.WebhookSignature.generate_signature_header`, from a delivery thread (so API answers never
wait on the app). Tests can ask for each event to be delivered N times, or hold deliveries and
release them in reverse or shuffled order, and read every delivery's status."""

from __future__ import annotations

import json
import queue
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import stripe

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


@dataclass(frozen=True)
class Delivery:
    """One POST of an event to an endpoint; status None when the app did not answer."""

    event_id: str
    type: str
    url: str
    status: int | None
    at: float


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for a payload (timestamp: now unless given)."""
    return str(stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp))


def post(url: str, payload: str, signature: str, timeout: float = 10.0) -> int | None:
    """POST a webhook body; the HTTP status, or None when the app did not answer."""
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "Stripe-Signature": signature}  # fmt: skip
    request = urllib.request.Request(url, payload.encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


class Webhooks:
    """The account's webhook endpoints and the thread delivering to them.

    Args:
        secret: the endpoints' signing secret (`whsec_...`).
        clock: the time used to sign (seconds).
    """

    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.secret, self._clock = secret, clock
        self._urls: list[str] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._held: list[dict[str, Any]] | None = None
        self._times = 1
        self._deliveries: list[Delivery] = []
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None

    def add_endpoint(self, url: str) -> None:
        """Deliver every later event to `url` (e.g. "http://127.0.0.1:8000/stripe/webhook")."""
        self._urls.append(url)

    def duplicate(self, times: int) -> None:
        """Deliver each later event `times` times in a row (Stripe delivers at least once)."""
        self._times = max(1, times)

    def hold(self) -> None:
        """Keep later events back until `release`."""
        with self._lock:
            self._held = self._held or []

    def release(self, order: Literal["sent", "reverse", "shuffle"] = "sent", seed: int | None = None) -> None:
        """Deliver the held events in the order asked, and stop holding."""
        with self._lock:
            held, self._held = self._held or [], None
        if order == "reverse":
            held.reverse()
        elif order == "shuffle":
            random.Random(seed).shuffle(held)
        for event in held:
            self._enqueue(event)

    def __call__(self, event: dict[str, Any]) -> None:
        """An event happened (the account's listener)."""
        if not self._urls:
            return
        with self._lock:
            if self._held is not None:
                self._held.append(event)
                return
        self._enqueue(event)

    def resend(self, event: dict[str, Any], times: int = 1) -> None:
        """Deliver an event again (as Stripe's retries or a "Resend" in the dashboard do)."""
        for _ in range(times):
            self._queue_one(event)

    def _enqueue(self, event: dict[str, Any]) -> None:
        for _ in range(self._times):
            self._queue_one(event)

    def _queue_one(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._pending += 1
        self._queue.put(event)

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every queued delivery was made.

        Raises:
            TimeoutError: if some are still pending after `timeout` seconds.
        """
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise TimeoutError(f"{self._pending} webhook deliveries still pending after {timeout}s")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._deliver_all, name="fake-stripe-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _deliver_all(self) -> None:
        while (event := self._queue.get()) is not None:
            payload = json.dumps(event, indent=2)
            signature = sign(payload, self.secret, int(self._clock()))
            for url in list(self._urls):
                status = post(url, payload, signature)
                with self._lock:
                    self._deliveries.append(Delivery(event["id"], event["type"], url, status, self._clock()))
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()
