"""Which payments the fake declines, and how, as Stripe's test cards do.

A card declines when its metadata `fake_decline` names a decline code, or when its last 4
digits are those of one of Stripe's test cards below. An invoice whose metadata `fake_decline`
names one declines whatever the card (so a test can have one invoice paid and the next declined).
`authentication_required` (3-D Secure on
an off-session payment) leaves the invoice open and asks for action on its hosted page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

METADATA_KEY = "fake_decline"
REQUIRES_ACTION = "authentication_required"


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str
    message: str


_DECLINES = {
    "insufficient_funds": Decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "expired_card": Decline("expired_card", "expired_card", "Your card has expired."),
    "incorrect_cvc": Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    "card_velocity_exceeded": Decline("card_declined", "card_velocity_exceeded",
                                      "Your card has exceeded its velocity limit."),
    "do_not_honor": Decline("card_declined", "do_not_honor", "Your card was declined."),
    "fraudulent": Decline("card_declined", "fraudulent", "Your card was declined."),
    "generic_decline": Decline("card_declined", "generic_decline", "Your card was declined."),
    "lost_card": Decline("card_declined", "lost_card", "Your card was declined."),
    "stolen_card": Decline("card_declined", "stolen_card", "Your card was declined."),
}  # fmt: skip
DECLINE_CODES = frozenset(_DECLINES) | {REQUIRES_ACTION}

TEST_CARDS = {
    "9995": "insufficient_funds",  # 4000 0000 0000 9995
    "0069": "expired_card",  # 4000 0000 0000 0069
    "0127": "incorrect_cvc",  # 4000 0000 0000 0127
    "6975": "card_velocity_exceeded",  # 4000 0000 0000 6975
    "0002": "generic_decline",  # 4000 0000 0000 0002
    "0019": "fraudulent",  # 4100 0000 0000 0019
    "3184": REQUIRES_ACTION,  # 4000 0027 6000 3184
}


def outcome(payment_method: dict[str, Any], invoice: dict[str, Any] | None = None) -> str | None:
    """The decline code this card gets paying this invoice (None: it pays)."""
    metadata = ((invoice or {}).get("metadata") or {}, payment_method.get("metadata") or {})
    for chosen in (m.get(METADATA_KEY) for m in metadata):
        if chosen in DECLINE_CODES:
            return str(chosen)
    return TEST_CARDS.get(payment_method["card"]["last4"])


def decline(code: str) -> Decline:
    return _DECLINES[code]
