"""Read-side use cases: what is past due, and the Home tab's "Your products"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.errors import NotFound
from domain.model import Account, Balance, Card, Role, Subscription, balance_of
from domain.ports import UnitOfWork


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


def your_products(uow: UnitOfWork, actor: str, today: dt.date) -> list[AccountProducts]:
    """Every account the actor administers, with its subscriptions and cards."""
    with uow:
        roles = uow.accounts.roles_of(actor)
        subscriptions = uow.subscriptions.for_accounts(roles)
        invoices = uow.invoices.for_subscriptions(s.id for s in subscriptions)
        result = []
        for account_id in sorted(roles):
            account = uow.accounts.get(account_id)
            if account is None:
                continue
            cards = {c.id: c for c in uow.cards.for_account(account_id)}
            lines = []
            for sub in (s for s in subscriptions if s.account_id == account_id):
                balance = balance_of(invoices.get(sub.id, []), account.currency, today)
                card = cards.get(sub.payment_method_id or "")
                lines.append(ProductLine(sub, balance, card, balance.days_past_due(today)))
            lines.sort(key=lambda line: (-line.days_past_due, line.subscription.product))
            result.append(AccountProducts(account, roles[account_id], tuple(lines), tuple(cards.values())))
        return result


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
        for line in group.products
        if line.balance.is_past_due
    ]
    items.sort(key=lambda item: (-item[1].days_past_due, item[1].subscription.product))
    return items


def find_subscription(uow: UnitOfWork, actor: str, query: str) -> str:
    """Resolve ``/settle <id or product name>`` to a subscription id the actor can see."""
    needle = query.strip().casefold()
    with uow:
        roles = uow.accounts.roles_of(actor)
        if not roles:
            raise NotFound("no_role")
        subscriptions = uow.subscriptions.for_accounts(roles)
    exact = [s for s in subscriptions if s.id.casefold() == needle]
    named = exact or [s for s in subscriptions if s.product.casefold() == needle]
    partial = named or [s for s in subscriptions if needle in s.product.casefold()]
    if len(partial) == 1:
        return partial[0].id
    if not partial:
        raise NotFound("no_such_subscription", query=query.strip()[:80])
    raise NotFound("ambiguous_subscription", query=query.strip()[:80], count=len(partial))


def balances(uow: UnitOfWork, today: dt.date) -> list[tuple[Account, ProductLine]]:
    """Every subscription with an outstanding balance, for operators (no actor: CLI only)."""
    with uow:
        accounts = {a.id: a for a in uow.accounts.all()}
        subscriptions = uow.subscriptions.for_accounts(accounts)
        invoices = uow.invoices.for_subscriptions(s.id for s in subscriptions)
    rows = []
    for sub in subscriptions:
        account = accounts[sub.account_id]
        balance = balance_of(invoices.get(sub.id, []), account.currency, today)
        if balance.amount.is_positive():
            rows.append((account, ProductLine(sub, balance, None, balance.days_past_due(today))))
    rows.sort(key=lambda r: (-r[1].days_past_due, r[0].id, r[1].subscription.id))
    return rows
