"""Who may see and do what. Every value from Slack is untrusted, so each use case asks here."""

from __future__ import annotations

from domain.errors import NotAllowed, NotFound
from domain.model import Account, Role, Subscription
from domain.ports import UnitOfWork
from domain.tenancy import tenant_of


def roles_of(uow: UnitOfWork, actor: str) -> dict[str, Role]:
    """The actor's roles, on the accounts of the workspace they act in only: a user id is unique
    only within its workspace, and another workspace's accounts do not exist for them."""
    return uow.accounts.roles_of(str(actor), tenant_of(actor))


def role_on(uow: UnitOfWork, actor: str, account_id: str) -> Role:
    """The actor's role on the account; NotFound when they have none or the account belongs to
    another workspace (they learn nothing)."""
    role = roles_of(uow, actor).get(account_id)
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
