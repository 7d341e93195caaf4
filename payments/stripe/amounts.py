"""Stripe's integer amounts to `Money` and back, by Stripe's own currency rules.

Stripe's zero-decimal currencies are sent as whole units; ISK is zero-decimal but sent as a
two-decimal amount (always a multiple of 100); the three-decimal currencies are sent in
thousandths. Every other currency is sent in hundredths.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import Money

ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                          "VUV", "XAF", "XOF", "XPF"})  # fmt: skip
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def stripe_exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def to_money(amount: int, currency: str) -> Money:
    """`Money` for a Stripe amount (e.g. 12999 "usd" -> 129.99 USD).

    Raises:
        domain.errors.InvalidInput: when the amount has more precision than the currency allows.
    """
    return Money(Decimal(int(amount)).scaleb(-stripe_exponent(currency)), currency)


def to_stripe(money: Money) -> int:
    """The Stripe amount for `money` (129.99 USD -> 12999)."""
    return int(money.amount.scaleb(stripe_exponent(money.currency)))
