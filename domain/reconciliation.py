"""Completing settlements left pending by a crash or a silent processor.

A pending attempt the processor has a record for (under its idempotency key) is completed
from that record at once, whatever its age: recording an outcome is idempotent and takes the
attempt's row lock, so it is safe even while the Save that made it is still running. Only a
key the processor has never seen waits for ``grace`` (its Save may still be about to
charge); then it is charged again under the same key if its invoices are still open with
the amounts it was made for, and otherwise ends as superseded, with no charge.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol, runtime_checkable

from domain.errors import PaymentPending
from domain.model import Card
from domain.paying import adopt_card, charge_once, lines_of
from domain.ports import (
    ChargeResult,
    ChargeStatus,
    Clock,
    DeliveryFailed,
    GatewayUnreachable,
    PaymentGateway,
    UnitOfWork,
)
from domain.records import SettlementAttempt
from domain.settlement import SettlementResult
from domain.settlement_commit import covered_invoices, record_outcome, supersede

log = logging.getLogger(__name__)


@runtime_checkable
class PayerNotifier(Protocol):
    def tell_payer(self, result: SettlementResult) -> None:
        """Tell the person who pressed Save how their settlement ended (DeliveryFailed if not now)."""
        ...


def reconcile(
    uow: UnitOfWork, gateway: PaymentGateway, clock: Clock, grace: dt.timedelta = dt.timedelta(0),
    notifier: PayerNotifier | None = None,
) -> list[SettlementAttempt]:  # fmt: skip
    """Complete every pending attempt that can be completed now; returns those this run recorded.

    The person who pressed Save is told of each (when a notifier is given). An attempt the
    processor does not answer for stays pending for the next run.
    """
    with uow:
        pending = uow.attempts.pending()
    done = []
    for attempt in pending:
        finished = _complete(uow, gateway, clock, attempt, grace)
        if finished is not None:
            done.append(finished)
            if notifier is not None:
                _tell(uow, notifier, finished)
    return done


def _complete(
    uow: UnitOfWork, gateway: PaymentGateway, clock: Clock, attempt: SettlementAttempt, grace: dt.timedelta
) -> SettlementAttempt | None:
    try:
        charge = gateway.find_payment(attempt.idempotency_key, lines_of(attempt), token=_token_of(uow, attempt))
        if charge is None:
            if attempt.created_at > clock.now() - grace:
                return None  # its Save may still be about to charge
            if not _still_owed(uow, attempt):
                finished, recorded = supersede(uow, clock, attempt)
                return finished if recorded else None
            charge = _charge_again(uow, gateway, attempt)
    except (GatewayUnreachable, PaymentPending):
        return None
    finished, recorded = record_outcome(uow, clock, attempt, charge)
    if recorded:
        _adopt(uow, gateway, finished)
    return finished if recorded else None


def _adopt(uow: UnitOfWork, gateway: PaymentGateway, attempt: SettlementAttempt) -> None:
    with uow:
        card = uow.cards.get(attempt.card_id)
    if card is not None:
        adopt_card(gateway, attempt, card.token)


def _token_of(uow: UnitOfWork, attempt: SettlementAttempt) -> str | None:
    with uow:
        card = uow.cards.get(attempt.card_id)
    return None if card is None else card.token


def _still_owed(uow: UnitOfWork, attempt: SettlementAttempt) -> bool:
    with uow:
        return len(covered_invoices(uow, attempt)) == len(attempt.invoice_ids)


def _charge_again(uow: UnitOfWork, gateway: PaymentGateway, attempt: SettlementAttempt) -> ChargeResult:
    with uow:
        card = uow.cards.get(attempt.card_id)
    if card is None:
        return ChargeResult(ChargeStatus.DECLINED, decline_code="card_removed")
    return charge_once(gateway, attempt, card, tries=1)


def _tell(uow: UnitOfWork, notifier: PayerNotifier, attempt: SettlementAttempt) -> None:
    result = _result_of(uow, attempt)
    if result is None:
        return
    try:
        notifier.tell_payer(result)
    except DeliveryFailed as exc:
        log.warning("the payer of attempt %s was not told (%s)", attempt.id, exc)


def _result_of(uow: UnitOfWork, attempt: SettlementAttempt) -> SettlementResult | None:
    with uow:
        subscription = uow.subscriptions.get(attempt.subscription_id)
        account = uow.accounts.get(attempt.account_id)
        card = uow.cards.get(attempt.card_id)
    if subscription is None or account is None:
        return None
    if card is None:  # removed since: what the audit record still knows of it
        card = Card(attempt.card_id, account.id, "card", "????", 1, 1970, attempt.actor, "")
    return SettlementResult(attempt, card, subscription, account)
