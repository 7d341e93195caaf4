"""Who may see and do what. Every value from Slack is untrusted, so each use case asks here."""

from __future__ import annotations

from domain.errors import NotAllowed, NotFound
from domain.model import Account, Role, Subscription
from domain.ports import UnitOfWork


def role_on(uow: UnitOfWork, actor: str, account_id: str) -> Role:
    """The actor's role on the account; NotFound when they have none (they learn nothing)."""
    role = uow.accounts.roles_of(actor).get(account_id)
    if role is None:
        raise NotFound("not_found")
    return role


def visible_subscription(
    uow: UnitOfWork, actor: str, subscription_id: str, *, lock: bool = False
) -> tuple[Subscription, Account, Role]:
    subscription = uow.subscriptions.get(subscription_id, lock=lock)
    if subscription is None:
        raise NotFound("not_found")
    role = role_on(uow, actor, subscription.account_id)
    account = uow.accounts.get(subscription.account_id)
    if account is None:
        raise NotFound("not_found")
    return subscription, account, role


def require_settler(role: Role) -> None:
    if not role.may_settle:
        raise NotAllowed("reader_cannot_settle")
