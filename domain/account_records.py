"""Reading many accounts' billing records at once, each account's failure kept to itself.

The records of every account asked for are read in one batch (a query per table, however
many accounts). Only when a row in the batch fails to map (BadRecord) is each account read
again alone, so the failure lands on the one account it belongs to and the others read as
usual: one bad row costs a query per table per account, once, not in the normal case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.errors import BadRecord, DomainError
from domain.model import Account, Card, Invoice, Subscription
from domain.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class AccountRecords:
    """One account's records as read: its subscriptions (by id), their invoices, its cards (by id)."""

    account: Account
    subscriptions: list[Subscription] = field(default_factory=list)
    invoices: dict[str, list[Invoice]] = field(default_factory=dict)  # by subscription id
    cards: list[Card] = field(default_factory=list)


Read = AccountRecords | DomainError  # an account's records, or why they cannot be read


def read_accounts(uow: UnitOfWork, account_ids: Sequence[str], *, cards: bool = True) -> dict[str, Read]:
    """The records of each account in ``account_ids`` that exists (inside the caller's
    transaction); an account a row of which fails to map maps to its BadRecord instead.
    ``cards=False`` leaves the cards unread (and empty)."""
    try:
        return dict(_batch(uow, account_ids, cards))
    except BadRecord:
        found: dict[str, Read] = {}
        for account_id in account_ids:
            found.update(_alone(uow, account_id, cards))
        return found


def _alone(uow: UnitOfWork, account_id: str, cards: bool) -> dict[str, Read]:
    try:
        return dict(_batch(uow, [account_id], cards))
    except BadRecord as error:
        return {account_id: error}


def _batch(uow: UnitOfWork, account_ids: Sequence[str], cards: bool) -> dict[str, AccountRecords]:
    accounts = uow.accounts.get_many(account_ids)
    subscriptions = uow.subscriptions.for_accounts(accounts)
    invoices = uow.invoices.for_subscriptions(s.id for s in subscriptions)
    found = {account_id: AccountRecords(account) for account_id, account in accounts.items()}
    for subscription in subscriptions:
        records = found[subscription.account_id]
        records.subscriptions.append(subscription)
        records.invoices[subscription.id] = invoices.get(subscription.id, [])
    for card in uow.cards.for_accounts(accounts) if cards else []:
        found[card.account_id].cards.append(card)
    return found
