"""A fake billing system of record for the sync's unit tests: its objects, a change log, calls counted."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal

from domain.billing import (
    BillingUnavailable,
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
from domain.money import Money


class FakeReader:
    """Stripe as plain values. Every change made through it is logged, as Stripe's events are."""

    def __init__(self) -> None:
        self.customers_: dict[str, RemoteCustomer] = {}
        self.cards: dict[str, RemoteCard] = {}
        self.subscriptions: dict[str, RemoteSubscription] = {}
        self.invoices: dict[str, RemoteInvoice] = {}
        self.log: list[tuple[str, Change, EventRef | None]] = []
        self.forgotten = 0  # changes older than this many are no longer kept
        self.calls: Counter[str] = Counter()
        self.down = False
        self.fails_after: int | None = None

    # -- Stripe's side -----------------------------------------------------------------------

    def put(self, obj: Change, event: str | None = None, *, automatic: bool = False, ours: bool = False) -> EventRef:
        """Change an object, as Stripe's event ``event`` says (None: one no alert follows, e.g.
        ``customer.updated``); returns the event as a webhook would deliver it."""
        if isinstance(obj, RemoteCustomer):
            self.customers_[obj.id] = obj
        elif isinstance(obj, RemoteCard):
            self.cards[obj.id] = obj
        elif isinstance(obj, RemoteSubscription):
            self.subscriptions[obj.id] = obj
        elif isinstance(obj, RemoteInvoice):
            self.invoices[obj.id] = obj
        elif isinstance(obj, CardGone):
            self.cards[obj.id] = replace(self.cards[obj.id], customer=None)
        ref = _ref(f"evt_{len(self.log) + 1}", event or "", obj, automatic, ours)
        self.log.append((ref.id, obj, ref if event else None))
        return ref

    def customer_with_billing(self, cid: str, *, invoices: int = 1, channel: str | None = None) -> None:
        self.put(RemoteCustomer(cid, f"Customer {cid}", "USD", channel))
        self.put(card(cid, f"pm_{cid}"))
        self.put(RemoteSubscription(f"sub_{cid}", cid, "Pro plan", "past_due", "usd", f"pm_{cid}"))
        for n in range(invoices):
            self.put(invoice(f"in_{cid}_{n}", cid, f"sub_{cid}", due=dt.date(2026, 10, 1 + n)))

    # -- the port ----------------------------------------------------------------------------

    def _call(self, name: str) -> None:
        if self.down:
            raise BillingUnavailable("down")
        self.calls[name] += 1

    def latest_cursor(self) -> str | None:
        self._call("latest_cursor")
        return self.log[-1][0] if self.log else None

    def read_all(self, serves: Callable[[RemoteCustomer], bool]) -> Iterator[ReadBatch]:
        """The customers listed first, then each served one's billing whole, one part each;
        unavailable after ``fails_after`` parts when that is set."""
        self._call("read_all")
        customers = list(self.customers_.values())
        yield ReadBatch(listed=customers)
        for n, customer in enumerate(c for c in customers if serves(c)):
            if self.fails_after is not None and n >= self.fails_after:
                raise BillingUnavailable("down")
            yield ReadBatch(done=[customer.id], snapshot=self.snapshot([customer.id]))

    def customer(self, customer_id: str) -> RemoteCustomer | None:
        self._call("customer")
        return self.customers_.get(customer_id)

    def snapshot(self, customer_ids: Sequence[str]) -> Snapshot:
        self._call("snapshot")
        wanted = set(customer_ids)
        return Snapshot(
            [c for c in self.cards.values() if c.customer in wanted],
            [s for s in self.subscriptions.values() if s.customer in wanted],
            [i for i in self.invoices.values() if i.customer in wanted and i.status == "open"],
        )

    def changes_since(self, cursor: str) -> Changes:
        self._call("changes_since")
        ids = [event_id for event_id, _, _ in self.log]
        if cursor not in ids or ids.index(cursor) < self.forgotten:
            raise CursorExpired(cursor)
        newer = self.log[ids.index(cursor) + 1 :]
        return Changes([obj for _, obj, _ in newer], newer[-1][0] if newer else cursor, [ref for _, _, ref in newer])

    def invoice(self, invoice_id: str) -> RemoteInvoice | None:
        self._call("invoice")
        return self.invoices.get(invoice_id)

    def subscription(self, subscription_id: str) -> RemoteSubscription | None:
        self._call("subscription")
        return self.subscriptions.get(subscription_id)

    def card(self, card_id: str) -> RemoteCard | None:
        self._call("card")
        return self.cards.get(card_id)


def _ref(event_id: str, type_: str, obj: Change, automatic: bool, ours: bool) -> EventRef:
    kind = {RemoteInvoice: "invoice", RemoteSubscription: "subscription", RemoteCustomer: "customer"}.get(
        type(obj), "card")  # fmt: skip
    customer = None if isinstance(obj, CardGone) else obj.customer if not isinstance(obj, RemoteCustomer) else obj.id
    return EventRef(event_id, type_, kind, obj.id, customer, automatic, ours)


def card(customer: str | None, pm: str, owner: str | None = None, exp: tuple[int, int] = (12, 2030)) -> RemoteCard:
    return RemoteCard(pm, customer, "Visa", "4242", exp[0], exp[1], owner)


def invoice(
    iid: str, customer: str, sub: str, *, amount: str = "42.00", status: str = "open", due: dt.date | None = None,
    attempts: int = 1,
) -> RemoteInvoice:  # fmt: skip
    money = Money(Decimal(amount), "USD")
    remaining = money if status == "open" else Money.zero("USD")
    return RemoteInvoice(iid, customer, sub, status, remaining, money, due or dt.date(2026, 10, 1), attempts)
