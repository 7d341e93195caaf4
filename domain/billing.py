"""The billing system of record (Stripe) as the sync sees it: what it reads, and the port it reads
through. Its objects are plain values of settlebot's own; the adapter (payments/stripe) makes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from domain.money import Money

NO_CURRENCY = "XXX"  # ISO 4217's "no currency": a customer Stripe has billed in none yet


class LinkedVia(StrEnum):
    COMMAND = "command"  # settlebot link: wins over the metadata
    METADATA = "metadata"  # the customer's metadata settlebot_channel


@dataclass(frozen=True, slots=True)
class Link:
    """A billing customer settlebot serves; its account has the customer's id."""

    account_id: str
    via: LinkedVia
    linked_at: dt.datetime
    synced_at: dt.datetime | None = None  # None: its billing was never read whole yet


@dataclass(frozen=True, slots=True)
class RemoteCustomer:
    id: str
    name: str
    currency: str | None  # upper case; None until Stripe bills the customer in one
    channel: str | None = None  # from metadata settlebot_channel
    locale: str | None = None  # from metadata settlebot_locale


@dataclass(frozen=True, slots=True)
class RemoteCard:
    id: str  # the payment method id: kept as the card's token, never shown
    customer: str | None  # None once detached
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    owner: str | None  # metadata settlebot_owner; else the Slack user of `email` (domain.card_owners)
    email: str | None = None  # billing_details.email
    owner_known: bool = True  # False: who owns it could not be asked now (keep whom settlebot knew)


@dataclass(frozen=True, slots=True)
class RemoteSubscription:
    id: str
    customer: str
    product: str
    status: str
    currency: str
    default_card: str | None


@dataclass(frozen=True, slots=True)
class RemoteInvoice:
    id: str
    customer: str
    subscription: str | None
    status: str  # draft, open, paid, uncollectible, void
    remaining: Money
    amount_due: Money
    due_date: dt.date
    attempt_count: int = 0
    next_payment_attempt: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class CardGone:
    """A card was detached (or deleted): it no longer pays anything."""

    id: str


Change = RemoteCustomer | RemoteCard | CardGone | RemoteSubscription | RemoteInvoice


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Some customers' billing read whole: cards, subscriptions of every status, open invoices."""

    cards: list[RemoteCard] = field(default_factory=list)
    subscriptions: list[RemoteSubscription] = field(default_factory=list)
    invoices: list[RemoteInvoice] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReadBatch:
    """Part of a full read, as it arrives: customers listed since the last part (every customer,
    served or not), and served customers (``done``) whose billing ``snapshot`` holds whole."""

    listed: Sequence[RemoteCustomer] = ()
    done: Sequence[str] = ()
    snapshot: Snapshot = field(default_factory=Snapshot)


@dataclass(frozen=True, slots=True)
class EventRef:
    """An event (a webhook's, or one the sync read from the events list), reduced to what acting
    on it needs: which object it concerns, and who caused it."""

    id: str
    type: str
    kind: str  # "invoice", "subscription" or "card"
    object_id: str
    customer: str | None  # None for a detached card
    automatic: bool = False  # no API request caused it: Stripe's own work (e.g. its automatic retry)
    by_settlebot: bool = False  # caused by a request under settlebot's own settlement key


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since a cursor, oldest first, and the cursor after the newest. ``events[i]``
    is the event that brought ``items[i]`` (its object as it was then), or None for an event no
    alert follows (a customer's, an invoice's edit)."""

    items: Sequence[Change]
    cursor: str | None
    events: Sequence[EventRef | None]

    def each(self) -> list[tuple[Change, EventRef | None]]:
        """Each change with the event that brought it, oldest first."""
        return list(zip(self.items, self.events, strict=True))


class CursorExpired(Exception):
    """The billing system no longer keeps the changes since this cursor: read everything again."""


class BillingUnavailable(Exception):
    """The billing system could not be reached or refused to answer now; nothing was written."""


class BillingReader(Protocol):
    """Reads the billing system of record. Transport failures raise BillingUnavailable."""

    def latest_cursor(self) -> str | None:
        """A cursor at the newest change now (None when there has been none)."""
        ...

    def read_all(self, serves: Callable[[RemoteCustomer], bool]) -> Iterator[ReadBatch]:
        """Every customer (to find those linked by their metadata) and the billing of those
        ``serves`` keeps, read whole, in parts as they arrive (so that they can be written while
        the rest is read). ``serves`` may be called from another thread."""
        ...

    def customer(self, customer_id: str) -> RemoteCustomer | None: ...

    def snapshot(self, customer_ids: Sequence[str]) -> Snapshot: ...

    def changes_since(self, cursor: str) -> Changes:
        """Raises CursorExpired when ``cursor`` is too old."""
        ...

    def invoice(self, invoice_id: str) -> RemoteInvoice | None: ...
    def subscription(self, subscription_id: str) -> RemoteSubscription | None: ...
    def card(self, card_id: str) -> RemoteCard | None: ...


class LinkRepository(Protocol):
    """Which customers settlebot serves, and where the sync left off."""

    def all(self) -> dict[str, Link]: ...
    def get(self, account_id: str) -> Link | None: ...
    def save(self, link: Link) -> None: ...
    def remove(self, account_id: str) -> None: ...
    def cursor(self) -> str | None: ...
    def set_cursor(self, cursor: str | None, at: dt.datetime, *, full: bool = False) -> None: ...

    def record_events(self, events: Sequence[tuple[str, str]], at: dt.datetime) -> set[str]:
        """Remember delivered events (id, type); the ids not seen before (the others are not
        handled again; an id twice among them counts once)."""
        ...

    def claim_event(self, event_id: str, type_: str, at: dt.datetime) -> bool:
        """Take an event to act on it (a webhook's job or the sync, whichever comes first): True
        when this call takes it (not recorded yet, or recorded by a webhook and not handled); False
        when it was handled before. Held until the transaction ends, so a concurrent taker waits."""
        ...
