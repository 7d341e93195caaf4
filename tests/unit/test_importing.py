import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.demo import demo_data
from domain.cards import save_card
from domain.errors import ImportRefused
from domain.importing import import_billing_data
from domain.model import InvoiceStatus
from domain.money import Money
from domain.ports import TokenizedCard
from domain.records import Outcome, SettlementAttempt
from domain.settlement import change_card_expiry, settle
from payments.sandbox import MemoryLedger, SandboxGateway
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.builders import shown
from tests.unit.paying_fakes import InvoiceProcessor

DEMO = json.loads((Path(__file__).parents[1] / "fixtures" / "billing.json").read_text())


def test_importing_the_same_file_twice_changes_nothing():
    uow = FakeUnitOfWork()
    import_billing_data(uow, DEMO)
    first = uow.committed.copy()
    import_billing_data(uow, DEMO)
    assert uow.committed == first


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["accounts"][0].pop("currency"), "accounts[0].currency"),
        (lambda d: d["invoices"][0].update(amount=12.5), "invoices[0].amount"),
        (lambda d: d["invoices"][0].update(amount="abc"), "invoices[0].amount"),
        (lambda d: d["invoices"][0].update(due_date="2026-13-01"), "invoices[0].due_date"),
        (lambda d: d["payment_methods"][0].update(exp_month=13), "payment_methods[0].exp_month"),
        (lambda d: d["accounts"][0]["admins"][0].update(role="owner"), "accounts[0].admins[0].role"),
        (lambda d: d["subscriptions"][0].update(account_id="nope"), "subscriptions[0].account_id"),
        (lambda d: d["invoices"].append(dict(d["invoices"][0])), "invoices[4].id"),
        (lambda d: d["accounts"][0]["admins"].append({"slack_user_id": "U0OWNER01", "role": "billing_reader"}),
         "accounts[0].admins[2].slack_user_id"),
    ],
)
def test_a_bad_file_is_refused_whole_naming_the_first_problem(mutate, path):
    doc = copy.deepcopy(DEMO)
    mutate(doc)
    uow = FakeUnitOfWork()
    with pytest.raises(ImportRefused) as err:
        import_billing_data(uow, doc)
    assert err.value.path == path
    assert uow.commits == 0


# -- against the database: what settlebot did is kept, ids and currencies stay where they are ------

TODAY = dt.date(2026, 11, 25)
CLOCK_NOW = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
GA = "U0DEMOGA1"  # owns card_visa and card_expired in the demo data


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def demo() -> dict[str, Any]:
    return demo_data(TODAY)


def imported() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    import_billing_data(uow, demo())
    return uow


def settled(uow: FakeUnitOfWork, subscription_id: str, card_id: str, ledger: MemoryLedger | None = None) -> None:
    clock = FakeClock(CLOCK_NOW)
    confirmed = shown(uow, subscription_id, clock.today())
    gateway = SandboxGateway(ledger or MemoryLedger())
    result = settle(uow, gateway, clock, GA, subscription_id, card_id, confirmed=confirmed)
    assert result.outcome is Outcome.SUCCEEDED


def refused_path(uow: FakeUnitOfWork, doc: dict[str, Any]) -> str:
    before, commits = uow.committed.copy(), uow.commits
    with pytest.raises(ImportRefused) as err:
        import_billing_data(uow, doc)
    assert (uow.committed, uow.commits) == (before, commits)
    return err.value.path


def test_reimporting_never_reopens_an_invoice_settled_in_slack_and_says_so():
    uow = imported()
    settled(uow, "sub_m365_e3", "card_visa")
    report = import_billing_data(uow, demo())  # the file still says open
    assert {i.status for i in uow.committed.invoices.values() if i.subscription_id == "sub_m365_e3"} == {
        InvoiceStatus.PAID
    }
    assert sorted(str(k) for k in report.kept) == [
        "invoice inv_e3_addon kept paid: settled in Slack by U0DEMOGA1 on 2026-11-25; "
        "the file says status open (invoices[2])",
        "invoice inv_e3_nov kept paid: settled in Slack by U0DEMOGA1 on 2026-11-25; "
        "the file says status open (invoices[1])",
    ]
    assert import_billing_data(uow, demo()) == report  # the same file: the same summary


def test_reimporting_never_reopens_an_invoice_a_partial_settlement_paid():
    uow = imported()
    clock = FakeClock(CLOCK_NOW)
    processor = InvoiceProcessor(declines={"inv_e3_addon": "insufficient_funds"})
    confirmed = shown(uow, "sub_m365_e3", clock.today())
    result = settle(uow, processor, clock, GA, "sub_m365_e3", "card_visa", confirmed=confirmed)
    assert (result.outcome, result.attempt.paid_invoice_ids) == (Outcome.PARTIAL, ("inv_e3_nov",))
    report = import_billing_data(uow, demo())  # the file still says both are open
    assert uow.committed.invoices["inv_e3_nov"].status is InvoiceStatus.PAID
    assert uow.committed.invoices["inv_e3_addon"].status is InvoiceStatus.OPEN
    assert [str(k) for k in report.kept] == [
        "invoice inv_e3_nov kept paid: settled in Slack by U0DEMOGA1 on 2026-11-25; "
        "the file says status open (invoices[1])",
    ]


def test_an_invoice_paid_by_an_earlier_file_may_be_reopened_by_a_later_one():
    uow = imported()
    doc = demo()
    doc["invoices"][0]["status"] = "open"  # inv_e3_oct, paid according to the billing system
    report = import_billing_data(uow, doc)
    assert uow.committed.invoices["inv_e3_oct"].status is InvoiceStatus.OPEN and report.kept == ()


def test_reimporting_keeps_the_card_a_settlement_made_the_subscriptions_card():
    uow = imported()
    settled(uow, "sub_power_bi", "card_visa")  # its card in the file is card_declines
    report = import_billing_data(uow, demo())
    assert uow.committed.subscriptions["sub_power_bi"].payment_method_id == "card_visa"
    assert [str(k) for k in report.kept] == [
        "subscription sub_power_bi kept card card_visa: the card of the settlement by U0DEMOGA1 on 2026-11-25; "
        "the file says card_declines (subscriptions[2].payment_method_id)",
        "invoice inv_pbi_nov kept paid: settled in Slack by U0DEMOGA1 on 2026-11-25; "
        "the file says status open (invoices[4])",
    ]


def test_a_file_may_still_change_the_product_of_a_settled_subscription():
    uow = imported()
    settled(uow, "sub_power_bi", "card_visa")
    doc = demo()
    doc["subscriptions"][2]["product"] = "Power BI Premium"
    import_billing_data(uow, doc)
    sub = uow.committed.subscriptions["sub_power_bi"]
    assert (sub.product, sub.payment_method_id) == ("Power BI Premium", "card_visa")


def test_an_expiry_changed_in_slack_is_kept_and_the_rest_of_the_card_follows_the_file():
    uow = imported()
    change_card_expiry(uow, GA, "card_expired", 9, 2029, TODAY)
    doc = demo()
    doc["payment_methods"][1]["brand"] = "Mastercard Debit"
    report = import_billing_data(uow, doc)
    card = uow.committed.cards["card_expired"]
    assert (card.brand, card.exp_month, card.exp_year) == ("mastercard debit", 9, 2029)
    assert [str(k) for k in report.kept] == [
        "card card_expired kept expiry 09/2029: changed in Slack by U0DEMOGA1 on 2026-11-25; "
        "the file says 10/2026 (payment_methods[1].exp_month)",
    ]


def test_a_card_added_in_slack_is_kept_whole_when_a_file_names_its_id():
    uow = imported()
    tokenized = TokenizedCard("tok_mastercard", "mastercard", "4444")
    now = dt.datetime.combine(TODAY, dt.time(9), dt.UTC)
    with uow:
        uow.card_links.add("nonce_1", now + dt.timedelta(minutes=15))
        uow.commit()
    added = save_card(uow, GA, "acc_contoso", tokenized, 4, 2031, link="nonce_1", now=now, today=TODAY)
    doc = demo()
    doc["payment_methods"].append({**doc["payment_methods"][0], "id": added.id})
    report = import_billing_data(uow, doc)
    assert uow.committed.cards[added.id] == added
    assert [str(k) for k in report.kept] == [
        f"card {added.id} kept as added: added in Slack by U0DEMOGA1 on 2026-11-25; the file differs in "
        "brand, last4, exp_month, exp_year, token (payment_methods[4])",
    ]
    assert "tok_" not in str(report.kept)


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["payment_methods"][3].update(account_id="acc_contoso"), "payment_methods[3].account_id"),
        (lambda d: d["subscriptions"][4].update(account_id="acc_contoso", payment_method_id="card_visa"),
         "subscriptions[4].account_id"),
        (lambda d: d["invoices"][6].update(subscription_id="sub_exchange"), "invoices[6].subscription_id"),
    ],
)
def test_an_id_that_belongs_elsewhere_in_the_database_is_refused_with_its_path(mutate, path):
    uow = imported()
    doc = demo()
    mutate(doc)
    assert refused_path(uow, doc) == path


def test_a_currency_change_over_open_invoices_is_refused_with_its_path():
    uow = imported()
    doc = demo()
    doc["accounts"][1]["currency"] = "USD"  # Fabrikam's invoices are open in EUR
    for invoice in doc["invoices"][6:]:
        invoice["currency"] = "USD"  # even with the file's own invoices re-denominated ...
    doc["invoices"].pop()  # ... one open EUR invoice stays in the database
    assert refused_path(uow, doc) == "accounts[1].currency"


def test_a_currency_change_once_nothing_is_open_in_the_old_one_is_imported():
    uow = imported()
    doc = demo()
    doc["accounts"][1]["currency"] = "USD"
    for invoice in doc["invoices"][6:]:
        invoice["status"] = "paid"  # paid invoices keep the currency they were paid in
    import_billing_data(uow, doc)
    assert uow.committed.accounts["acc_fabrikam"].currency == "USD"


NEW_INVOICE = {"id": "inv_e3_dec", "subscription_id": "sub_m365_e3", "amount": "72.00", "currency": "USD",
               "due_date": "2026-12-20", "status": "open"}  # fmt: skip


def test_a_file_of_new_invoices_alone_refers_to_subscriptions_in_the_database():
    uow = imported()
    report = import_billing_data(uow, {"invoices": [NEW_INVOICE]})
    assert uow.committed.invoices["inv_e3_dec"].subscription_id == "sub_m365_e3"
    assert (report.accounts, report.invoices) == (0, 1)


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"invoices": [NEW_INVOICE, {**NEW_INVOICE, "id": "inv_x", "subscription_id": "sub_nope"}]},
         "invoices[1].subscription_id"),
        ({"invoices": [{**NEW_INVOICE, "currency": "EUR"}]}, "invoices[0].currency"),
        ({"subscriptions": [{"id": "sub_new", "account_id": "acc_contoso", "product": "X",
                             "payment_method_id": "card_amex"}]}, "subscriptions[0].payment_method_id"),
        ({"payment_methods": [{**demo()["payment_methods"][0], "id": "card_new", "account_id": "acc_nope"}]},
         "payment_methods[0].account_id"),
    ],
)  # fmt: skip
def test_a_file_of_new_items_is_checked_against_the_database_and_refused_whole(doc, path):
    assert refused_path(imported(), doc) == path


def test_an_invoice_a_settlement_is_paying_is_kept_until_it_finishes():
    uow = imported()
    with uow:
        invoices = ("inv_e3_addon", "inv_e3_nov")
        pending = SettlementAttempt("att_1", "sub_m365_e3", "acc_contoso", "card_visa", GA, usd("129.99"),
                                    invoices, "settle:sub_m365_e3:x:1", Outcome.PENDING, CLOCK_NOW)  # fmt: skip
        uow.attempts.add(pending)
        uow.commit()
    doc = demo()
    doc["invoices"][1]["amount"] = "80.00"  # the charge under way is for 72.00
    report = import_billing_data(uow, doc)
    assert uow.committed.invoices["inv_e3_nov"].amount == usd("72.00")
    assert [str(k) for k in report.kept] == [
        "invoice inv_e3_nov kept open: a settlement by U0DEMOGA1 since 2026-11-25 is under way; "
        "the file says amount 80.00 USD (invoices[1])",
    ]
