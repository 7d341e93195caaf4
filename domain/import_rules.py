"""What an import may change: the file checked against the database, and what it never reverts.

A file brings the billing system's view; it may add and update accounts, admins, cards,
subscriptions and invoices, and refer to those already in the database. What settlebot itself
did is kept as settlebot has it, and listed: an invoice a settlement paid, the card a settlement
made the subscription's card, a card's expiry changed in Slack, a card added on the add-card
page (payments and settlement attempts are never an import's to touch). Refused, with the path
of the item: an id that already belongs elsewhere (a card or subscription of another account,
an invoice of another subscription), and a currency that would leave an account with open
invoices in another one (every balance is summed in its account's currency).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from domain.errors import ImportRefused
from domain.import_file import BillingData
from domain.model import Account, Admin, Card, Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from domain.ports import UnitOfWork
from domain.records import CardChange, SettlementAttempt


@dataclass(frozen=True, slots=True)
class Kept:
    """One item the file would have changed, left as settlebot has it, and why."""

    path: str  # where the file says otherwise
    what: str  # "invoice inv_7 kept paid"
    why: str  # "settled in Slack by U123 on 2026-11-25; the file says status open"

    def __str__(self) -> str:
        return f"{self.what}: {self.why} ({self.path})"


@dataclass
class Plan:
    """What an import writes: the file's items as they will be stored."""

    accounts: list[Account]
    admins: dict[str, list[Admin]]
    cards: list[Card] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)


def plan_import(uow: UnitOfWork, data: BillingData) -> Plan:
    """Check the file against the database (inside ``uow``'s transaction) and decide what to
    write; raises ImportRefused at the first problem."""
    planner = _Planner(uow, data)
    planner.lock_subscriptions()
    plan = Plan(list(data.accounts), data.admins)
    plan.cards = [planner.card(f"payment_methods[{i}]", c, plan.kept) for i, c in enumerate(data.cards)]
    plan.subscriptions = [
        planner.subscription(f"subscriptions[{i}]", s, plan.kept) for i, s in enumerate(data.subscriptions)
    ]
    plan.invoices = [planner.invoice(f"invoices[{i}]", v, plan.kept) for i, v in enumerate(data.invoices)]
    _check_currencies(planner, data, plan.invoices)
    return plan


class _Planner:
    """Resolves ids in the file first, then in the database (each read once)."""

    def __init__(self, uow: UnitOfWork, data: BillingData) -> None:
        self.uow = uow
        self.file_accounts = {a.id: a for a in data.accounts}
        self.file_cards = {c.id: c for c in data.cards}
        self.file_subs = {s.id: s for s in data.subscriptions}
        self._stored_accounts: dict[str, Account | None] = {}
        self._stored_subs: dict[str, Subscription | None] = {}
        self._invoice_subs = {v.subscription_id for v in data.invoices}

    def lock_subscriptions(self) -> None:
        """Lock (in id order, as one settlement locks one) every stored subscription the file
        touches before reading what settlebot did to it, so that no settlement commits in between:
        one waiting to commit its outcome has not yet paid anything the import then reads."""
        for sub_id in sorted(self.file_subs.keys() | self._invoice_subs):
            self._stored_subs[sub_id] = self.uow.subscriptions.get(sub_id, lock=True)

    def stored_subscription(self, sub_id: str) -> Subscription | None:
        if sub_id not in self._stored_subs:
            self._stored_subs[sub_id] = self.uow.subscriptions.get(sub_id)
        return self._stored_subs[sub_id]

    def stored_account(self, account_id: str) -> Account | None:
        if account_id not in self._stored_accounts:
            self._stored_accounts[account_id] = self.uow.accounts.get(account_id)
        return self._stored_accounts[account_id]

    def account(self, account_id: str) -> Account | None:
        return self.file_accounts.get(account_id) or self.stored_account(account_id)

    def card(self, path: str, card: Card, kept: list[Kept]) -> Card:
        _refer(path, "account_id", self.account(card.account_id), "account")
        stored = self.uow.cards.get(card.id)
        if stored is not None and stored.account_id != card.account_id:
            raise ImportRefused(f"{path}.account_id", f"card {card.id} already belongs to account {stored.account_id}")
        if stored is None or stored == card:
            return card
        return _keep_card_changes(self.uow, path, card, stored, kept)

    def subscription(self, path: str, sub: Subscription, kept: list[Kept]) -> Subscription:
        _refer(path, "account_id", self.account(sub.account_id), "account")
        stored = self.stored_subscription(sub.id)
        if stored is not None and stored.account_id != sub.account_id:
            raise ImportRefused(
                f"{path}.account_id", f"subscription {sub.id} already belongs to account {stored.account_id}"
            )
        if sub.payment_method_id is not None:
            card = self.file_cards.get(sub.payment_method_id) or self.uow.cards.get(sub.payment_method_id)
            if card is None or card.account_id != sub.account_id:
                raise ImportRefused(f"{path}.payment_method_id", "names no card of this account")
        if stored is None:
            return replace(sub, status=SubscriptionStatus.ACTIVE)
        card_id = _kept_subscription_card(self.uow, path, sub, stored, kept)
        return replace(sub, payment_method_id=card_id, status=stored.status)

    def invoice(self, path: str, invoice: Invoice, kept: list[Kept]) -> Invoice:
        sub = self.file_subs.get(invoice.subscription_id) or self.stored_subscription(invoice.subscription_id)
        _refer(path, "subscription_id", sub, "subscription")
        stored = self.uow.invoices.get(invoice.id)
        if stored is not None and stored.subscription_id != invoice.subscription_id:
            raise ImportRefused(
                f"{path}.subscription_id",
                f"invoice {invoice.id} already belongs to subscription {stored.subscription_id}",
            )
        if stored is None or stored == invoice:
            return invoice
        return _keep_settled_invoice(self.uow, path, invoice, stored, kept)


def _keep_settled_invoice(uow: UnitOfWork, path: str, invoice: Invoice, stored: Invoice, kept: list[Kept]) -> Invoice:
    """The stored invoice when a settlement is paying it or has paid it, else the file's."""
    pending = uow.attempts.pending_for(stored.subscription_id)
    if pending is not None and stored.id in pending.invoice_ids:
        since, said = pending.created_at.date().isoformat(), _invoice_diff(invoice, stored)
        why = f"a settlement by {pending.actor} since {since} is under way; the file says {said}"
        kept.append(Kept(path, f"invoice {stored.id} kept {stored.status}", why))
        return stored
    settled = _settled_by(uow, stored) if stored.status is InvoiceStatus.PAID else None
    if settled is None:
        return invoice  # open, or paid according to an earlier file: the billing system's to change
    on = (settled.completed_at or settled.created_at).date().isoformat()
    why = f"settled in Slack by {settled.actor} on {on}; the file says {_invoice_diff(invoice, stored)}"
    kept.append(Kept(path, f"invoice {stored.id} kept paid", why))
    return stored


def _refer(path: str, key: str, found: object, what: str) -> None:
    if found is None:
        raise ImportRefused(f"{path}.{key}", f"names no {what} in the file or the database")


def _keep_card_changes(uow: UnitOfWork, path: str, card: Card, stored: Card, kept: list[Kept]) -> Card:
    events = uow.cards.events(card.id)
    added = next((e for e in events if e.kind is CardChange.ADDED), None)
    if added is not None:
        differ = ", ".join(n for n in _CARD_FIELDS if getattr(card, n) != getattr(stored, n))
        why = f"added in Slack by {added.actor} on {added.day}; the file differs in {differ}"
        kept.append(Kept(path, f"card {card.id} kept as added", why))
        return stored
    expiry = next((e for e in reversed(events) if e.kind is CardChange.EXPIRY), None)
    if expiry is None or (card.exp_month, card.exp_year) == (stored.exp_month, stored.exp_year):
        return card
    kept.append(Kept(f"{path}.exp_month", f"card {card.id} kept expiry {_expiry(stored)}",
                     f"changed in Slack by {expiry.actor} on {expiry.day}; the file says {_expiry(card)}"))  # fmt: skip
    return card.with_expiry(stored.exp_month, stored.exp_year)


_CARD_FIELDS = ("brand", "last4", "exp_month", "exp_year", "owner_slack_user_id", "token")  # names only: never a token


def _expiry(card: Card) -> str:
    return f"{card.exp_month:02d}/{card.exp_year}"


def _kept_subscription_card(
    uow: UnitOfWork, path: str, sub: Subscription, stored: Subscription, kept: list[Kept]
) -> str | None:
    """The file's card, unless the stored one is the card the subscription's last payment used
    (a settlement made it the subscription's card)."""
    if stored.payment_method_id in (None, sub.payment_method_id):
        return sub.payment_method_id
    payment = uow.payments.last_for(sub.id)
    if payment is None or payment.card_id != stored.payment_method_id:
        return sub.payment_method_id
    kept.append(Kept(f"{path}.payment_method_id", f"subscription {sub.id} kept card {stored.payment_method_id}",
                     f"the card of the settlement by {payment.actor} on {payment.paid_at.date().isoformat()}; "
                     f"the file says {sub.payment_method_id or 'no card'}"))  # fmt: skip
    return stored.payment_method_id


def _settled_by(uow: UnitOfWork, invoice: Invoice) -> SettlementAttempt | None:
    """The settlement that paid this invoice (in full, or as part of a partial outcome), if
    settlebot paid it."""
    return next(
        (a for a in reversed(uow.attempts.for_subscription(invoice.subscription_id))
         if invoice.id in a.paid_invoices()),
        None,
    )  # fmt: skip


def _invoice_diff(theirs: Invoice, ours: Invoice) -> str:
    said = [
        f"status {theirs.status}" if theirs.status != ours.status else "",
        f"amount {theirs.amount}" if theirs.amount != ours.amount else "",
        f"due {theirs.due_date.isoformat()}" if theirs.due_date != ours.due_date else "",
    ]
    return ", ".join(s for s in said if s)


def _check_currencies(planner: _Planner, data: BillingData, invoices: list[Invoice]) -> None:
    """Every invoice left open is in its account's currency, so balances can be summed."""
    planned = {v.id: v for v in invoices}
    for i, account in enumerate(data.accounts):
        stored = planner.stored_account(account.id)
        if stored is None or stored.currency == account.currency:
            continue
        others = _open_in_other_currency(planner.uow, account, planned)
        if others:
            raise ImportRefused(
                f"accounts[{i}].currency",
                f"cannot change from {stored.currency} to {account.currency}: "
                f"open invoices in {others[0].amount.currency} ({', '.join(v.id for v in others[:3])})",
            )
    for i, invoice in enumerate(invoices):
        sub = planner.file_subs.get(invoice.subscription_id) or planner.stored_subscription(invoice.subscription_id)
        owner = planner.account(sub.account_id) if sub else None
        if invoice.status is InvoiceStatus.OPEN and owner and invoice.amount.currency != owner.currency:
            raise ImportRefused(f"invoices[{i}].currency", f"differs from the account's currency ({owner.currency})")


def _open_in_other_currency(uow: UnitOfWork, account: Account, planned: dict[str, Invoice]) -> list[Invoice]:
    subs = uow.subscriptions.for_accounts([account.id])
    stored = [v for vs in uow.invoices.for_subscriptions(s.id for s in subs).values() for v in vs]
    final = {v.id: v for v in stored} | {
        v.id: v for v in planned.values() if v.subscription_id in {s.id for s in subs}
    }
    return sorted(
        (v for v in final.values() if v.status is InvoiceStatus.OPEN and v.amount.currency != account.currency),
        key=lambda v: v.id,
    )
