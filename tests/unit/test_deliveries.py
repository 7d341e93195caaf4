"""Slack's retries and replays at the door: handled once, replays refused (a fake record)."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from bot.deliveries import Admitted, AlreadyHandled, decide, decide_envelope
from bot.envelope import parse_body

NOW = dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)
EVENT = {"type": "event_callback", "event_id": "Ev0123", "event": {"type": "app_home_opened", "user": "U1"}}
RAW = json.dumps(EVENT).encode()


class FakeSeen:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def first_sightings(self, keys: list[tuple[str, dt.datetime]], now: dt.datetime) -> list[bool]:
        fresh = [key not in self.keys for key, _ in keys]
        self.keys.update(key for key, _ in keys)
        return fresh

    def forget(self, key: str) -> None:
        self.keys.discard(key)


def _deliver(seen: FakeSeen, signature: str, retried: bool = False, body: dict = EVENT, raw: bytes = RAW) -> object:
    return decide(seen, (signature, LATER), body, raw, retried, NOW)


def test_a_retry_of_a_handled_event_is_acked_whether_resigned_or_not() -> None:
    seen = FakeSeen()
    assert isinstance(_deliver(seen, "v0=a"), Admitted)
    assert isinstance(_deliver(seen, "v0=a", retried=True), AlreadyHandled)
    assert isinstance(_deliver(seen, "v0=b", retried=True), AlreadyHandled)
    assert isinstance(_deliver(seen, "v0=c"), AlreadyHandled)  # the same event_id, signed anew


def test_a_replay_without_a_retry_header_is_refused_and_claims_nothing() -> None:
    seen = FakeSeen()
    first = _deliver(seen, "v0=a")
    assert isinstance(first, Admitted) and first.identity == "event:Ev0123"
    seen.forget(first.identity)  # its handling failed (5xx)
    assert _deliver(seen, "v0=a") is None  # a plain replay of a request never handled
    assert isinstance(_deliver(seen, "v0=b", retried=True), Admitted)  # Slack's retry is handled, once
    assert isinstance(_deliver(seen, "v0=c", retried=True), AlreadyHandled)


def test_a_same_signature_retry_of_a_request_never_handled_is_handled() -> None:
    seen = FakeSeen()
    first = _deliver(seen, "v0=a")
    assert isinstance(first, Admitted) and first.identity
    seen.forget(first.identity)
    assert isinstance(_deliver(seen, "v0=a", retried=True), Admitted)


def test_interactions_are_identified_by_trigger_id_and_a_save_signed_twice_still_reaches_the_use_case() -> None:
    seen = FakeSeen()
    click = {"type": "block_actions", "trigger_id": "1.2.abc", "user": {"id": "U1"}, "actions": []}
    raw = urlencode({"payload": json.dumps(click)}).encode()
    first = decide(seen, ("v0=a", LATER), click, raw, False, NOW)
    assert isinstance(first, Admitted) and first.identity == "interaction:1.2.abc"
    assert isinstance(decide(seen, ("v0=b", LATER), click, raw, True, NOW), AlreadyHandled)
    again = decide(seen, ("v0=c", LATER), click, raw, False, NOW)
    assert isinstance(again, Admitted) and again.identity is None  # not a retry: the use case decides


def test_a_slash_command_whose_text_says_payload_is_a_slash_command() -> None:
    form = urlencode({"command": "/settle", "text": "payload", "user_id": "U1", "trigger_id": "1.2.x"}).encode()
    body = parse_body(form, "application/x-www-form-urlencoded")
    assert body["command"] == "/settle" and body["text"] == "payload"
    fields = {"token": "x", "command": "/settle", "text": "a payload=1&payload", "user_id": "U1", "trigger_id": "1.2.x"}
    assert parse_body(urlencode(fields).encode(), None)["text"] == "a payload=1&payload"


SAVE = {"type": "view_submission", "trigger_id": "4.5.def", "user": {"id": "U1"}, "view": {"id": "V1", "type": "modal"}}
CLOSED = {"type": "view_closed", "user": {"id": "U1"}, "view": {"id": "V1", "type": "modal"}}  # no trigger id


def test_a_socket_mode_redelivery_of_a_handled_envelope_is_acked_and_not_handled_again() -> None:
    seen = FakeSeen()
    for body, key in ((EVENT, "event:Ev0123"), (SAVE, "interaction:4.5.def")):
        first = decide_envelope(seen, body, False, NOW)
        assert isinstance(first, Admitted) and first.identity == key
        assert decide_envelope(seen, json.loads(json.dumps(body)), True, NOW) == AlreadyHandled(key)
    assert isinstance(decide_envelope(seen, EVENT, False, NOW), AlreadyHandled)  # an event_id is handled once


def test_a_socket_mode_payload_without_a_trigger_id_is_known_by_its_content_in_any_key_order() -> None:
    seen = FakeSeen()
    first = decide_envelope(seen, CLOSED, False, NOW)
    assert isinstance(first, Admitted) and first.identity and first.identity.startswith("interaction:")
    reordered = dict(reversed(list(CLOSED.items())))
    assert decide_envelope(seen, reordered, True, NOW) == AlreadyHandled(first.identity)
    assert isinstance(decide_envelope(seen, {**CLOSED, "user": {"id": "U2"}}, True, NOW), Admitted)


def test_a_socket_mode_redelivery_of_a_request_whose_handling_failed_is_handled_once() -> None:
    seen = FakeSeen()
    first = decide_envelope(seen, SAVE, False, NOW)
    assert isinstance(first, Admitted) and first.identity
    seen.forget(first.identity)  # the listener failed (5xx): no ack, Slack redelivers
    assert isinstance(decide_envelope(seen, SAVE, True, NOW), Admitted)
    assert isinstance(decide_envelope(seen, SAVE, True, NOW), AlreadyHandled)


def test_url_verification_and_notices_are_never_recorded() -> None:
    seen = FakeSeen()
    notice = {"type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1, "api_app_id": "A1"}
    assert decide_envelope(seen, notice, True, NOW) == Admitted(notice) and seen.keys == set()
