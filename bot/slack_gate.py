"""The door of ``POST /slack/events``: a request gets to Bolt only if it is signed, fresh,
not a replay, and shaped like a Slack request.

Slack signs ``v0:{timestamp}:{body}``; a signature older (or newer) than five minutes is
stale. Each accepted signature is recorded, in the database so that every process refuses the
same delivery twice, for twice that window (``KEEP``): a host whose clock is behind the one
that purges still finds it fresh for a while after it went stale there, and must still find
it recorded. Slack's own retries (``X-Slack-Retry-Num``) of a request already handled are
answered 200 and not handled again, however they are signed (``bot.deliveries``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.deliveries import Admitted, AlreadyHandled, SeenKeys, decide
from bot.envelope import BadEnvelope, parse_body

TOLERANCE = 5 * 60  # seconds a signature stays valid, either side of its timestamp
KEEP = 2 * TOLERANCE  # seconds after its timestamp an accepted signature stays recorded


class SeenRequests(SeenKeys, Protocol):
    def first_sighting(self, signature: str, expires_at: dt.datetime, now: dt.datetime) -> bool:
        """True for the first caller to record ``signature``, False for every later one."""
        ...


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason: str  # what was wrong, never the request's content: safe to log


class SlackGate:
    """Checks one request; Bolt still verifies the signature again on its own."""

    def __init__(self, signing_secret: str, seen: SeenRequests, clock: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode()
        self._seen = seen
        self._clock = clock

    def refusal(self, headers: Mapping[str, str], raw: bytes, content_type: str | None) -> Refusal | None:
        """Why the request must not reach Bolt, or None when it may."""
        verdict = self.check(headers, raw, content_type)
        return verdict if isinstance(verdict, Refusal) else None

    def check(
        self, headers: Mapping[str, str], raw: bytes, content_type: str | None
    ) -> Refusal | Admitted | AlreadyHandled:
        """A refusal, a retry of a request already handled, or the admitted request's body
        as Bolt reads it (parsed once, here)."""
        now = self._clock()
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not _well_formed(timestamp, signature):
            return Refusal(401, "missing or malformed signature headers")
        if abs(now - int(timestamp)) > TOLERANCE:
            return Refusal(401, "stale signature timestamp")
        if not hmac.compare_digest(signature.encode(), self._signature(timestamp, raw)):
            return Refusal(401, "signature mismatch")
        try:
            body = parse_body(raw, content_type)
        except BadEnvelope as exc:
            return Refusal(400, str(exc))
        expires = dt.datetime.fromtimestamp(int(timestamp) + KEEP + 1, dt.UTC)
        retried = headers.get("x-slack-retry-num", "") != ""
        verdict = decide(self._seen, (signature, expires), body, raw, retried, dt.datetime.fromtimestamp(now, dt.UTC))
        return verdict or Refusal(401, "replayed request (signature already accepted)")

    def forget(self, admitted: Admitted) -> None:
        """Handling ``admitted`` failed: a retry of it is to be handled, not taken for done."""
        if admitted.identity is not None:
            self._seen.forget(admitted.identity)

    def _signature(self, timestamp: str, raw: bytes) -> bytes:
        """Slack's v0 scheme, over the raw bytes (a body that is not UTF-8 still gets a 401, not a crash)."""
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
        return b"v0=" + digest.hexdigest().encode()


def _well_formed(timestamp: str, signature: str) -> bool:
    return (
        timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
        and signature.isascii() and signature.startswith("v0=") and len(signature) == 67
    )  # fmt: skip
