"""Records the product keeps about what happened: settlement attempts, payments, alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

from domain.money import Money


class Outcome(StrEnum):
    PENDING = "pending"  # claimed, gateway not yet answered (or the process died)
    SUCCEEDED = "succeeded"
    DECLINED = "declined"  # the card was declined; the balance stays open
    FAILED = "failed"  # processing error at the gateway; retryable
    REFUSED = "refused"  # refused before any charge (expired card)
    SUPERSEDED = "superseded"  # never charged, and no longer owed as made: ended without a charge
    PARTIAL = "partial"  # some invoices paid (paid_invoice_ids), the next not (decline_code): the rest still owed
    ACTION_REQUIRED = "requires_action"  # nothing paid: the cardholder must confirm on action_url (3-D Secure)

    @property
    def is_final(self) -> bool:
        return self is not Outcome.PENDING


@dataclass(frozen=True, slots=True)
class SettlementAttempt:
    """The audit record of one attempt: who, when, which card, amount, outcome, reference."""

    id: str
    subscription_id: str
    account_id: str
    card_id: str
    actor: str
    amount: Money
    invoice_ids: tuple[str, ...]
    idempotency_key: str
    outcome: Outcome
    created_at: dt.datetime
    completed_at: dt.datetime | None = None
    gateway_reference: str | None = None
    decline_code: str | None = None
    # Each invoice's amount when the attempt was made, in invoice_ids' order; None for
    # attempts recorded before these were kept.
    invoice_amounts: tuple[Money, ...] | None = None
    # The invoices this attempt paid, when it paid only some of them (a partial outcome).
    paid_invoice_ids: tuple[str, ...] | None = None
    action_url: str | None = None  # where the cardholder finishes a payment that requires action

    def made_for(self) -> dict[str, Money] | None:
        """What the attempt was made for, invoice by invoice (None if not recorded)."""
        if self.invoice_amounts is None:
            return None
        return dict(zip(self.invoice_ids, self.invoice_amounts, strict=True))

    def paid_invoices(self) -> tuple[str, ...]:
        """The invoices the attempt paid: all of them when it succeeded, some when partial."""
        if self.outcome is Outcome.SUCCEEDED:
            return self.invoice_ids
        return (self.paid_invoice_ids or ()) if self.outcome is Outcome.PARTIAL else ()

    def paid_amount(self) -> Money:
        """What the attempt paid: all of it when succeeded, the paid invoices' part when partial."""
        if self.outcome is Outcome.SUCCEEDED:
            return self.amount
        made_for = self.made_for()
        if self.outcome is not Outcome.PARTIAL or made_for is None:
            return Money.zero(self.amount.currency)
        total = Money.zero(self.amount.currency)
        for invoice_id in self.paid_invoice_ids or ():
            total = total + made_for[invoice_id]
        return total

    def unpaid_amount(self) -> Money:
        """What the attempt was made for and did not pay."""
        paid = self.paid_amount()
        return Money(self.amount.amount - paid.amount, self.amount.currency)

    def finish(
        self, outcome: Outcome, at: dt.datetime, reference: str | None, decline_code: str | None,
        *, paid: tuple[str, ...] | None = None, action_url: str | None = None,
    ) -> SettlementAttempt:  # fmt: skip
        return replace(
            self, outcome=outcome, completed_at=at, gateway_reference=reference, decline_code=decline_code,
            paid_invoice_ids=paid, action_url=action_url,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    subscription_id: str
    attempt_id: str
    card_id: str
    actor: str
    amount: Money
    paid_at: dt.datetime


class ClosedReason(StrEnum):
    """Why the billing system ended an alert's episode without a settlement in Slack."""

    PAID_BY_RETRY = "paid_by_retry"  # Stripe's own automatic retry paid it
    PAID_IN_STRIPE = "paid_in_stripe"  # paid in Stripe otherwise (dashboard, API, out of band)
    VOIDED = "voided"
    UNCOLLECTIBLE = "uncollectible"  # written off


class CardChange(StrEnum):
    ADDED = "added"  # through the add-card page
    EXPIRY = "expiry"  # its owner changed the expiration date in the settle modal


@dataclass(frozen=True, slots=True)
class CardEvent:
    """What someone did to a card in Slack; an import never reverts it (``domain.import_rules``)."""

    id: str
    card_id: str
    kind: CardChange
    actor: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class Alert:
    """One past-due episode of a subscription, posted once to a channel.

    ``version`` grows whenever what the message should show changes; the deliverer
    brings the Slack message up to date until ``delivered_version`` catches up.
    """

    id: str
    subscription_id: str
    episode: str  # id of the oldest overdue invoice that opened the episode
    channel: str
    created_at: dt.datetime
    stage: int  # the last reminder stage (days past due) reached
    version: int = 1
    delivered_version: int = 0
    ts: str | None = None  # Slack message ts once posted; "digest:<ts>" inside a digest (alert_views)
    settled_attempt_id: str | None = None
    failures: int = 0  # deliveries failed in a row (alert_delivery.Backoff); 0 once one goes through
    retry_at: dt.datetime | None = None  # set aside until then after a failed delivery
    closed_reason: str | None = None  # a ClosedReason: ended by the billing system, not by a settlement
    closed_at: dt.datetime | None = None

    @property
    def is_settled(self) -> bool:
        return self.settled_attempt_id is not None

    @property
    def is_open(self) -> bool:
        """Neither settled in Slack nor closed by the billing system: the subscription's current alert."""
        return self.settled_attempt_id is None and self.closed_reason is None

    @property
    def needs_delivery(self) -> bool:
        return self.ts is None or self.delivered_version < self.version


@dataclass(frozen=True, slots=True)
class Reminder:
    id: str
    alert_id: str
    stage: int
    created_at: dt.datetime
    ts: str | None = None
    failures: int = 0  # as Alert's
    retry_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PastDueRow:
    """One subscription that is past due at scan time, with its open alert if any."""

    subscription_id: str
    account_id: str
    oldest_overdue: dt.date
    episode: str  # id of the oldest overdue open invoice
    alert: Alert | None
    channel: str | None = None  # the account's alert channel (None: the default one)


@dataclass(frozen=True, slots=True)
class Claim:
    """One scan's parameters, as plain values for the repositories' set-based claims.

    A subscription's reminder stage follows ``ReminderPolicy`` (``stage_days``, ``every``)
    on the days past due of its oldest overdue open invoice.
    """

    today: dt.date
    now: dt.datetime
    id_prefix: str  # unique to the scan; claimed ids are "<id_prefix>-a<n>" and "<id_prefix>-r<n>"
    stage_days: tuple[int, ...]
    every: int
    default_channel: str  # for accounts without their own alert channel
    digest_threshold: int  # more new alerts than this for one channel: all of them go in a digest


@dataclass(frozen=True, slots=True)
class Claimed:
    """What a scan claimed (how many new alerts and reminders), or what taking claims made
    (the same, and the channels whose new alerts all went in one digest, with their counts).
    The rows themselves stay in the database (``AlertRepository.claimed`` reads them back),
    so that a scan of a million subscriptions holds none of them in memory."""

    alerts: int = 0
    reminders: int = 0
    digests: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: Claimed) -> Claimed:
        digests = dict(self.digests)
        for channel, count in other.digests.items():
            digests[channel] = digests.get(channel, 0) + count
        return Claimed(self.alerts + other.alerts, self.reminders + other.reminders, digests)
