"""Committing a gateway's answer: the second half of a settlement."""

from __future__ import annotations

import uuid
from dataclasses import replace

from domain.model import InvoiceStatus, SubscriptionStatus
from domain.ports import ChargeResult, ChargeStatus, Clock, UnitOfWork
from domain.records import Outcome, Payment, SettlementAttempt

_OUTCOMES = {
    ChargeStatus.SUCCEEDED: Outcome.SUCCEEDED,
    ChargeStatus.DECLINED: Outcome.DECLINED,
    ChargeStatus.ERROR: Outcome.FAILED,
}


def apply_outcome(
    uow: UnitOfWork, clock: Clock, attempt: SettlementAttempt, charge: ChargeResult
) -> SettlementAttempt:
    """Record the outcome; on success pay the invoices, reactivate, and flag the alert.

    Idempotent: an attempt already final is returned as stored.
    """
    with uow:
        stored = uow.attempts.get(attempt.id)
        if stored is not None and stored.outcome.is_final:
            return stored
        outcome = _OUTCOMES[charge.status]
        finished = attempt.finish(outcome, clock.now(), charge.reference, charge.decline_code)
        uow.attempts.save(finished)
        if outcome is Outcome.SUCCEEDED:
            _mark_paid(uow, clock, finished)
        uow.commit()
        return finished


def _mark_paid(uow: UnitOfWork, clock: Clock, attempt: SettlementAttempt) -> None:
    invoices = uow.invoices.for_subscriptions([attempt.subscription_id])
    for invoice in invoices.get(attempt.subscription_id, []):
        if invoice.id in attempt.invoice_ids:
            uow.invoices.save(replace(invoice, status=InvoiceStatus.PAID))
    subscription = uow.subscriptions.get(attempt.subscription_id, lock=True)
    if subscription is not None:
        uow.subscriptions.save(
            replace(subscription, status=SubscriptionStatus.ACTIVE, payment_method_id=attempt.card_id)
        )
    uow.payments.add(
        Payment(
            str(uuid.uuid4()), attempt.subscription_id, attempt.id, attempt.card_id,
            attempt.actor, attempt.amount, clock.now(),
        )
    )
    alert = uow.alerts.open_for(attempt.subscription_id)
    if alert is not None:
        uow.alerts.save(
            replace(alert, settled_attempt_id=attempt.id, version=alert.version + 1)
        )
