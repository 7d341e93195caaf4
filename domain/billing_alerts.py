"""What a billing system's event does to the subscription's alert, once its object is applied.

- ``invoice.payment_failed`` on an open invoice: the subscription's alert is opened at once (not
  only at the daily scan), or brought up to date with the new attempt count and next retry;
- the last open invoice paid, voided or written off: the alert is closed with the reason ("paid by
  Stripe's automatic retry" when no request caused the payment, else "paid in Stripe"), except
  when settlebot's own settlement paid it (that settlement marks the alert settled itself);
- the subscription's status or its card (e.g. the network's automatic update) changed: the alert
  is brought up to date.

Decisions rest on the state read again from Stripe and on what the copy held before, never on the
order events arrive in: an event handled twice, or late, changes nothing more. An alert changes
by a new version, so the deliverer (the outbox) posts or updates it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from domain.billing import EventRef
from domain.billing_mirror import card_id_for
from domain.model import Card, Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from domain.ports import UnitOfWork
from domain.records import Alert, ClosedReason

# The subscription statuses an alert shows (others, e.g. active, go unsaid: a change to one of
# them does not update the alert by itself).
STATUSES_SHOWN = ("past_due", "unpaid", "canceled", "paused", "incomplete_expired")
PAID_EVENTS = frozenset({"invoice.paid", "invoice.payment_succeeded"})
CLOSING = {"invoice.voided": ClosedReason.VOIDED, "invoice.marked_uncollectible": ClosedReason.UNCOLLECTIBLE}


@dataclass(frozen=True, slots=True)
class Before:
    """The event's object as settlebot's copy held it before the event was applied."""

    invoice: Invoice | None = None
    subscription: Subscription | None = None
    card: Card | None = None


def before(uow: UnitOfWork, event: EventRef) -> Before:
    """Read inside the transaction that applies the event."""
    if event.kind == "invoice":
        return Before(invoice=uow.invoices.get(event.object_id))
    if event.kind == "subscription":
        return Before(subscription=uow.subscriptions.get(event.object_id))
    return Before(card=uow.cards.get(card_id_for(event.object_id)))


def react(uow: UnitOfWork, event: EventRef, was: Before, now: dt.datetime, default_channel: str) -> int:
    """Open, update or close alerts after ``event`` was applied; how many alerts changed."""
    if event.kind == "invoice":
        return _invoice_news(uow, event, was.invoice, now, default_channel)
    if event.kind == "subscription":
        current = uow.subscriptions.get(event.object_id, lock=True)
        status = current.billing_status if current else None
        moved = status in STATUSES_SHOWN and (was.subscription is None or was.subscription.billing_status != status)
        return _bump(uow, [event.object_id]) if moved else 0
    card = uow.cards.get(card_id_for(event.object_id))
    if card is None or was.card is None or _face(card) == _face(was.card):
        return 0
    using = [s.id for s in uow.subscriptions.for_accounts([card.account_id]) if s.payment_method_id == card.id]
    return _bump(uow, using)


def _face(card: Card) -> tuple[str, str, int, int]:
    return card.brand, card.last4, card.exp_month, card.exp_year


def _invoice_news(uow: UnitOfWork, event: EventRef, was: Invoice | None, now: dt.datetime, channel: str) -> int:
    invoice = uow.invoices.get(event.object_id)
    # The subscription's row lock: events of one subscription handled at once decide one after the other.
    subscription = uow.subscriptions.get(invoice.subscription_id, lock=True) if invoice else None
    if invoice is None or subscription is None:
        return 0
    alert = uow.alerts.open_for(subscription.id)
    invoices = uow.invoices.for_subscriptions([subscription.id]).get(subscription.id, [])
    still_open = any(i.status is InvoiceStatus.OPEN for i in invoices)
    if not still_open:
        reason = _closing_reason(event, invoice)
        if alert is None or reason is None:
            return 0
        uow.alerts.save(replace(alert, closed_reason=reason.value, closed_at=now, version=alert.version + 1))
        return 1
    if alert is None:
        failed = event.type == "invoice.payment_failed" and invoice.status is InvoiceStatus.OPEN
        return _open_alert(uow, subscription, invoice, now, channel) if failed else 0
    news = was is None or _attempts(was) != _attempts(invoice)
    return _bump(uow, [subscription.id]) if news else 0


def _attempts(invoice: Invoice) -> tuple[InvoiceStatus, int, dt.datetime | None]:
    return invoice.status, invoice.attempt_count, invoice.next_payment_attempt


def _closing_reason(event: EventRef, invoice: Invoice) -> ClosedReason | None:
    """Why the balance is no longer owed, told by the event that closed it (None: another event,
    or settlebot's own settlement, which marks the alert settled)."""
    if event.type in PAID_EVENTS and invoice.status is InvoiceStatus.PAID and not event.by_settlebot:
        return ClosedReason.PAID_BY_RETRY if event.automatic else ClosedReason.PAID_IN_STRIPE
    reason = CLOSING.get(event.type)
    expected = {ClosedReason.VOIDED: InvoiceStatus.VOID, ClosedReason.UNCOLLECTIBLE: InvoiceStatus.UNCOLLECTIBLE}
    return reason if reason is not None and invoice.status is expected[reason] else None


def _open_alert(uow: UnitOfWork, subscription: Subscription, invoice: Invoice, now: dt.datetime, channel: str) -> int:
    """The subscription's alert, opened by a failed payment: the outbox posts it."""
    account = uow.accounts.get(subscription.account_id)
    where = (account.channel if account else None) or channel
    uow.alerts.add([Alert(f"evt-{invoice.id}-{subscription.id}", subscription.id, invoice.id, where, now, 0)])
    if subscription.status is not SubscriptionStatus.PAST_DUE:
        uow.subscriptions.save(replace(subscription, status=SubscriptionStatus.PAST_DUE))
    return 1


def _bump(uow: UnitOfWork, subscription_ids: list[str]) -> int:
    changed = 0
    for subscription_id in subscription_ids:
        alert = uow.alerts.open_for(subscription_id)
        if alert is not None:
            uow.alerts.save(replace(alert, version=alert.version + 1))
            changed += 1
    return changed
