"""Stripe as the sync's `BillingReader`: every customer and the served ones read whole
(`full_read`, pipelined), some customers' billing read whole, the changes (events) since a cursor,
and single objects read again, as the domain's plain values.

A snapshot lists each customer's cards (Stripe lists payment methods per customer only); its
subscriptions and open invoices are listed per customer too, or account-wide (100 a page, kept
for the customers asked) once the customers asked are `ACCOUNT_WIDE_FROM` or more, where the few
account-wide pages cost less than two requests a customer. The lists are read `READERS` at a time
(each account-wide list follows its pages in turn beside the per-customer ones); the client's
pacing (`pacing`) keeps them all within Stripe's rate limits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import stripe
from stripe.params import EventListParams, InvoiceListParams, SubscriptionListParams

from domain.billing import (
    CardGone,
    Change,
    Changes,
    CursorExpired,
    EventRef,
    ReadBatch,
    RemoteCard,
    RemoteCustomer,
    RemoteInvoice,
    RemoteSubscription,
    Snapshot,
)
from payments.stripe import models, parsing, reading
from payments.stripe.errors import StripeNotFound
from payments.stripe.full_read import ACCOUNT_WIDE_FROM, FullRead
from payments.stripe.remote import call, card, customer, maybe, subscription

T = TypeVar("T")
PAGE = reading.PAGE
READERS = 16  # requests in flight at once: the rate limit (100/s) at 50-150 ms a request needs 5-15
# What the sync reads from the events list (Stripe takes at most 20 types).
SYNC_EVENTS = (
    "customer.created", "customer.updated", "customer.subscription.created", "customer.subscription.updated",
    "customer.subscription.deleted", "invoice.finalized", "invoice.updated", "invoice.paid",
    "invoice.payment_succeeded", "invoice.payment_failed", "invoice.voided", "invoice.marked_uncollectible",
    "payment_method.attached", "payment_method.detached", "payment_method.updated",
    "payment_method.automatically_updated",
)  # fmt: skip
# What a webhook's event makes settlebot read again (customers are the sync's: they decide links).
WEBHOOK_EVENTS = frozenset(SYNC_EVENTS) - {"customer.created", "customer.updated", "invoice.updated"} | {
    "checkout.session.completed"  # a card added on Stripe's hosted page (domain.card_checkout)
}
SETTLEMENT_KEY_PREFIX = "settle:"  # settlebot's settlement attempts' idempotency keys (domain.settlement)


class StripeReader:
    """Implements `domain.billing.BillingReader` over a `StripeClient`.

    Args:
        client: the account's client (`payments.stripe.config.make_client`).
        zone: the business time zone, for invoices' due dates.
    """

    def __init__(self, client: stripe.StripeClient, zone: dt.tzinfo) -> None:
        self._client, self._zone = client, zone

    def latest_cursor(self) -> str | None:
        params: EventListParams = {"limit": 1}
        newest = call(lambda: self._client.v1.events.list(params).data)
        return newest[0].id if newest else None

    def read_all(self, serves: Callable[[RemoteCustomer], bool]) -> Iterator[ReadBatch]:
        """Every customer, and those `serves` keeps read whole, in parts (`full_read`)."""
        pool = ThreadPoolExecutor(READERS, thread_name_prefix="stripe-read")
        read = FullRead(self._client, serves, pool, self._invoice)
        try:
            yield from read.parts()
        finally:
            read.stop()  # after a failure, the long lists end at their next page
            pool.shutdown(cancel_futures=True)  # and the reads not started are dropped

    def customer(self, customer_id: str) -> RemoteCustomer | None:
        found = maybe(lambda: parsing.plain(self._client.v1.customers.retrieve(customer_id)))
        return None if found is None or found.get("deleted") else customer(found)

    def snapshot(self, customer_ids: Sequence[str]) -> Snapshot:
        pool = ThreadPoolExecutor(READERS, thread_name_prefix="stripe-read")
        try:
            return self._snapshot(pool, customer_ids)
        finally:
            pool.shutdown(cancel_futures=True)  # after a failure, the reads not started are dropped

    def _snapshot(self, pool: ThreadPoolExecutor, customer_ids: Sequence[str]) -> Snapshot:
        client, wide = self._client, len(set(customer_ids)) >= ACCOUNT_WIDE_FROM
        if wide:
            subs_later, invoices_later = self._account_wide(pool, set(customer_ids))
        cards = [card(c) for c in _each(pool, partial(reading.cards, client), customer_ids)]
        if wide:
            subs, invoices = subs_later.result(), invoices_later.result()
        else:
            subs = _each(pool, partial(reading.subscriptions, client), customer_ids)
            invoices = _each(pool, partial(reading.open_invoices, client), customer_ids)
        return Snapshot(cards, [subscription(s) for s in subs], [self._invoice(i) for i in invoices])

    def _account_wide(
        self, pool: ThreadPoolExecutor, wanted: set[str]
    ) -> tuple[Future[list[models.Subscription]], Future[list[models.Invoice]]]:  # fmt: skip
        subs_params: SubscriptionListParams = {"status": "all", "limit": PAGE}
        open_params: InvoiceListParams = {"status": "open", "limit": PAGE}

        def subs() -> list[models.Subscription]:
            found = reading.listed(self._client, "/v1/subscriptions", subs_params)
            return [s for s in map(parsing.subscription, found) if s.customer in wanted]

        def invoices() -> list[models.Invoice]:
            found = reading.listed(self._client, "/v1/invoices", open_params)
            return [i for i in map(parsing.invoice, found) if i.customer in wanted]

        return pool.submit(call, subs), pool.submit(call, invoices)

    def changes_since(self, cursor: str) -> Changes:
        try:
            events = call(lambda: list(reading.events_since(self._client, cursor, list(SYNC_EVENTS))), expired=True)
        except StripeNotFound as error:
            raise CursorExpired(cursor) from error
        read = [(change, event_ref(e)) for e in events if (change := self.change(e)) is not None]
        return Changes([c for c, _ in read], events[-1].id if events else cursor, [ref for _, ref in read])

    def change(self, event: models.Event) -> Change | None:
        """What an event says changed (its object as it was then), or None for other events."""
        obj, kind = event.object, event.type
        if kind.startswith("customer.subscription."):
            return subscription(parsing.subscription(obj))
        if kind in ("customer.created", "customer.updated"):
            return customer(obj)
        if kind == "payment_method.detached":
            return CardGone(str(obj["id"]))
        if kind.startswith("payment_method.") and obj.get("type") == "card":
            return card(parsing.card(obj))
        if kind.startswith("invoice.") and obj.get("status") != "draft":
            return self._invoice(parsing.invoice(obj))
        return None

    def invoice(self, invoice_id: str) -> RemoteInvoice | None:
        found = maybe(lambda: reading.invoice(self._client, invoice_id))
        return None if found is None else self._invoice(found)

    def subscription(self, subscription_id: str) -> RemoteSubscription | None:
        found = maybe(lambda: parsing.plain(self._client.v1.subscriptions.retrieve(subscription_id)))
        return None if found is None else subscription(parsing.subscription(found))

    def card(self, card_id: str) -> RemoteCard | None:
        found = maybe(lambda: parsing.plain(self._client.v1.payment_methods.retrieve(card_id)))
        return None if found is None or found.get("type") != "card" else card(parsing.card(found))

    def _invoice(self, found: models.Invoice) -> RemoteInvoice:
        due = found.due_date if found.due_date is not None else found.created  # charged automatically: due at once
        retry = found.next_payment_attempt
        return RemoteInvoice(
            found.id, found.customer, found.subscription, found.status, found.remaining, found.amount_due,
            dt.datetime.fromtimestamp(due, self._zone).date(), found.attempt_count,
            dt.datetime.fromtimestamp(retry, dt.UTC) if retry else None,
        )  # fmt: skip


def event_ref(event: models.Event) -> EventRef | None:
    """What acting on an event needs (a webhook's, or one the sync read), or None when settlebot
    does nothing with its type beyond copying its object."""
    if event.type not in WEBHOOK_EVENTS:
        return None
    obj = event.object
    kind = "card" if event.type.startswith("payment_method.") else event.type.split(".")[-2]
    kind = "subscription" if event.type.startswith("customer.subscription.") else kind
    kind = "checkout" if event.type.startswith("checkout.session.") else kind
    owner = obj.get("customer") or (event.previous_attributes.get("customer") if kind == "card" else None)
    ours = (event.idempotency_key or "").startswith(SETTLEMENT_KEY_PREFIX)
    return EventRef(event.id, event.type, kind, str(obj["id"]), _plain_id(owner), event.request_id is None, ours)


def _plain_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return str(value.get("id"))
    return str(value) if value else None


def _each(pool: ThreadPoolExecutor, read: Callable[[str], list[T]], customer_ids: Sequence[str]) -> list[T]:
    """`read` of every customer, several at a time, in the customers' order, flattened."""
    return [item for found in pool.map(lambda cid: call(partial(read, cid)), customer_ids) for item in found]
