"""Acting on the billing system's events, one path for both ways settlebot learns of them: a webhook
(its object read again from Stripe) and the sync (its object as the events list holds it, the newest
of the changes read). Each event is acted on once, whichever comes first: its id is claimed in the
transaction that applies its object and updates the subscription's alert (``domain.billing_alerts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain import billing_alerts
from domain.billing import BillingReader, CardGone, Change, EventRef, RemoteCard, RemoteInvoice, RemoteSubscription
from domain.billing_mirror import apply, card_id_for
from domain.card_owners import People, with_owners
from domain.ports import Clock, UnitOfWork


def receive_event(uow: UnitOfWork, clock: Clock, event_id: str, type_: str) -> bool:
    """Record a delivered webhook event; False when it was delivered before (handle it only once)."""
    return event_id in receive_events(uow, clock, [(event_id, type_)])


def receive_events(uow: UnitOfWork, clock: Clock, events: Sequence[tuple[str, str]]) -> set[str]:
    """Record delivered webhook events (id, type) in one transaction; the ids delivered for the
    first time (handle only those)."""
    with uow:
        first = uow.links.record_events(events, clock.now())
        uow.commit()
    return first


@dataclass(frozen=True)
class Handled:
    """What acting on an event did: objects applied to the copy, and alerts opened, updated or
    closed (``domain.billing_alerts``; the outbox then posts them). Truthy when anything applied."""

    applied: bool = False
    alerts: int = 0

    def __bool__(self) -> bool:
        return self.applied


def act(
    uow: UnitOfWork, event: EventRef, current: Sequence[Change], linked: set[str], now: dt.datetime, channel: str
) -> Handled:  # fmt: skip
    """Inside a transaction: claim ``event``, apply ``current`` (its object as now known) and update
    the subscription's alert; nothing when the event was acted on before (by a webhook or a sync)."""
    if not uow.links.claim_event(event.id, event.type, now):
        return Handled()
    was = billing_alerts.before(uow, event)
    done = any([apply(uow, change, linked) for change in current])
    return Handled(done, billing_alerts.react(uow, event, was, now, channel) if done else 0)


def handle_event(
    uow: UnitOfWork, reader: BillingReader, clock: Clock, event: EventRef, *, default_channel: str = "",
    people: People | None = None,
) -> Handled:  # fmt: skip
    """A webhook's event: bring its object up to date by reading it again from Stripe, so that events
    handled in any order leave the latest state, and the subscription's alert with it (opened by a
    failed payment, closed when paid, voided or written off in Stripe). Falsy when it concerns no
    linked customer, or the sync acted on it first (nothing done). ``default_channel``: for an alert
    whose account names none."""
    with uow:
        linked = set(uow.links.all())
        known_card = event.kind == "card" and uow.cards.get(card_id_for(event.object_id)) is not None
    if event.customer not in linked and not known_card:
        return Handled()
    current = with_owners(uow, _current(uow, reader, event), people)  # owners in their account's workspace
    with uow:
        done = act(uow, event, current, linked, clock.now(), default_channel)
        uow.commit()
    return done


def _current(uow: UnitOfWork, reader: BillingReader, event: EventRef) -> list[Change]:
    """The event's object as Stripe holds it now (an invoice with its subscription when settlebot
    does not have that yet)."""
    if event.kind == "card":
        card = reader.card(event.object_id)
        return [card if card is not None else CardGone(event.object_id)]
    if event.kind == "subscription":
        subscription = reader.subscription(event.object_id)
        return [subscription] if subscription is not None else []
    invoice = reader.invoice(event.object_id)
    if invoice is None:
        return []
    if invoice.subscription:
        with uow:
            known = uow.subscriptions.get(invoice.subscription) is not None
        parent = None if known else reader.subscription(invoice.subscription)
        if parent is not None:
            return [parent, invoice]
    return [invoice]


def act_on_changes(
    uow: UnitOfWork, changes: Iterable[tuple[Change, EventRef | None]], linked: set[str], now: dt.datetime,
    channel: str,
) -> tuple[int, int]:  # fmt: skip
    """Inside the sync's transaction: the changes read from the events list, oldest first, each
    object as the newest change read holds it (as a webhook reads it again). An event that alerts
    follow is acted on as a webhook's is, once: one a webhook acted on is skipped, its object too
    (that webhook read it later than the event). Returns the objects applied and the alerts changed."""
    changes = list(changes)
    newest = {_key(change): change for change, _ in changes}
    applied, alerts = 0, 0
    for change, event in changes:
        if event is None:  # e.g. invoice.updated: no alert follows it
            applied += apply(uow, newest[_key(change)], linked)
            continue
        done = act(uow, event, _with_parent(uow, newest, newest[_key(change)]), linked, now, channel)
        applied, alerts = applied + done.applied, alerts + done.alerts
    return applied, alerts


def _key(change: Change) -> tuple[str, str]:
    kind = "card" if isinstance(change, (RemoteCard, CardGone)) else type(change).__name__
    return kind, change.id


def _with_parent(uow: UnitOfWork, newest: dict[tuple[str, str], Change], change: Change) -> list[Change]:
    """An invoice with its subscription, from the changes read, when settlebot does not have it yet."""
    if not isinstance(change, RemoteInvoice) or not change.subscription:
        return [change]
    parent = newest.get(("RemoteSubscription", change.subscription))
    if parent is None or uow.subscriptions.get(change.subscription) is not None:
        return [change]
    assert isinstance(parent, RemoteSubscription)
    return [parent, change]
