"""What settlebot paid through the billing system (Stripe), invoice by invoice, from its own records
(settlement attempts and the cards they used), and, when asked, each invoice read back from the
billing system and compared.

A Save pays its invoices in order and stops at the first one not paid, so each invoice of an
attempt is: paid, pending (no answer yet), the one that stopped it (the attempt's outcome, with its
reason), or not asked (after that one).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.billing import BillingReader
from domain.money import Money
from domain.ports import UnitOfWork
from domain.records import Outcome, SettlementAttempt

PAID, PENDING, NOT_ASKED = "paid", "pending", "not_asked"
NOT_PAID = "not_paid"  # the invoice that stopped a partial payment (its reason in decline_code)


@dataclass(frozen=True, slots=True)
class Remote:
    """An invoice read back from the billing system, and whether it disagrees with the record."""

    status: str  # open, paid, void, uncollectible; "missing" when the billing system has no such invoice
    amount_due: Money | None
    differs: bool  # settlebot's record and the billing system disagree on what settlebot paid


@dataclass(frozen=True, slots=True)
class InvoiceCharge:
    """One invoice of one settlement attempt."""

    attempt: SettlementAttempt
    invoice_id: str
    amount: Money | None  # as confirmed in the modal (None: an attempt recorded before these were kept)
    outcome: str  # paid, pending, not_asked, not_paid, or the attempt's outcome (declined, requires_action...)
    decline_code: str | None
    card: str | None  # brand and last 4 ("visa 4242"), None once the card is gone from settlebot's copy
    remote: Remote | None = None  # with a check: the invoice as the billing system holds it now


def invoice_charges(uow: UnitOfWork) -> list[InvoiceCharge]:
    """Every invoice of every settlement attempt, oldest attempt first, in the order it was paid."""
    with uow:
        attempts = uow.attempts.all()
        cards = {a.card_id: uow.cards.get(a.card_id) for a in attempts}
    found = []
    for attempt in attempts:
        card = cards[attempt.card_id]
        face = f"{card.brand} {card.last4}" if card is not None else None
        found += [InvoiceCharge(attempt, invoice_id, amount, outcome, code, face)
                  for invoice_id, amount, outcome, code in _lines(attempt)]  # fmt: skip
    return found


def _lines(attempt: SettlementAttempt) -> list[tuple[str, Money | None, str, str | None]]:
    made_for = attempt.made_for() or ({attempt.invoice_ids[0]: attempt.amount} if len(attempt.invoice_ids) == 1 else {})
    paid, stopped = set(attempt.paid_invoices()), False
    lines = []
    for invoice_id in attempt.invoice_ids:
        outcome, code = PAID, None
        if invoice_id not in paid:
            outcome, code = _unpaid(attempt, stopped)
            stopped = True
        lines.append((invoice_id, made_for.get(invoice_id), outcome, code))
    return lines


def _unpaid(attempt: SettlementAttempt, after_the_stop: bool) -> tuple[str, str | None]:
    if attempt.outcome is Outcome.PENDING:
        return PENDING, None
    if after_the_stop:
        return NOT_ASKED, None
    outcome = NOT_PAID if attempt.outcome is Outcome.PARTIAL else attempt.outcome.value
    return outcome, attempt.decline_code


def checked(charges: list[InvoiceCharge], reader: BillingReader) -> list[InvoiceCharge]:
    """The charges with each invoice read back from the billing system (once each). They differ when
    settlebot paid it and the billing system does not hold it paid, or with another amount due than
    the one confirmed (e.g. the invoice was changed, or partly paid elsewhere first); or when an
    attempt is still pending and the billing system holds it paid (reconciliation completes it).
    Raises BillingUnavailable."""
    now = {invoice_id: reader.invoice(invoice_id) for invoice_id in dict.fromkeys(c.invoice_id for c in charges)}
    result = []
    for charge in charges:
        found = now[charge.invoice_id]
        status = found.status if found is not None else "missing"
        due = found.amount_due if found is not None else None
        result.append(replace(charge, remote=Remote(status, due, _differs(charge, status, due))))
    return result


def _differs(charge: InvoiceCharge, status: str, amount_due: Money | None) -> bool:
    if charge.outcome == PENDING:
        return status == "paid"
    if charge.outcome != PAID:
        return False  # not paid by settlebot: whatever happened to it since is not settlebot's charge
    return status != "paid" or (charge.amount is not None and amount_due is not None and amount_due != charge.amount)
