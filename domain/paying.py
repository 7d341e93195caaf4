"""Asking the processor to pay an attempt's invoices, and what follows a payment there.

Each attempt pays its invoices oldest due first (``lines_of``), under its own idempotency key
committed before the call; a processor that pays invoice by invoice derives each invoice's key
from it. When the processor does not answer, it is asked again under the same key, never twice.
"""

from __future__ import annotations

import logging

from domain.errors import PaymentPending
from domain.model import Card
from domain.ports import ChargeLine, ChargeResult, GatewayUnreachable, PaymentGateway
from domain.records import Outcome, SettlementAttempt

log = logging.getLogger(__name__)


def lines_of(attempt: SettlementAttempt) -> tuple[ChargeLine, ...]:
    """The attempt's invoices in the order it pays them (the order it recorded: oldest due first)
    with the amounts it was made for; one line for the whole amount for an attempt that kept none."""
    made_for = attempt.made_for()
    if made_for is None:
        return (ChargeLine(",".join(attempt.invoice_ids), attempt.amount),)
    return tuple(ChargeLine(invoice_id, amount) for invoice_id, amount in made_for.items())


def charge_once(gateway: PaymentGateway, attempt: SettlementAttempt, card: Card, tries: int = 2) -> ChargeResult:
    """Pay; when the processor does not answer, ask again under the same key (never twice)."""
    for number in range(1, tries + 1):
        try:
            return gateway.pay(idempotency_key=attempt.idempotency_key, token=card.token, lines=lines_of(attempt))
        except GatewayUnreachable as exc:
            if number == tries:
                raise PaymentPending(last4=card.last4) from exc
    raise AssertionError("unreachable")


def adopt_card(gateway: PaymentGateway, attempt: SettlementAttempt, token: str) -> None:
    """After a settlement paid everything, its card becomes the subscription's card at the
    processor too. The payment stands whatever happens here: a failure is logged, not raised."""
    if attempt.outcome is not Outcome.SUCCEEDED:
        return
    try:
        key = f"{attempt.idempotency_key}:default"
        gateway.make_default(idempotency_key=key, subscription_id=attempt.subscription_id, token=token)
    except GatewayUnreachable as exc:
        log.warning("attempt %s paid, but its card was not made the subscription's default: %s", attempt.id, exc)
