"""A row that fails to become its domain object raises BadRecord naming its table and id
(never its values), so the use cases can set that one record aside."""

import datetime as dt

import pytest
from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import BadRecord
from storage.models import AccountRow, CardRow, InvoiceRow, SubscriptionRow
from storage.uow import SqlUnitOfWork


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        s.execute(insert(AccountRow), [{"id": "acc_1", "name": "Contoso", "currency": "USD", "locale": "en"}])
        s.execute(insert(CardRow), [
            {"id": card, "account_id": "acc_1", "brand": "visa", "last4": "4242", "exp_month": 8,
             "exp_year": 2030, "owner_slack_user_id": "U1", "token": "tok_SECRET"}
            for card in ("card_ok", "card_bad")
        ])  # fmt: skip
        s.execute(insert(SubscriptionRow), [
            {"id": sub, "account_id": "acc_1", "product": sub, "payment_method_id": None, "status": "active"}
            for sub in ("sub_ok", "sub_bad")
        ])  # fmt: skip
        s.execute(insert(InvoiceRow), [
            {"id": inv, "subscription_id": "sub_ok", "amount_minor": 100, "currency": "USD",
             "due_date": dt.date(2026, 1, 1), "status": "open"}
            for inv in ("inv_ok", "inv_bad")
        ])  # fmt: skip
    return sessions


def _break(sessions: sessionmaker[Session], model: type, row_id: str, **values: object) -> None:
    with sessions.begin() as s:
        s.execute(update(model).where(model.id == row_id).values(**values))


def test_a_card_with_an_impossible_expiry_month_is_a_bad_record_and_its_neighbour_reads(seeded) -> None:
    _break(seeded, CardRow, "card_bad", exp_month=13)
    with SqlUnitOfWork(seeded) as uow:
        assert uow.cards.get("card_ok") is not None
        with pytest.raises(BadRecord) as caught:
            uow.cards.get("card_bad")
        assert (caught.value.table, caught.value.record_id) == ("cards", "card_bad")
        assert "tok_" not in str(caught.value) and "13" not in str(caught.value)
        assert uow.cards.get("card_ok") is not None  # the transaction goes on


def test_a_subscription_with_an_unknown_status_is_a_bad_record(seeded) -> None:
    _break(seeded, SubscriptionRow, "sub_bad", status="cancelled")
    with SqlUnitOfWork(seeded) as uow:
        with pytest.raises(BadRecord, match="subscriptions sub_bad"):
            uow.subscriptions.for_accounts(["acc_1"])
        assert uow.subscriptions.get("sub_ok") is not None


def test_an_invoice_in_an_invalid_currency_is_a_bad_record(seeded) -> None:
    _break(seeded, InvoiceRow, "inv_bad", currency="U$D")
    with SqlUnitOfWork(seeded) as uow:
        with pytest.raises(BadRecord, match="invoices inv_bad"):
            uow.invoices.for_subscriptions(["sub_ok"])
        assert uow.invoices.get("inv_ok") is not None
