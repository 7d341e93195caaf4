"""The door's form decoding: the fast path decodes exactly as ``urllib.parse`` does."""

from __future__ import annotations

import json
from urllib.parse import quote_plus, unquote_plus, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.envelope import BadEnvelope, check_envelope, form_value, parse_body

FORM = "application/x-www-form-urlencoded"


@given(st.text())
def test_a_form_encoded_value_decodes_to_what_was_encoded(text: str) -> None:
    assert form_value(quote_plus(text)) == text


# Malformed values too: stray or short escapes, raw '=', line breaks, non-ASCII, '==' pairs.
@given(st.text(alphabet="%=+&aZ09fF\r\n é_.-*~", max_size=40))
def test_any_value_decodes_as_unquote_plus_does(encoded: str) -> None:
    assert form_value(encoded) == unquote_plus(encoded)


@pytest.mark.parametrize("encoded", ["%", "%4", "%zz", "a%%41", "%3d%3D", "=41", "%41=", "%E4%BD%A0%E5%A5%BD", "%FF"])
def test_edge_cases_decode_as_unquote_plus_does(encoded: str) -> None:
    assert form_value(encoded) == unquote_plus(encoded)


def test_an_interaction_payload_is_parsed_from_its_form() -> None:
    payload = {"type": "view_submission", "user": {"id": "U1"}, "view": {
        "id": "V1", "type": "modal", "callback_id": "settle_modal", "private_metadata": '{"a": "100% = 1+1 & 你好"}',
        "state": {"values": {}}}}  # fmt: skip
    body = parse_body(urlencode({"payload": json.dumps(payload)}).encode(), FORM)
    assert body == payload


def test_a_payload_that_is_not_json_is_refused() -> None:
    with pytest.raises(BadEnvelope, match="payload is not JSON"):
        parse_body(b"payload=%7B%22type%22", FORM)


def _submission(**extra: object) -> dict[str, object]:
    view = {"id": "V0001", "type": "modal", "callback_id": "settle_modal"}
    return {"type": "view_submission", "user": {"id": "U0001"}, "view": view, **extra}


def test_a_null_response_urls_is_refused_at_the_door() -> None:
    """Bolt takes the length of any ``response_urls`` present: null would be a 500 there."""
    check_envelope(_submission(response_urls=[]))
    check_envelope(_submission(authorizations=None))  # Bolt checks this one for null itself
    with pytest.raises(BadEnvelope):
        check_envelope(_submission(response_urls=None))


def test_slack_generated_block_and_action_ids_of_any_characters_are_accepted() -> None:
    for block_id in ("=qXel", "+5B", "5ar+", "O/wND", "6o=R6", "g35A/", "x" * 255, "a b\u00e9"):
        click = {"type": "block_actions", "user": {"id": "U1"}, "trigger_id": "1.2.x",
                 "actions": [{"action_id": "WaX+", "block_id": block_id}]}  # fmt: skip
        parsed = parse_body(urlencode({"payload": json.dumps(click)}).encode(), FORM)
        assert parsed["actions"][0]["block_id"] == block_id
    too_long = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "a", "block_id": "x" * 256}]}
    with pytest.raises(BadEnvelope):
        check_envelope(too_long)
    with pytest.raises(BadEnvelope):
        check_envelope({**too_long, "actions": [{"action_id": 5}]})


def test_app_rate_limited_is_accepted_at_the_door() -> None:
    body = {"token": "x", "type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1518467820}
    assert parse_body(json.dumps(body).encode(), "application/json") == body
