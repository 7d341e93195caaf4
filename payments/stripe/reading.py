"""Reading a customer's billing from Stripe, 100 objects per request, following every page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import stripe
from stripe.params import EventListParams, InvoiceListParams, PaymentMethodListParams, SubscriptionListParams

from payments.stripe import parsing
from payments.stripe.errors import mapped_errors
from payments.stripe.models import Card, Event, Invoice, Subscription

PAGE = 100


def subscriptions(client: stripe.StripeClient, customer: str) -> list[Subscription]:
    """The customer's subscriptions of every status (canceled ones included)."""
    params: SubscriptionListParams = {"customer": customer, "status": "all", "limit": PAGE}
    with mapped_errors():
        pages = client.v1.subscriptions.list(params).auto_paging_iter()
        return [parsing.subscription(parsing.plain(s)) for s in pages]


def open_invoices(client: stripe.StripeClient, customer: str) -> list[Invoice]:
    """The customer's open invoices, oldest due first (then oldest created)."""
    params: InvoiceListParams = {"customer": customer, "status": "open", "limit": PAGE}
    with mapped_errors():
        found = [parsing.invoice(parsing.plain(i)) for i in client.v1.invoices.list(params).auto_paging_iter()]
    return sorted(found, key=lambda i: (i.due_date if i.due_date is not None else i.created, i.created, i.id))


def cards(client: stripe.StripeClient, customer: str) -> list[Card]:
    """The card payment methods attached to the customer."""
    params: PaymentMethodListParams = {"customer": customer, "type": "card", "limit": PAGE}
    with mapped_errors():
        return [parsing.card(parsing.plain(p)) for p in client.v1.payment_methods.list(params).auto_paging_iter()]


def listed(client: stripe.StripeClient, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object of a list (`/v1/invoices`...) as plain JSON, newest first, a page at a time."""
    for page in pages(client, path, params):
        yield from page


def pages(client: stripe.StripeClient, path: str, params: Mapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """A list's pages of plain JSON objects, read raw: building the SDK's objects costs about 150 ms
    of CPU for a page of 100 invoices, which would hold a large sync below Stripe's rate limit."""
    query = dict(params)
    while True:
        with mapped_errors():
            page = client.raw_request("get", path, **query).data
        yield page["data"]
        if not page["has_more"] or not page["data"]:
            return
        query["starting_after"] = page["data"][-1]["id"]


def invoice(client: stripe.StripeClient, invoice_id: str) -> Invoice:
    """One invoice as Stripe holds it now."""
    with mapped_errors():
        return parsing.invoice(parsing.plain(client.v1.invoices.retrieve(invoice_id)))


def events_since(client: stripe.StripeClient, last_seen: str | None, types: list[str] | None = None) -> Iterator[Event]:
    """Events newer than `last_seen`, oldest first (all events Stripe still keeps when None).

    Stripe lists events newest first; from a cursor the SDK pages toward newer ones with
    `ending_before` and hands them over oldest first.
    """
    params: EventListParams = {"limit": PAGE}
    if types:
        params["types"] = types
    with mapped_errors():
        if last_seen is None:
            newest_first = list(client.v1.events.list(params).auto_paging_iter())
            yield from (parsing.event(parsing.plain(e)) for e in reversed(newest_first))
            return
        params["ending_before"] = last_seen
        for item in client.v1.events.list(params).auto_paging_iter():
            yield parsing.event(parsing.plain(item))
