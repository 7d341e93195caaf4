"""Signatures as Slack computes them, checked with slack_sdk's own verifier."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

from sandbox.signing import sign

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_a_signed_body_passes_slack_sdks_verifier() -> None:
    body = b"token=x&team_id=T1&command=%2Fsettle&text=acme"

    headers = sign(SECRET, body)

    assert SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_the_signature_matches_slack_sdks_for_a_given_timestamp() -> None:
    body = b'{"type":"event_callback"}'

    headers = sign(SECRET, body, timestamp=1_700_000_000)

    expected = SignatureVerifier(SECRET).generate_signature(timestamp="1700000000", body=body)
    assert headers == {"X-Slack-Signature": expected, "X-Slack-Request-Timestamp": "1700000000"}


def test_a_wrong_secret_or_an_old_timestamp_does_not_verify() -> None:
    body = b"payload=%7B%7D"
    verifier = SignatureVerifier(SECRET)

    assert not verifier.is_valid_request(body, sign("another-secret", body))
    assert not verifier.is_valid_request(body, sign(SECRET, body, int(time.time()) - 600))
