"""The Home tab, ``/settle`` and ``settlebot balances`` read every account of a listing in one
batch: as many queries for twenty accounts as for one. A row that fails to map sends only
that listing back account by account, and only its own account comes out unreadable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session, sessionmaker

from domain.listing import balances, find_subscription, past_due_of, your_products
from domain.model import Account, Admin, Card, Invoice, Role, Subscription
from domain.money import Money
from storage.models import CardRow
from storage.uow import SqlUnitOfWork

TODAY = dt.date(2026, 11, 25)
ONE, MANY = "U0ONEACC1", "U0MANYAC2"  # the admin of one account, and of all twenty
ACCOUNTS = [f"acc_{n:02}" for n in range(20)]


def _account_records(uow: SqlUnitOfWork, n: int, account_id: str) -> None:
    uow.accounts.save(Account(account_id, f"Account {n:02}", "USD"))
    uow.cards.save(Card(f"card_{n:02}", account_id, "visa", "4242", 8, 2030, MANY, f"tok_{n:02}"))
    for kind, days in (("a", 10), ("b", -5)):  # one past due, one not yet due
        sub_id = f"sub_{n:02}{kind}"
        uow.subscriptions.save(Subscription(sub_id, account_id, f"Product {n:02}{kind}", f"card_{n:02}"))
        for i in range(2):
            due = TODAY - dt.timedelta(days=days + i)
            uow.invoices.save(Invoice(f"inv_{n:02}{kind}{i}", sub_id, Money(Decimal("12.50"), "USD"), due))


@pytest.fixture
def twenty(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Twenty accounts of two subscriptions (two invoices each) and a card; MANY administers
    them all, ONE only the first."""
    with SqlUnitOfWork(sessions) as uow:
        for n, account_id in enumerate(ACCOUNTS):
            _account_records(uow, n, account_id)
            admins = [Admin(account_id, MANY, Role.BILLING_ADMIN)]
            if n == 0:
                admins.append(Admin(account_id, ONE, Role.GLOBAL_ADMIN))
            uow.accounts.replace_admins(account_id, admins)
        uow.commit()
    return sessions


@contextmanager
def _counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _queries(engine: Engine, read: Callable[[], object]) -> int:
    with _counting(engine) as statements:
        read()
    return len(statements)


def test_the_home_tab_of_twenty_accounts_costs_the_queries_of_one(engine: Engine, twenty) -> None:
    one = _queries(engine, lambda: your_products(SqlUnitOfWork(twenty, read_only=True), ONE, TODAY))
    many = _queries(engine, lambda: your_products(SqlUnitOfWork(twenty, read_only=True), MANY, TODAY))
    assert many == one <= 8, (one, many)
    groups = your_products(SqlUnitOfWork(twenty), MANY, TODAY)
    assert [g.account.id for g in groups] == ACCOUNTS and not any(g.unreadable for g in groups)
    assert all(len(g.products) == 2 and len(g.cards) == 1 for g in groups)
    assert len(past_due_of(groups)) == 20  # what /settle lists


def test_settle_by_name_over_twenty_accounts_costs_the_queries_of_one(engine: Engine, twenty) -> None:
    def find(user: str, name: str) -> Callable[[], object]:
        return lambda: find_subscription(SqlUnitOfWork(twenty, read_only=True), user, name)

    assert _queries(engine, find(MANY, "Product 19a")) == _queries(engine, find(ONE, "Product 00a"))
    assert find(MANY, "Product 19a")() == "sub_19a"


def test_settlebot_balances_costs_the_same_queries_for_twenty_accounts_as_for_forty(engine: Engine, twenty) -> None:
    twenty_accounts = _queries(engine, lambda: balances(SqlUnitOfWork(twenty, read_only=True), TODAY))
    with SqlUnitOfWork(twenty) as uow:
        for n in range(20, 40):
            _account_records(uow, n, f"acc_{n:02}")
        uow.commit()
    forty_accounts = _queries(engine, lambda: balances(SqlUnitOfWork(twenty, read_only=True), TODAY))
    assert forty_accounts == twenty_accounts <= 6, (twenty_accounts, forty_accounts)
    assert len(balances(SqlUnitOfWork(twenty), TODAY).rows) == 80


def _break_card(sessions: sessionmaker[Session], card_id: str) -> None:
    with sessions.begin() as s:
        s.execute(update(CardRow).where(CardRow.id == card_id).values(exp_month=13))


def test_one_account_with_a_row_that_fails_to_map_leaves_the_other_nineteen_listed(twenty) -> None:
    _break_card(twenty, "card_07")
    groups = your_products(SqlUnitOfWork(twenty), MANY, TODAY)
    assert [g.account.id for g in groups if g.unreadable] == ["acc_07"]
    assert groups[7].account.name == "Account 07"  # its own row still reads: named as usual
    readable = [g for g in groups if not g.unreadable]
    assert len(readable) == 19 and all(len(g.products) == 2 for g in readable)
    assert find_subscription(SqlUnitOfWork(twenty), MANY, "Product 08a") == "sub_08a"


def test_an_account_whose_invoices_are_in_another_currency_is_named_and_the_others_owe_as_usual(twenty) -> None:
    with SqlUnitOfWork(twenty) as uow:
        uow.accounts.save(Account("acc_03", "Account 03", "EUR"))
        uow.commit()
    _break_card(twenty, "card_11")  # a card does not stop a balance: balances reads no card
    sheet = balances(SqlUnitOfWork(twenty), TODAY)
    assert list(sheet.unreadable) == ["acc_03"] and "currency_mismatch" in sheet.unreadable["acc_03"]
    assert len(sheet.rows) == 38 and {a.id for a, _ in sheet.rows} == set(ACCOUNTS) - {"acc_03"}
    groups = your_products(SqlUnitOfWork(twenty), MANY, TODAY)
    assert [g.account.id for g in groups if g.unreadable] == ["acc_03", "acc_11"]
