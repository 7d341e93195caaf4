"""Imports against what settlebot did, on each backend: a settled balance stays settled, and a
file cannot put an account's open invoices in two currencies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.demo import demo_data
from domain.alerts import ReminderPolicy, deliver, scan
from domain.errors import AlreadySettled, ImportRefused
from domain.importing import import_billing_data
from domain.model import Card, InvoiceStatus
from domain.ports import UnitOfWork
from domain.records import CardChange, CardEvent, Outcome
from domain.settlement import settle
from payments.sandbox import MemoryLedger, SandboxGateway
from tests.fakes import FakeClock
from tests.storage.test_use_cases import Notifier
from tests.unit.builders import shown

START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
GA = "U0DEMOGA1"


def demo() -> dict[str, Any]:
    return demo_data(START.date())


def scan_and_deliver(uow: UnitOfWork, clock: FakeClock, slack: Notifier) -> None:
    scan(uow, clock, ReminderPolicy(), "C0DEFAULT")
    deliver(uow, clock, slack)


def test_reimporting_a_settled_balance_neither_alerts_again_nor_charges_again(uow: UnitOfWork) -> None:
    clock, slack, ledger = FakeClock(START), Notifier(), MemoryLedger()
    import_billing_data(uow, demo())
    scan_and_deliver(uow, clock, slack)
    confirmed = shown(uow, "sub_m365_e3", clock.today())
    assert settle(uow, SandboxGateway(ledger), clock, GA, "sub_m365_e3", "card_visa", confirmed=confirmed).outcome \
        is Outcome.SUCCEEDED
    import_billing_data(uow, demo())  # the billing system's export still says open
    clock.advance(days=1)
    scan_and_deliver(uow, clock, slack)
    with pytest.raises(AlreadySettled):
        settle(uow, SandboxGateway(ledger), clock, GA, "sub_m365_e3", "card_visa", confirmed=confirmed)
    assert slack.posts.count("sub_m365_e3") == 1
    assert len(ledger.entries()) == 1
    with uow:
        invoices = uow.invoices.for_subscriptions(["sub_m365_e3"])["sub_m365_e3"]
        assert {i.status for i in invoices} == {InvoiceStatus.PAID}


def test_a_currency_changed_by_a_file_cannot_stop_alert_delivery(uow: UnitOfWork) -> None:
    clock, slack = FakeClock(START), Notifier()
    import_billing_data(uow, demo())
    doc = demo()
    doc["accounts"][1]["currency"] = "USD"  # Fabrikam's invoices are open in EUR
    with pytest.raises(ImportRefused) as refused:
        import_billing_data(uow, doc)
    assert refused.value.path == "accounts[1].currency"
    scan_and_deliver(uow, clock, slack)  # every past-due subscription, of both accounts, alerted
    assert sorted(slack.posts) == ["sub_business_premium", "sub_m365_e3", "sub_power_bi", "sub_teams"]


def test_a_card_moved_to_another_account_by_a_file_is_refused_and_nothing_written(uow: UnitOfWork) -> None:
    import_billing_data(uow, demo())
    doc = demo()
    doc["invoices"].append({**doc["invoices"][1], "id": "inv_new"})
    doc["payment_methods"][3]["account_id"] = "acc_contoso"  # card_amex belongs to Fabrikam
    with pytest.raises(ImportRefused) as refused:
        import_billing_data(uow, doc)
    assert refused.value.path == "payment_methods[3].account_id"
    with uow:
        card = uow.cards.get("card_amex")
        assert card is not None and card.account_id == "acc_fabrikam"
        assert uow.invoices.get("inv_new") is None


def test_card_events_are_kept_oldest_first(uow: UnitOfWork) -> None:
    import_billing_data(uow, demo())
    later = CardEvent("ev_2", "card_visa", CardChange.EXPIRY, GA, dt.date(2026, 12, 1))
    first = CardEvent("ev_1", "card_visa", CardChange.ADDED, GA, dt.date(2026, 11, 25))
    with uow:
        uow.cards.add_event(later)
        uow.cards.add_event(first)
        uow.commit()
    with uow:
        assert uow.cards.events("card_visa") == [first, later]
        assert uow.cards.events("card_amex") == []
        assert isinstance(uow.cards.get("card_visa"), Card)
