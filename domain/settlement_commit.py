"""Committing a gateway's answer: the second half of a settlement.

Whoever commits an outcome (the Save that charged, or reconciliation) takes the attempt's
row lock first and re-reads it, so only one of them records it; ``payments.attempt_id`` is
unique besides.

When a charge succeeded but an invoice it was made for changed meanwhile (paid elsewhere,
voided, its amount corrected), the payment is still recorded as it happened (the money
moved), and only the invoices still open with the amounts the attempt was made for are
marked paid: an invoice is never marked paid for an amount other than its own. The others
stay open, and the subscription and its alert are left as they are, for a person to review.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

from domain.model import Invoice, InvoiceStatus, SubscriptionStatus
from domain.ports import ChargeResult, ChargeStatus, Clock, UnitOfWork
from domain.records import Outcome, Payment, SettlementAttempt

log = logging.getLogger(__name__)
_OUTCOMES = {
    ChargeStatus.SUCCEEDED: Outcome.SUCCEEDED,
    ChargeStatus.DECLINED: Outcome.DECLINED,
    ChargeStatus.ERROR: Outcome.FAILED,
    ChargeStatus.REQUIRES_ACTION: Outcome.ACTION_REQUIRED,
    ChargeStatus.PARTIAL: Outcome.PARTIAL,
}


def apply_outcome(
    uow: UnitOfWork, clock: Clock, attempt: SettlementAttempt, charge: ChargeResult
) -> SettlementAttempt:
    """Record the outcome; on success pay the invoices, reactivate, and flag the alert.

    Idempotent: an attempt already final is returned as stored.
    """
    return record_outcome(uow, clock, attempt, charge)[0]


def record_outcome(
    uow: UnitOfWork, clock: Clock, attempt: SettlementAttempt, charge: ChargeResult
) -> tuple[SettlementAttempt, bool]:
    """``apply_outcome``, and whether this call recorded it (False: it was already final)."""
    with uow:
        stored = uow.attempts.get(attempt.id, lock=True) or attempt
        if stored.outcome.is_final:
            return stored, False
        finished = finish_with(stored, clock, charge)
        uow.attempts.save(finished)
        if finished.outcome is Outcome.SUCCEEDED:
            _record_payment(uow, clock, finished)
        elif finished.outcome is Outcome.PARTIAL:
            _record_partial_payment(uow, clock, finished)
        uow.commit()
        return finished, True


def finish_with(attempt: SettlementAttempt, clock: Clock, charge: ChargeResult) -> SettlementAttempt:
    """The attempt ended as the processor says; a partial payment names the invoices it paid."""
    outcome = _OUTCOMES[charge.status]
    paid = charge.paid_invoice_ids(attempt.invoice_ids) if outcome is Outcome.PARTIAL else None
    return attempt.finish(outcome, clock.now(), charge.reference, charge.decline_code, paid=paid,
                          action_url=charge.action_url)  # fmt: skip


def supersede(uow: UnitOfWork, clock: Clock, attempt: SettlementAttempt) -> tuple[SettlementAttempt, bool]:
    """End a never-charged attempt whose invoices changed: no charge, audited as superseded."""
    with uow:
        stored = uow.attempts.get(attempt.id, lock=True) or attempt
        if stored.outcome.is_final:
            return stored, False
        finished = stored.finish(Outcome.SUPERSEDED, clock.now(), None, "balance_changed")
        uow.attempts.save(finished)
        uow.commit()
        return finished, True


def covered_invoices(uow: UnitOfWork, attempt: SettlementAttempt) -> list[Invoice]:
    """The attempt's invoices that are still open with the amounts it was made for.

    For an attempt made before per-invoice amounts were kept: all of its invoices if they are
    all still open and add up to its amount, otherwise none."""
    mine = {
        i.id: i for i in uow.invoices.for_subscriptions([attempt.subscription_id]).get(attempt.subscription_id, [])
        if i.id in attempt.invoice_ids and i.status is InvoiceStatus.OPEN
    }  # fmt: skip
    made_for = attempt.made_for()
    if made_for is not None:
        return [i for i in mine.values() if i.amount == made_for[i.id]]
    amounts = [i.amount.minor_units() for i in mine.values() if i.amount.currency == attempt.amount.currency]
    complete = len(amounts) == len(attempt.invoice_ids) and sum(amounts) == attempt.amount.minor_units()
    return list(mine.values()) if complete else []


def _record_partial_payment(uow: UnitOfWork, clock: Clock, attempt: SettlementAttempt) -> None:
    """Some invoices paid: those (still open as made for) become paid, the payment records the
    paid part, and the alert is refreshed to show what is still owed; the subscription stays
    past due."""
    paid = set(attempt.paid_invoice_ids or ())
    for invoice in covered_invoices(uow, attempt):
        if invoice.id in paid:
            uow.invoices.save(replace(invoice, status=InvoiceStatus.PAID))
    uow.payments.add(
        Payment(str(uuid.uuid4()), attempt.subscription_id, attempt.id, attempt.card_id, attempt.actor,
                attempt.paid_amount(), clock.now())
    )  # fmt: skip
    alert = uow.alerts.open_for(attempt.subscription_id)
    if alert is not None:
        uow.alerts.save(replace(alert, version=alert.version + 1))


def _record_payment(uow: UnitOfWork, clock: Clock, attempt: SettlementAttempt) -> None:
    covered = covered_invoices(uow, attempt)
    for invoice in covered:
        uow.invoices.save(replace(invoice, status=InvoiceStatus.PAID))
    uow.payments.add(
        Payment(
            str(uuid.uuid4()), attempt.subscription_id, attempt.id, attempt.card_id,
            attempt.actor, attempt.amount, clock.now(),
        )
    )  # fmt: skip
    if len(covered) < len(attempt.invoice_ids):
        changed = sorted(set(attempt.invoice_ids) - {i.id for i in covered})
        log.warning("attempt %s charged, but invoices %s changed meanwhile: left open for review", attempt.id, changed)
        return
    subscription = uow.subscriptions.get(attempt.subscription_id, lock=True)
    if subscription is not None:
        uow.subscriptions.save(
            replace(subscription, status=SubscriptionStatus.ACTIVE, payment_method_id=attempt.card_id)
        )
    alert = uow.alerts.open_for(attempt.subscription_id)
    if alert is not None:
        uow.alerts.save(replace(alert, settled_attempt_id=attempt.id, version=alert.version + 1))
