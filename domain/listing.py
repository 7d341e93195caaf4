"""Read-side use cases: what is past due, and the Home tab's "Your products"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.access import roles_of
from domain.account_records import AccountRecords, Read, read_accounts
from domain.errors import BadRecord, DomainError, NotFound
from domain.failures import FailureLog, describe_error
from domain.model import Account, Balance, Card, Role, Subscription, balance_of
from domain.ports import UnitOfWork

NO_CURRENCY = "XXX"  # ISO 4217's "no currency": an account known only by its id


@dataclass(frozen=True, slots=True)
class ProductLine:
    subscription: Subscription
    balance: Balance
    card: Card | None
    days_past_due: int


@dataclass(frozen=True, slots=True)
class AccountProducts:
    account: Account
    role: Role
    products: tuple[ProductLine, ...]
    cards: tuple[Card, ...]
    unreadable: bool = False  # its records could not be read now: shown as such, nothing else


def your_products(
    uow: UnitOfWork, actor: str, today: dt.date, failures: FailureLog | None = None
) -> list[AccountProducts]:
    """Every account the actor administers, with its subscriptions and cards.

    Read in one batch whatever the number of accounts (``domain.account_records``). An
    account whose records cannot be read (a row that fails to map, a currency that no longer
    matches its invoices) comes back ``unreadable``, logged once in ``failures``; the other
    accounts are unaffected.
    """
    failures = failures or FailureLog()
    with uow:
        roles = roles_of(uow, actor)
        records = read_accounts(uow, sorted(roles))
        result = []
        for account_id in sorted(roles):
            found = records.get(account_id)
            if found is not None:
                result.append(_group(uow, account_id, roles[account_id], found, today, failures))
        return result


def _group(
    uow: UnitOfWork, account_id: str, role: Role, found: Read, today: dt.date, failures: FailureLog
) -> AccountProducts:
    try:
        if isinstance(found, DomainError):
            raise found
        group = _account_products(found, role, today)
    except DomainError as error:
        failures.failed("account", account_id, error)
        account = found.account if isinstance(found, AccountRecords) else _name_only(uow, account_id)
        return AccountProducts(account, role, (), (), unreadable=True)
    failures.succeeded("account", account_id)
    return group


def _account_products(records: AccountRecords, role: Role, today: dt.date) -> AccountProducts:
    account = records.account
    cards = {c.id: c for c in records.cards}
    lines = []
    for sub in records.subscriptions:
        balance = balance_of(records.invoices[sub.id], account.currency, today)
        lines.append(ProductLine(sub, balance, cards.get(sub.payment_method_id or ""), balance.days_past_due(today)))
    lines.sort(key=lambda line: (-line.days_past_due, line.subscription.product))
    return AccountProducts(account, role, tuple(lines), tuple(cards.values()))


def _name_only(uow: UnitOfWork, account_id: str) -> Account:
    """The account to name beside "could not be read": itself if its own row reads, else its id."""
    try:
        account = uow.accounts.get(account_id)
    except DomainError:
        account = None
    return account or Account(account_id, account_id, NO_CURRENCY)


def list_past_due(uow: UnitOfWork, actor: str, today: dt.date) -> list[tuple[Account, ProductLine]]:
    """The actor's past-due subscriptions, most overdue first. NotFound if they have no role."""
    return past_due_of(your_products(uow, actor, today))


def past_due_of(accounts: list[AccountProducts]) -> list[tuple[Account, ProductLine]]:
    """The past-due lines of ``your_products``, most overdue first. NotFound if there is no account."""
    if not accounts:
        raise NotFound("no_role")
    items = [
        (group.account, line)
        for group in accounts
        for line in group.products  # an unreadable account has none
        if line.balance.is_past_due
    ]
    items.sort(key=lambda item: (-item[1].days_past_due, item[1].subscription.product))
    return items


def find_subscription(uow: UnitOfWork, actor: str, query: str, failures: FailureLog | None = None) -> str:
    """Resolve ``/settle <id or product name>`` to a subscription id the actor can see.
    Subscriptions of an account whose records cannot be read are not searched."""
    needle = query.strip().casefold()
    with uow:
        roles = roles_of(uow, actor)
        if not roles:
            raise NotFound("no_role")
        subscriptions = _readable_subscriptions(uow, sorted(roles), failures or FailureLog())
    exact = [s for s in subscriptions if s.id.casefold() == needle]
    named = exact or [s for s in subscriptions if s.product.casefold() == needle]
    partial = named or [s for s in subscriptions if needle in s.product.casefold()]
    if len(partial) == 1:
        return partial[0].id
    if not partial:
        raise NotFound("no_such_subscription", query=query.strip()[:80])
    raise NotFound("ambiguous_subscription", query=query.strip()[:80], count=len(partial))


def _readable_subscriptions(uow: UnitOfWork, account_ids: list[str], failures: FailureLog) -> list[Subscription]:
    """All in one read; only if a row fails to map, account by account (the others still searched)."""
    try:
        return uow.subscriptions.for_accounts(account_ids)
    except BadRecord:
        pass
    found: list[Subscription] = []
    for account_id in account_ids:
        try:
            found += uow.subscriptions.for_accounts([account_id])
        except DomainError as error:
            failures.failed("account", account_id, error)
    return found


@dataclass(frozen=True, slots=True)
class BalanceSheet:
    """What is owed, subscription by subscription, and the accounts that could not be read
    (with the reason: ids and error kinds only), which it leaves out."""

    rows: list[tuple[Account, ProductLine]]
    unreadable: dict[str, str]  # account id -> reason


def balances(uow: UnitOfWork, today: dt.date) -> BalanceSheet:
    """Every subscription with an outstanding balance, for operators (no actor: CLI only).
    An account whose records cannot be read is named in ``unreadable``; the others are listed."""
    with uow:
        records = read_accounts(uow, uow.accounts.ids(), cards=False)
    rows: list[tuple[Account, ProductLine]] = []
    unreadable: dict[str, str] = {}
    for account_id, found in records.items():
        try:
            if isinstance(found, DomainError):
                raise found
            rows += _owed(found, today)
        except DomainError as error:
            unreadable[account_id] = describe_error(error)
    rows.sort(key=lambda r: (-r[1].days_past_due, r[0].id, r[1].subscription.id))
    return BalanceSheet(rows, dict(sorted(unreadable.items())))


def _owed(records: AccountRecords, today: dt.date) -> list[tuple[Account, ProductLine]]:
    rows = []
    for sub in records.subscriptions:
        balance = balance_of(records.invoices[sub.id], records.account.currency, today)
        if balance.amount.is_positive():
            rows.append((records.account, ProductLine(sub, balance, None, balance.days_past_due(today))))
    return rows
