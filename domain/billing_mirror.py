"""Applying what the billing system of record says to settlebot's copy, one object at a time.

What applying never does:
- touch an account that is not linked (imported, sandbox accounts stay as they are);
- move an invoice back along its life (paid or void to open or uncollectible, uncollectible to
  open): a stale snapshot, an event delivered late, never reopens what settlebot or Stripe
  closed, e.g. an invoice settlebot has a succeeded payment for;
- change settlebot's own subscription status (its alert state): only ``billing_status`` follows;
- keep a card Stripe no longer lets the customer pay with, nor show its payment method id (the
  card's id is derived from it, the id itself is only the card's token).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import replace

from domain.billing import NO_CURRENCY, CardGone, Change, RemoteCard, RemoteCustomer, RemoteInvoice, RemoteSubscription
from domain.model import NO_OWNER, Account, Card, Invoice, InvoiceStatus, Subscription
from domain.ports import UnitOfWork

log = logging.getLogger(__name__)
CHANNEL = re.compile(r"[CGD][A-Z0-9]{2,20}")
SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,20}")
LOCALES = frozenset({"en", "zh-CN"})
_STATUSES = {s.value: s for s in InvoiceStatus}


def card_id_for(token: str) -> str:
    """settlebot's id of the card whose processor token is ``token`` (stable, and not the token)."""
    return "card_" + hashlib.blake2b(token.encode(), digest_size=10).hexdigest()


def account_for(
    customer: RemoteCustomer, existing: Account | None, channel: str | None, locale: str,
    workspace: tuple[str | None, str | None] | None = None,
) -> Account:  # fmt: skip
    """The account of a linked customer: Stripe's name and currency, settlebot's channel, locale
    and workspace (``workspace``: (team_id, enterprise_id); None keeps the existing account's)."""
    known = existing.currency if existing and existing.currency != NO_CURRENCY else None
    team, org = workspace or ((existing.team_id, existing.enterprise_id) if existing else (None, None))
    return Account(customer.id, customer.name, customer.currency or known or NO_CURRENCY, channel, locale, team, org)


def apply(uow: UnitOfWork, change: Change, linked: set[str]) -> bool:
    """Apply one change to a linked customer's copy; False when it concerned nothing settlebot serves."""
    if isinstance(change, RemoteCard):
        return apply_card(uow, change, linked)
    if isinstance(change, CardGone):
        return remove_card(uow, card_id_for(change.id))
    if isinstance(change, RemoteSubscription):
        return change.customer in linked and apply_subscription(uow, change)
    if isinstance(change, RemoteInvoice):
        return change.customer in linked and apply_invoice(uow, change)
    return False  # customers are applied by the sync, which decides the links


def apply_card(uow: UnitOfWork, remote: RemoteCard, linked: set[str]) -> bool:
    card_id = card_id_for(remote.id)
    if remote.customer not in linked:
        return remove_card(uow, card_id)
    owner = remote.owner if remote.owner and SLACK_USER.fullmatch(remote.owner) else NO_OWNER
    if not remote.owner_known and (kept := uow.cards.get(card_id)) is not None:
        owner = kept.owner_slack_user_id  # Slack could not say now: whom settlebot knew stays
    uow.cards.save(Card(card_id, remote.customer, remote.brand.lower(), remote.last4, remote.exp_month,
                        remote.exp_year, owner, remote.id))  # fmt: skip
    return True


def remove_card(uow: UnitOfWork, card_id: str) -> bool:
    """Forget a card; subscriptions that named it name none."""
    card = uow.cards.get(card_id)
    if card is None:
        return False
    for sub in uow.subscriptions.for_accounts([card.account_id]):
        if sub.payment_method_id == card_id:
            uow.subscriptions.save(replace(sub, payment_method_id=None))
    uow.cards.remove(card_id)
    return True


def apply_subscription(uow: UnitOfWork, remote: RemoteSubscription) -> bool:
    account = uow.accounts.get(remote.customer)
    if account is None:
        return False
    if account.currency == NO_CURRENCY:
        uow.accounts.save(replace(account, currency=remote.currency.upper()))
    existing = uow.subscriptions.get(remote.id)
    card = _card_of(uow, remote, existing)
    if existing is None:
        uow.subscriptions.save(Subscription(remote.id, remote.customer, remote.product, card,
                                            billing_status=remote.status))  # fmt: skip
    else:
        uow.subscriptions.save(replace(existing, product=remote.product, payment_method_id=card,
                                       billing_status=remote.status))  # fmt: skip
    return True


def _card_of(uow: UnitOfWork, remote: RemoteSubscription, existing: Subscription | None) -> str | None:
    """Stripe's default card if settlebot has it, else the card settlebot last used if it still exists."""
    for candidate in (card_id_for(remote.default_card) if remote.default_card else None,
                      existing.payment_method_id if existing else None):  # fmt: skip
        if candidate and uow.cards.get(candidate) is not None:
            return candidate
    return None


def apply_invoice(uow: UnitOfWork, remote: RemoteInvoice) -> bool:
    status = _STATUSES.get(remote.status)
    subscription = uow.subscriptions.get(remote.subscription) if remote.subscription else None
    account = uow.accounts.get(remote.customer)
    if status is None or subscription is None or account is None:
        return False  # a draft, a one-off invoice, or one of a subscription not read yet
    if remote.remaining.currency != account.currency:
        log.warning("invoice %s is in %s, its account in %s: not kept", remote.id, remote.remaining.currency,
                    account.currency)  # fmt: skip
        return False
    local = uow.invoices.get(remote.id)
    if local is None and status is not InvoiceStatus.OPEN:
        return False  # closed before settlebot ever saw it open: nothing to follow
    if local is not None and status.rank < local.status.rank:
        return False  # older news than what is kept: never reopen
    if status is InvoiceStatus.OPEN:
        amount = remote.remaining
    else:
        amount = local.amount if local is not None else remote.amount_due
    uow.invoices.save(Invoice(remote.id, subscription.id, amount, remote.due_date, status, remote.attempt_count,
                              remote.next_payment_attempt))  # fmt: skip
    return True
