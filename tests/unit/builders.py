"""Small realistic billing data for unit tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.model import Account, Admin, Card, Invoice, Role, Subscription, balance_of
from domain.money import Money
from domain.ports import UnitOfWork
from domain.settlement import ConfirmedBalance
from tests.fakes import FakeUnitOfWork

OWNER = "U0OWNER01"  # global admin who owns the default card
ADMIN = "U0ADMIN02"  # billing admin, owns no card
READER = "U0READER3"  # billing reader
STRANGER = "U0NOBODY4"  # no role anywhere
OTHER = "U0OTHER05"  # admin of another account
TODAY = dt.date(2026, 11, 25)


def seed(uow: FakeUnitOfWork, *, card_token: str = "tok_visa", exp: tuple[int, int] = (8, 2028)) -> None:
    with uow:
        uow.accounts.save(Account("acc_contoso", "Contoso Ltd", "USD"))
        uow.accounts.save(Account("acc_fabrikam", "Fabrikam", "EUR"))
        uow.accounts.replace_admins("acc_contoso", [
            Admin("acc_contoso", OWNER, Role.GLOBAL_ADMIN),
            Admin("acc_contoso", ADMIN, Role.BILLING_ADMIN),
            Admin("acc_contoso", READER, Role.BILLING_READER),
        ])  # fmt: skip
        uow.accounts.replace_admins("acc_fabrikam", [Admin("acc_fabrikam", OTHER, Role.GLOBAL_ADMIN)])
        uow.cards.save(Card("card_1", "acc_contoso", "visa", "4242", exp[0], exp[1], OWNER, card_token))
        uow.cards.save(Card("card_2", "acc_contoso", "mastercard", "4444", 1, 2030, ADMIN, "tok_mastercard"))
        uow.cards.save(Card("card_f", "acc_fabrikam", "visa", "1881", 1, 2030, OTHER, "tok_visa"))
        uow.subscriptions.save(Subscription("sub_e3", "acc_contoso", "Microsoft 365 E3", "card_1"))
        uow.subscriptions.save(Subscription("sub_bp", "acc_contoso", "Business Premium", "card_1"))
        uow.subscriptions.save(Subscription("sub_f", "acc_fabrikam", "Teams Essentials", "card_f"))
        uow.invoices.save(Invoice("inv_1", "sub_e3", Money(Decimal("72.00"), "USD"), TODAY - dt.timedelta(days=5)))
        uow.invoices.save(Invoice("inv_2", "sub_e3", Money(Decimal("57.99"), "USD"), TODAY - dt.timedelta(days=2)))
        uow.invoices.save(Invoice("inv_3", "sub_bp", Money(Decimal("22.00"), "USD"), TODAY + dt.timedelta(days=9)))
        uow.invoices.save(Invoice("inv_f", "sub_f", Money(Decimal("4.00"), "EUR"), TODAY - dt.timedelta(days=1)))
        uow.commit()


def shown(uow: UnitOfWork, subscription_id: str = "sub_e3", today: dt.date = TODAY) -> ConfirmedBalance:
    """The balance a settle modal would show for ``subscription_id`` now, as its Save confirms it."""
    with uow:
        subscription = uow.subscriptions.get(subscription_id)
        assert subscription is not None
        account = uow.accounts.get(subscription.account_id)
        assert account is not None
        invoices = uow.invoices.for_subscriptions([subscription_id]).get(subscription_id, [])
    return ConfirmedBalance.of(balance_of(invoices, account.currency, today))
