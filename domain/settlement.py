"""Settling a past-due balance: prepare the choice, fix a card, charge exactly once."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from domain.access import require_settler, roles_of, visible_subscription
from domain.errors import (
    AlreadySettled,
    BalanceChanged,
    CardExpired,
    InvalidInput,
    NotAllowed,
    NotFound,
    ProcessorUnavailable,
    SettlementInProgress,
)
from domain.model import Account, Balance, Card, Invoice, Role, Subscription, balance_of
from domain.money import Money
from domain.paying import adopt_card, charge_once
from domain.ports import Clock, GatewayUnreachable, PaymentGateway, UnitOfWork
from domain.records import CardChange, CardEvent, Outcome, Payment, SettlementAttempt
from domain.settlement_commit import apply_outcome

_INSTALLATION = re.compile(r"[0-9a-f]{32}")


class Option(StrEnum):
    CHANGE_EXPIRY = "change_expiry"
    PICK_CARD = "pick_card"
    ADD_CARD = "add_card"


@dataclass(frozen=True, slots=True)
class CardChoice:
    card: Card
    is_default: bool
    is_owner: bool
    expired: bool

    @property
    def may_change_expiry(self) -> bool:
        return self.is_owner


@dataclass(frozen=True, slots=True)
class SettlementPlan:
    subscription: Subscription
    account: Account
    role: Role
    balance: Balance
    days_past_due: int
    cards: tuple[CardChoice, ...]
    options: frozenset[Option]
    last_payment: Payment | None = None

    @property
    def may_settle(self) -> bool:
        return self.role.may_settle and self.balance.amount.is_positive()

    @property
    def default_card(self) -> CardChoice | None:
        return next((c for c in self.cards if c.is_default), None)


def options_for(role: Role, default_card_owner: str | None, actor: str) -> frozenset[Option]:
    """Owner of the card: change its expiry, pick another, add one. Others: pick or add."""
    if not role.may_settle:
        return frozenset()
    options = {Option.PICK_CARD, Option.ADD_CARD}
    if default_card_owner == actor:
        options.add(Option.CHANGE_EXPIRY)
    return frozenset(options)


def prepare_settlement(
    uow: UnitOfWork, actor: str, subscription_id: str, today: dt.date
) -> SettlementPlan:
    with uow:
        subscription, account, role = visible_subscription(uow, actor, subscription_id)
        invoices = uow.invoices.for_subscriptions([subscription.id]).get(subscription.id, [])
        balance = balance_of(invoices, account.currency, today)
        last_payment = uow.payments.last_for(subscription.id)
        cards = tuple(
            CardChoice(
                card, card.id == subscription.payment_method_id,
                card.owner_slack_user_id == actor, card.is_expired(today),
            )
            for card in sorted(uow.cards.for_account(account.id), key=lambda c: c.id)
        )
    default = next((c.card for c in cards if c.is_default), None)
    owner = default.owner_slack_user_id if default else None
    options = options_for(role, owner, actor)
    return SettlementPlan(
        subscription, account, role, balance, balance.days_past_due(today), cards, options, last_payment
    )


def check_expiry(month: int, year: int, today: dt.date) -> None:
    if not 1 <= month <= 12:
        raise InvalidInput("invalid_exp_month", field="exp_month")
    if not today.year <= year <= today.year + 20:
        raise InvalidInput("invalid_exp_year", field="exp_year")
    if (year, month) < (today.year, today.month):
        raise InvalidInput("expiry_in_past", field="exp_month")


def change_card_expiry(
    uow: UnitOfWork, actor: str, card_id: str, month: int, year: int, today: dt.date,
    gateway: PaymentGateway | None = None,
) -> Card:  # fmt: skip
    """The card's owner (a settler on its account) changes its expiration date: at the
    processor first (``gateway``, when given), then in settlebot's copy."""
    with uow:
        card = _owned_card(uow, actor, card_id)
        check_expiry(month, year, today)
        key = f"expiry:{uow.installation.id()}:{card_id}:{uuid.uuid4().hex}"
    if gateway is not None:
        try:
            gateway.update_expiry(idempotency_key=key, token=card.token, exp_month=month, exp_year=year)
        except GatewayUnreachable as exc:
            raise ProcessorUnavailable() from exc
    with uow:
        card = _owned_card(uow, actor, card_id)
        updated = card.with_expiry(month, year)
        uow.cards.save(updated)
        uow.cards.add_event(CardEvent(str(uuid.uuid4()), card_id, CardChange.EXPIRY, actor, today))
        uow.commit()
        return updated


def _owned_card(uow: UnitOfWork, actor: str, card_id: str) -> Card:
    card = uow.cards.get(card_id)
    role = None if card is None else roles_of(uow, actor).get(card.account_id)
    if card is None or role is None:
        raise NotFound("not_found")
    require_settler(role)
    if card.owner_slack_user_id != actor:
        raise NotAllowed("not_card_owner")
    return card


@dataclass(frozen=True, slots=True)
class SettlementResult:
    attempt: SettlementAttempt
    card: Card
    subscription: Subscription
    account: Account

    @property
    def outcome(self) -> Outcome:
        return self.attempt.outcome


@dataclass(frozen=True, slots=True)
class ConfirmedBalance:
    """What the person saw and confirmed in the modal: the total and the stamp of the
    invoices behind it (``Balance.stamp``). A Save charges only this."""

    amount: Money
    stamp: str

    @classmethod
    def of(cls, balance: Balance) -> ConfirmedBalance:
        return cls(balance.amount, balance.stamp)

    def matches(self, balance: Balance) -> bool:
        return self.amount == balance.amount and self.stamp == balance.stamp


def idempotency_key(installation: str, subscription_id: str, stamp: str, attempt_no: int) -> str:
    """Same installation + same invoices and amounts + same try number -> same key, in every process."""
    return f"settle:{installation}:{subscription_id}:{stamp}:{attempt_no}"


def subscription_of_key(key: str) -> str | None:
    """The subscription an idempotency key was made for: ``settle:<installation>:<sub>:<stamp>:<n>``,
    or ``settle:<sub>:<digest>:<n>`` for keys made before installation ids."""
    parts = key.split(":")
    if parts[0] != "settle" or len(parts) < 4:
        return None
    newer = len(parts) >= 5 and _INSTALLATION.fullmatch(parts[1]) is not None
    return ":".join(parts[2:-2] if newer else parts[1:-2])


def _claim(
    uow: UnitOfWork, clock: Clock, actor: str, subscription_id: str, card_id: str, confirmed: ConfirmedBalance
) -> tuple[SettlementAttempt, Card, Subscription, Account]:
    """Record a pending attempt (or refuse) in one committed transaction before any charge.

    Refused with BalanceChanged, recording nothing, unless the open invoices are exactly
    the ones ``confirmed`` names, with the same amounts."""
    with uow:
        subscription, account, role = visible_subscription(uow, actor, subscription_id, lock=True)
        require_settler(role)
        card = uow.cards.get(card_id)
        if card is None or card.account_id != account.id:
            raise NotFound("card_not_found")
        today = clock.today()
        invoices = uow.invoices.for_subscriptions([subscription.id]).get(subscription.id, [])
        balance = balance_of(invoices, account.currency, today)
        if not balance.amount.is_positive():
            raise already_settled(uow.payments.last_for(subscription.id))
        if not confirmed.matches(balance):
            raise BalanceChanged(old=confirmed.amount, new=balance.amount)
        if uow.attempts.pending_for(subscription.id) is not None:
            raise SettlementInProgress()
        attempt = _new_attempt(uow, clock, actor, subscription, card, balance, invoices)
        if card.is_expired(today):
            uow.attempts.add(attempt.finish(Outcome.REFUSED, clock.now(), None, "card_expired"))
            uow.commit()
            raise CardExpired(is_owner=card.owner_slack_user_id == actor, last4=card.last4)
        uow.attempts.add(attempt)
        uow.commit()
        return attempt, card, subscription, account


def _new_attempt(
    uow: UnitOfWork, clock: Clock, actor: str, subscription: Subscription, card: Card, balance: Balance,
    invoices: list[Invoice],
) -> SettlementAttempt:  # fmt: skip
    """A pending attempt for the balance, its invoices oldest due first (the order they are paid in)."""
    prefix = idempotency_key(uow.installation.id(), subscription.id, balance.stamp, 0)[:-1]
    number = uow.attempts.count_for_key_prefix(prefix) + 1
    due = {i.id: (i.due_date, i.id) for i in invoices}
    lines = sorted(zip(balance.invoice_ids, balance.invoice_amounts, strict=True), key=lambda line: due[line[0]])
    return SettlementAttempt(
        str(uuid.uuid4()), subscription.id, subscription.account_id, card.id, actor, balance.amount,
        tuple(i for i, _ in lines), prefix + str(number), Outcome.PENDING, clock.now(),
        invoice_amounts=tuple(m for _, m in lines),
    )  # fmt: skip


def already_settled(payment: Payment | None) -> AlreadySettled:
    """The error for a balance with nothing left to pay, naming who paid it when known."""
    if payment is None:
        return AlreadySettled()
    return AlreadySettled(None, actor=payment.actor, amount=payment.amount, at=payment.paid_at)


def settle(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    clock: Clock,
    actor: str,
    subscription_id: str,
    card_id: str,
    *,
    confirmed: ConfirmedBalance,
) -> SettlementResult:
    """Charge the balance the person confirmed to one card, exactly once.

    The attempt is committed as pending before the gateway is called, under an
    idempotency key; the outcome is committed after. A crash in between is
    completed later by ``reconcile`` from the gateway's own record. If the open
    invoices are no longer the ones ``confirmed`` names, nothing is charged
    (BalanceChanged).
    """
    attempt, card, subscription, account = _claim(uow, clock, actor, subscription_id, card_id, confirmed)
    charge = charge_once(gateway, attempt, card)
    finished = apply_outcome(uow, clock, attempt, charge)
    adopt_card(gateway, finished, card.token)
    return SettlementResult(finished, card, subscription, account)
