"""Verify a Stripe webhook (signature and age) and read its event."""

from __future__ import annotations

import json

import stripe

from payments.stripe import parsing
from payments.stripe.errors import BadSignature
from payments.stripe.models import Event

TOLERANCE_SECONDS = 300


def verify_event(payload: bytes, signature: str | None, secret: str, tolerance: int = TOLERANCE_SECONDS) -> Event:
    """The event in a webhook body whose `Stripe-Signature` is valid and at most `tolerance` old.

    The SDK checks the signature (`WebhookSignature.verify_header`); the body is then read as
    plain JSON (the SDK's `StripeObject`, which `construct_event` would build, is not needed).

    Raises:
        BadSignature: missing, forged or stale signature, or a body that is not an event.
    """
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature or "", secret, tolerance)
        return parsing.event(json.loads(text))
    except (stripe.SignatureVerificationError, ValueError) as error:  # JSON and UTF-8 errors are ValueErrors
        raise BadSignature(str(error).split(".")[0]) from None
    except (KeyError, TypeError, AttributeError):
        raise BadSignature("not an event") from None
