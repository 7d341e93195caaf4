"""Ports: what the use cases need from the outside world, as Protocols."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from domain.billing import LinkRepository
from domain.model import Account, Admin, Card, Invoice, Role, Subscription, SubscriptionStatus
from domain.money import Money
from domain.records import (
    Alert,
    CardEvent,
    Claim,
    Claimed,
    PastDueRow,
    Payment,
    Reminder,
    SettlementAttempt,
)
from domain.tenancy import Tenant


class AccountRepository(Protocol):
    def get(self, account_id: str) -> Account | None: ...

    def get_many(self, account_ids: Iterable[str]) -> dict[str, Account]:
        """The accounts that exist among ``account_ids``, by id (one read, however many)."""
        ...

    def ids(self) -> list[str]:
        """Every account's id, sorted (no row is read as an account)."""
        ...

    def all(self) -> list[Account]: ...
    def save(self, account: Account) -> None: ...
    def roles_of(self, slack_user_id: str, tenant: Tenant) -> dict[str, Role]:
        """The user's role on each account of ``tenant`` they administer (others' are not read)."""
        ...

    def admins(self, account_id: str) -> list[Admin]: ...
    def replace_admins(self, account_id: str, admins: list[Admin]) -> None: ...


class CardRepository(Protocol):
    def get(self, card_id: str) -> Card | None: ...

    def get_many(self, card_ids: Iterable[str]) -> dict[str, Card]:
        """Those of these cards that exist, by id (one read, however many)."""
        ...

    def for_account(self, account_id: str) -> list[Card]: ...

    def for_accounts(self, account_ids: Iterable[str]) -> list[Card]:
        """The cards of all these accounts, by id (one read, however many)."""
        ...

    def save(self, card: Card) -> None: ...
    def add_event(self, event: CardEvent) -> None: ...

    def events(self, card_id: str) -> list[CardEvent]:
        """What was done to the card in Slack, oldest first."""

    def remove(self, card_id: str) -> None:
        """Forget a card (no subscription may still name it)."""
        ...


class SubscriptionRepository(Protocol):
    def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None: ...

    def get_many(self, subscription_ids: Iterable[str]) -> dict[str, Subscription]:
        """Those of these subscriptions that exist, by id (one read, however many)."""
        ...

    def for_accounts(self, account_ids: Iterable[str]) -> list[Subscription]: ...
    def save(self, subscription: Subscription) -> None: ...
    def set_status(self, subscription_ids: list[str], status: SubscriptionStatus) -> None: ...


class InvoiceRepository(Protocol):
    def get(self, invoice_id: str) -> Invoice | None: ...
    def for_subscriptions(self, subscription_ids: Iterable[str]) -> dict[str, list[Invoice]]: ...
    def save(self, invoice: Invoice) -> None: ...
    def remove_open(self, subscription_ids: Iterable[str]) -> None:
        """Forget these subscriptions' open invoices (a copy of another system's, dropped on unlink)."""
        ...


class AttemptRepository(Protocol):
    def get(self, attempt_id: str, *, lock: bool = False) -> SettlementAttempt | None:
        """The attempt; ``lock``: hold its row lock until the transaction ends (SELECT ... FOR UPDATE)."""
        ...

    def add(self, attempt: SettlementAttempt) -> None: ...
    def save(self, attempt: SettlementAttempt) -> None: ...
    def pending_for(self, subscription_id: str) -> SettlementAttempt | None: ...
    def count_for_key_prefix(self, prefix: str) -> int: ...
    def pending(self) -> list[SettlementAttempt]: ...
    def for_subscription(self, subscription_id: str) -> list[SettlementAttempt]: ...

    def all(self) -> list[SettlementAttempt]:
        """Every attempt, oldest first (ties by id)."""
        ...


class InstallationRepository(Protocol):
    def id(self) -> str:
        """This installation's id, made once when its database was created (part of every
        idempotency key, so two installations sharing a processor account never share a key)."""
        ...


class PaymentRepository(Protocol):
    def add(self, payment: Payment) -> None: ...
    def last_for(self, subscription_id: str) -> Payment | None: ...


class AlertRepository(Protocol):
    def past_due(self, today: dt.date) -> Iterator[PastDueRow]:
        """Every subscription with an overdue open invoice, with its open alert (if any) and
        its account's alert channel."""
        ...

    def open_for(self, subscription_id: str) -> Alert | None: ...
    def get(self, alert_id: str) -> Alert | None: ...

    def get_many(self, alert_ids: Iterable[str]) -> dict[str, Alert]:
        """Those of these alerts that exist, by id (one read, however many)."""
        ...

    def add(self, alerts: Iterable[Alert]) -> None: ...
    def save(self, alert: Alert) -> None: ...

    def claim(self, claim: Claim) -> Claimed:
        """Record, in bulk, what a scan finds due; returns how many alerts and reminders it claimed.

        New alerts: one per past-due subscription with neither an open alert nor an untaken
        claim of one, its episode the oldest overdue open invoice, its stage the one reached.
        Reminders: one per open alert whose subscription has reached a later stage than the
        alert's and than its untaken reminder claims'. Claims are ids (``<prefix>-a-<sub>``,
        ``<prefix>-r-<sub>``) committed with the scan, so a later scan does not claim them again;
        nothing is posted, and no alert exists, until ``take_claims``.
        """
        ...

    def take_claims(self, now: dt.datetime) -> Claimed:
        """Make every untaken scan's claims into alerts and reminders, oldest scan first.

        A new-alert claim whose subscription is still past due (its episode still open) and
        still has no open alert becomes an alert (version 1, undelivered, in the account's
        channel or the scan's default one; when more than the scan's digest threshold reach
        one channel, all of that channel's get ``ts=DIGEST_PREFIX``), and its subscription's
        status becomes past due. A reminder claim whose alert is still open and at an earlier
        stage becomes a reminder; the alert takes that stage and a new version, so the
        deliverer refreshes its message. Every taken claim goes; a concurrent taking of the same
        subscription raises ConflictError.
        """
        ...

    def claimed(self, claim: Claim) -> tuple[list[Alert], list[Reminder]]:
        """The alerts and reminders made of ``claim``'s claims, by id (for dry runs and checks)."""
        ...

    def awaiting_digest(self, channel: str) -> list[Alert]:
        """The channel's open alerts claimed for its digest and not yet posted."""
        ...

    def mark_posted(self, alert_ids: Iterable[str], ts: str) -> None:
        """Record that a message (ts) shows these alerts as they are now, in bulk."""
        ...

    def mark_delivered(self, delivered: Iterable[tuple[str, str, int]]) -> None:
        """Record, in bulk, that each message (alert id, ts, version) was posted or updated:
        the alert takes that ts, is delivered at that version (or the later one it already
        was), and its failures are cleared; an alert no longer there is skipped."""
        ...

    def add_reminders(self, reminders: Iterable[Reminder]) -> None: ...
    def save_reminder(self, reminder: Reminder) -> None: ...

    def undelivered(
        self, limit: int, due_at: dt.datetime | None = None, subscription_id: str | None = None
    ) -> list[Alert]:
        """Up to ``limit`` alerts not yet posted or posted at an older version (with
        ``subscription_id``, that subscription's only). With ``due_at``,
        only those never set aside or whose ``retry_at`` has come by then. Never set aside
        first (oldest first), then set aside by ``retry_at``: alerts that keep failing never
        take the place of the others."""
        ...

    def undelivered_reminders(self, limit: int, due_at: dt.datetime | None = None) -> list[Reminder]:
        """Up to ``limit`` reminders not yet posted whose alert's message is posted (a thread to
        reply in; not ``DIGEST_PREFIX`` alone), chosen and ordered as ``undelivered``."""
        ...

    def set_aside(self, alert_ids: Iterable[str], retry_at: dt.datetime) -> None:
        """A delivery of each of these alerts failed: one more failure, and ``retry_at``.
        Posting (``save`` with failures 0, ``mark_posted``) clears both."""
        ...

    def set_aside_reminders(self, reminder_ids: Iterable[str], retry_at: dt.datetime) -> None: ...

    def due_again(self, at: dt.datetime) -> None:
        """Every alert and reminder set aside is due by ``at``; their failure counts stay."""
        ...


class CardLinkRepository(Protocol):
    def spend(self, nonce: str, at: dt.datetime) -> bool:
        """Mark the add-card link used: True for the one caller that did, False if it was
        already spent, has expired, or does not exist."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without ``commit()`` rolls back."""

    accounts: AccountRepository
    cards: CardRepository
    subscriptions: SubscriptionRepository
    invoices: InvoiceRepository
    attempts: AttemptRepository
    payments: PaymentRepository
    alerts: AlertRepository
    card_links: CardLinkRepository
    installation: InstallationRepository
    links: LinkRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...

    def today(self) -> dt.date:
        """Today's date in the business time zone."""
        ...


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    ERROR = "error"  # processing error; the same key may be retried
    REQUIRES_ACTION = "requires_action"  # the bank asks the cardholder (3-D Secure): finish on the processor's page
    PARTIAL = "partial"  # some invoices paid, then one was not (its line says why): the rest is still owed


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One invoice to pay, with the amount the person confirmed for it."""

    invoice_id: str
    amount: Money


@dataclass(frozen=True, slots=True)
class LineResult:
    """What happened to one invoice of a payment."""

    invoice_id: str
    status: ChargeStatus
    reference: str | None = None
    decline_code: str | None = None
    action_url: str | None = None  # where the cardholder finishes a payment that requires action


@dataclass(frozen=True, slots=True)
class ChargeResult:
    """A payment's outcome. ``lines``: per invoice, in the order paid, when the processor pays
    invoice by invoice; empty when it made one charge for all of them (the sandbox)."""

    status: ChargeStatus
    reference: str | None = None
    decline_code: str | None = None  # generic_decline, insufficient_funds, expired_card, ...
    lines: tuple[LineResult, ...] = ()
    action_url: str | None = None

    def paid_invoice_ids(self, asked: tuple[str, ...]) -> tuple[str, ...]:
        """The invoices this payment paid, of those ``asked``."""
        if not self.lines:
            return asked if self.status is ChargeStatus.SUCCEEDED else ()
        return tuple(line.invoice_id for line in self.lines if line.status is ChargeStatus.SUCCEEDED)

    @classmethod
    def of_lines(cls, lines: tuple[LineResult, ...]) -> ChargeResult:
        """The whole payment's outcome from its lines, paid in order until the first that was not."""
        paid = [line for line in lines if line.status is ChargeStatus.SUCCEEDED]
        failed = next((line for line in lines if line.status is not ChargeStatus.SUCCEEDED), None)
        reference = ",".join(line.reference for line in paid if line.reference) or None
        if failed is None:
            return cls(ChargeStatus.SUCCEEDED, reference, None, lines)
        status = ChargeStatus.PARTIAL if paid else failed.status
        return cls(status, reference, failed.decline_code, lines, failed.action_url)


@dataclass(frozen=True, slots=True)
class TokenizedCard:
    token: str
    brand: str
    last4: str


class GatewayUnreachable(Exception):
    """The processor did not answer (timeout, connection reset): the charge may or may not exist."""


class PaymentGateway(Protocol):
    """A card processor. The same idempotency key never pays twice.

    Transport failures raise ``GatewayUnreachable``; retrying with the same key is safe.
    ``moves_real_money`` is False for a test processor (the sandbox): every surface that moves
    money then says that none really moved.
    """

    @property
    def moves_real_money(self) -> bool: ...

    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        """Pay the invoices in order with the card ``token``, stopping at the first not paid.

        A processor that pays invoice by invoice derives each invoice's key from
        ``idempotency_key`` and reports per line; one that charges the total once reports no lines.
        """
        ...

    def find_payment(
        self, idempotency_key: str, lines: tuple[ChargeLine, ...], *, token: str | None
    ) -> ChargeResult | None:
        """What the processor recorded for that payment, or None if it has no record of it.
        ``token``: the card it was made with (None if settlebot no longer has it)."""
        ...

    def make_default(self, *, idempotency_key: str, subscription_id: str, token: str) -> None:
        """Make the card the subscription's card for its future charges at the processor
        (a processor that keeps no such thing does nothing)."""
        ...

    def update_expiry(self, *, idempotency_key: str, token: str, exp_month: int, exp_year: int) -> None:
        """Change the card's expiry at the processor (InvalidInput if it refuses the date)."""
        ...

    def tokenize(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedCard:
        """Turn raw card details into an opaque token; raises InvalidInput on bad details."""
        ...


class StorageUnavailable(Exception):
    """The database cannot be reached right now; nothing was written. Try again later."""


class DeliveryFailed(Exception):
    """The notifier could not deliver now; the outbox keeps the message for a later run."""
