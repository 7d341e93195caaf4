"""Slack's retries: a request already handled is answered 200 again and not handled twice.

Slack retries a delivery it thinks failed (``X-Slack-Retry-Num``: no answer within 3 seconds,
or a 5xx), signed afresh or with the same signature. Each request's identity (its
``event_id`` for an event, its trigger id for a command or an interaction, else its body) is
recorded beside the signatures when it is admitted, and forgotten when handling it fails, so:

- a retry of a request admitted before is answered 200 and not handled again, however it is
  signed (an event with a known ``event_id`` signed anew likewise, retry header or not);
- a signature seen before, without a retry header, is a replay: refused (401), as before;
- a retry that reuses the signature of a request never handled (its handling failed) is
  handled: it is what Slack asks for, and it can be handled only once.

Socket Mode envelopes carry no signature; a redelivery (``retry_attempt`` > 0, with a new
envelope id) is recognised by the same identity in the same record (``decide_envelope``), so a
Save redelivered after a lost ack never reaches its listener a second time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

from bot.envelope import INTERACTIONS

HANDLED_FOR = 15 * 60  # seconds an identity is kept: Slack's last retry comes about 5 minutes after the first try


class SeenKeys(Protocol):
    def first_sightings(self, keys: list[tuple[str, dt.datetime]], now: dt.datetime) -> list[bool]: ...

    def forget(self, key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Admitted:
    """A request to hand to Bolt; ``identity`` is recorded as handled (forget it if handling fails)."""

    body: dict[str, Any]
    identity: str | None = None


@dataclass(frozen=True, slots=True)
class AlreadyHandled:
    """A delivery of a request admitted before: answer 200, do nothing."""

    identity: str


def identity(body: dict[str, Any], raw: bytes) -> str | None:
    """What makes two deliveries the same request (None: answering twice is harmless)."""
    if body.get("type") == "event_callback":
        event_id = body.get("event_id")
        return f"event:{event_id}" if isinstance(event_id, str) and event_id else "event:" + _hash(raw)
    if "command" in body or body.get("type") in INTERACTIONS:
        trigger = body.get("trigger_id")
        return f"interaction:{trigger}" if isinstance(trigger, str) and trigger else "interaction:" + _hash(raw)
    return None  # url_verification, ssl_check, app_rate_limited


def decide(
    seen: SeenKeys, signature: tuple[str, dt.datetime], body: dict[str, Any], raw: bytes, retried: bool,
    now: dt.datetime,
) -> Admitted | AlreadyHandled | None:  # fmt: skip
    """Record the signature and the request's identity in one batch; None for a replay."""
    key = identity(body, raw)
    if key is None:
        return Admitted(body) if seen.first_sightings([signature], now)[0] else None
    handled_until = now + dt.timedelta(seconds=HANDLED_FOR)
    new_signature, new_request = seen.first_sightings([signature, (key, handled_until)], now)
    if not new_signature and not retried:  # a replay
        if new_request:
            seen.forget(key)  # the request it replays was never handled, and may still be
        return None
    if new_request:
        return Admitted(body, key)
    if retried or key.startswith("event:"):
        return AlreadyHandled(key)
    return Admitted(body)  # signed anew, not a retry: e.g. a Save clicked twice (the use case decides)


def decide_envelope(seen: SeenKeys, body: dict[str, Any], retried: bool, now: dt.datetime) -> Admitted | AlreadyHandled:
    """A Socket Mode envelope's payload: handled unless its identity was handled before and it
    is a redelivery (or an event, whose ``event_id`` is unique). There is no replay to refuse:
    the WebSocket is authenticated by the app-level token."""
    key = identity(body, canonical(body))
    if key is None:
        return Admitted(body)
    if seen.first_sightings([(key, now + dt.timedelta(seconds=HANDLED_FOR))], now)[0]:
        return Admitted(body, key)
    if retried or key.startswith("event:"):
        return AlreadyHandled(key)
    return Admitted(body)


def canonical(body: dict[str, Any]) -> bytes:
    """A payload's bytes for its hash: the same for every delivery of the same payload."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
