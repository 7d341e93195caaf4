"""Repository contract, billing half: the same tests on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from domain.importing import import_billing_data
from domain.model import Account, Admin, Card, InvoiceStatus, Role, SubscriptionStatus
from domain.money import Money
from domain.ports import UnitOfWork
from domain.tenancy import UNASSIGNED
from tests.storage.builders import account, card, invoice, seed_billing, subscription

FIXTURE = Path(__file__).parents[1] / "fixtures" / "billing.json"


def snapshot(uow: UnitOfWork, account_ids: list[str]) -> dict[str, object]:
    """Everything the repositories say about these accounts, in a comparable form."""
    with uow:
        subs = uow.subscriptions.for_accounts(account_ids)
        return {
            "accounts": uow.accounts.all(),
            "admins": {a: sorted(uow.accounts.admins(a), key=str) for a in account_ids},
            "cards": {a: sorted(uow.cards.for_account(a), key=str) for a in account_ids},
            "subscriptions": sorted(subs, key=str),
            "invoices": uow.invoices.for_subscriptions(s.id for s in subs),
        }


def test_account_roundtrips_with_its_channel_and_locale(uow: UnitOfWork) -> None:
    saved = Account("acc_zh", "北京公司", "CNY", "C0ALERTS1", "zh-CN")
    with uow:
        uow.accounts.save(saved)
        uow.accounts.save(Account("acc_plain", "Plain", "USD"))
        uow.commit()
    with uow:
        assert uow.accounts.get("acc_zh") == saved
        assert uow.accounts.get("acc_plain") == Account("acc_plain", "Plain", "USD", None, "en")
        assert uow.accounts.get("acc_missing") is None
        assert [a.id for a in uow.accounts.all()] == ["acc_plain", "acc_zh"]


def test_saving_an_account_again_updates_it_in_place(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(account())
        uow.accounts.save(replace(account(), name="Renamed", channel="C0NEW0001"))
        uow.commit()
    with uow:
        assert uow.accounts.all() == [replace(account(), name="Renamed", channel="C0NEW0001")]


def test_roles_of_maps_each_account_to_the_users_role(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(account("acc_1"))
        uow.accounts.save(account("acc_2"))
        uow.accounts.replace_admins("acc_1", [
            Admin("acc_1", "U0ALICE01", Role.GLOBAL_ADMIN),
            Admin("acc_1", "U0BOB0002", Role.BILLING_READER),
        ])  # fmt: skip
        uow.accounts.replace_admins("acc_2", [Admin("acc_2", "U0ALICE01", Role.BILLING_ADMIN)])
        uow.commit()
    with uow:
        assert uow.accounts.roles_of("U0ALICE01", UNASSIGNED) == {
            "acc_1": Role.GLOBAL_ADMIN, "acc_2": Role.BILLING_ADMIN,
        }  # fmt: skip
        assert uow.accounts.roles_of("U0BOB0002", UNASSIGNED) == {"acc_1": Role.BILLING_READER}
        assert uow.accounts.roles_of("U0NOBODY4", UNASSIGNED) == {}


def test_replacing_admins_drops_those_not_listed(uow: UnitOfWork) -> None:
    bob = Admin("acc_1", "U0BOB0002", Role.BILLING_ADMIN)
    with uow:
        uow.accounts.save(account())
        uow.accounts.replace_admins("acc_1", [Admin("acc_1", "U0ALICE01", Role.GLOBAL_ADMIN), bob])
        uow.commit()
    with uow:
        uow.accounts.replace_admins("acc_1", [bob])
        uow.commit()
    with uow:
        assert uow.accounts.admins("acc_1") == [bob]
        assert uow.accounts.roles_of("U0ALICE01", UNASSIGNED) == {}


def test_cards_roundtrip_and_are_listed_per_account(uow: UnitOfWork) -> None:
    amex = Card("card_2", "acc_1", "amex", "0005", 11, 2031, "U0BOB0002", "tok_amex")
    with uow:
        uow.accounts.save(account("acc_1"))
        uow.accounts.save(account("acc_2"))
        uow.cards.save(card("card_1"))
        uow.cards.save(amex)
        uow.cards.save(card("card_x", "acc_2"))
        uow.commit()
    with uow:
        uow.cards.save(amex.with_expiry(12, 2032))
        uow.commit()
    with uow:
        assert uow.cards.get("card_2") == amex.with_expiry(12, 2032)
        assert sorted(c.id for c in uow.cards.for_account("acc_1")) == ["card_1", "card_2"]
        assert uow.cards.get("card_missing") is None


def test_accounts_are_read_many_at_once_and_listed_by_id(uow: UnitOfWork) -> None:
    with uow:
        for acc in ("acc_2", "acc_1", "acc_3"):
            uow.accounts.save(account(acc))
        uow.commit()
    with uow:
        assert uow.accounts.get_many(iter(["acc_1", "acc_3", "acc_missing"])) == {
            "acc_1": account("acc_1"), "acc_3": account("acc_3"),
        }  # fmt: skip
        assert uow.accounts.get_many([]) == {}
        assert uow.accounts.ids() == ["acc_1", "acc_2", "acc_3"]


def test_the_cards_of_many_accounts_are_listed_by_id(uow: UnitOfWork) -> None:
    with uow:
        for acc in ("acc_1", "acc_2", "acc_3"):
            uow.accounts.save(account(acc))
        for card_id, acc in (("card_c", "acc_1"), ("card_a", "acc_2"), ("card_b", "acc_3"), ("card_d", "acc_1")):
            uow.cards.save(card(card_id, acc))
        uow.commit()
    with uow:
        assert [c.id for c in uow.cards.for_accounts(iter(["acc_1", "acc_2"]))] == ["card_a", "card_c", "card_d"]
        assert uow.cards.for_accounts([]) == []


def test_subscriptions_and_cards_are_read_many_at_once_and_the_missing_left_out(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(account())
        for card_id in ("card_1", "card_2"):
            uow.cards.save(card(card_id))
        for sub_id in ("sub_1", "sub_2"):
            uow.subscriptions.save(subscription(sub_id))
        uow.commit()
    with uow:
        assert uow.cards.get_many(iter(["card_2", "card_missing"])) == {"card_2": card("card_2")}
        assert uow.subscriptions.get_many(iter(["sub_1", "sub_missing"])) == {"sub_1": subscription("sub_1")}
        assert uow.cards.get_many([]) == {} and uow.subscriptions.get_many([]) == {}


def test_subscriptions_roundtrip_and_are_listed_for_accounts(uow: UnitOfWork) -> None:
    with uow:
        for acc in ("acc_1", "acc_2", "acc_3"):
            uow.accounts.save(account(acc))
        uow.cards.save(card())
        uow.subscriptions.save(replace(subscription("sub_1"), payment_method_id="card_1"))
        uow.subscriptions.save(subscription("sub_2", "acc_2"))
        uow.subscriptions.save(subscription("sub_3", "acc_3"))
        uow.commit()
    with uow:
        locked = uow.subscriptions.get("sub_1", lock=True)
        assert locked == replace(subscription("sub_1"), payment_method_id="card_1")
        listed = uow.subscriptions.for_accounts(iter(["acc_1", "acc_2"]))
        assert sorted(s.id for s in listed) == ["sub_1", "sub_2"]
        assert uow.subscriptions.for_accounts([]) == []
        assert uow.subscriptions.get("sub_missing") is None


def test_set_status_changes_only_the_listed_subscriptions(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2", "sub_3")
    with uow:
        uow.subscriptions.set_status(["sub_1", "sub_3"], SubscriptionStatus.PAST_DUE)
        uow.commit()
    with uow:
        statuses = {s.id: s.status for s in uow.subscriptions.for_accounts(["acc_1"])}
    assert statuses == {
        "sub_1": SubscriptionStatus.PAST_DUE, "sub_2": SubscriptionStatus.ACTIVE,
        "sub_3": SubscriptionStatus.PAST_DUE,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "currency"),
    [("0.10", "USD"), ("0.20", "USD"), ("1234", "JPY"), ("1.234", "KWD"),
     ("92233720368547758.07", "USD")],
)  # fmt: skip
def test_invoice_amounts_come_back_exactly(uow: UnitOfWork, text: str, currency: str) -> None:
    seed_billing(uow)
    amount = Money(Decimal(text), currency)
    with uow:
        uow.invoices.save(replace(invoice("inv_1"), amount=amount))
        uow.commit()
    with uow:
        stored = uow.invoices.get("inv_1")
    assert stored is not None and stored.amount == amount
    assert str(stored.amount.amount) == str(amount.amount)


def test_ten_and_twenty_cents_add_up_to_thirty(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.invoices.save(invoice("inv_1", amount="0.10"))
        uow.invoices.save(invoice("inv_2", amount="0.20"))
        uow.commit()
    with uow:
        first, second = uow.invoices.for_subscriptions(["sub_1"])["sub_1"]
    assert first.amount + second.amount == Money(Decimal("0.30"), "USD")


def test_invoices_are_grouped_by_subscription_in_id_order(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2", "sub_3")
    with uow:
        uow.invoices.save(invoice("inv_b", "sub_1"))
        uow.invoices.save(invoice("inv_a", "sub_1", status=InvoiceStatus.PAID))
        uow.invoices.save(invoice("inv_c", "sub_2", days_ago=-5))
        uow.invoices.save(invoice("inv_d", "sub_3"))
        uow.commit()
    with uow:
        grouped = uow.invoices.for_subscriptions(s for s in ["sub_1", "sub_2", "sub_none"])
    assert {k: [i.id for i in v] for k, v in grouped.items()} == {
        "sub_1": ["inv_a", "inv_b"], "sub_2": ["inv_c"],
    }  # fmt: skip
    assert grouped["sub_1"][0].status is InvoiceStatus.PAID


def test_saving_an_invoice_again_updates_its_status(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.invoices.save(invoice("inv_1"))
        uow.invoices.save(replace(invoice("inv_1"), status=InvoiceStatus.PAID))
        uow.commit()
    with uow:
        assert uow.invoices.get("inv_1") == replace(invoice("inv_1"), status=InvoiceStatus.PAID)
        assert uow.invoices.get("inv_missing") is None


def test_importing_the_same_document_twice_changes_nothing(uow: UnitOfWork) -> None:
    doc = json.loads(FIXTURE.read_text())
    import_billing_data(uow, doc)
    first = snapshot(uow, ["acc_contoso"])
    import_billing_data(uow, doc)
    assert snapshot(uow, ["acc_contoso"]) == first
    assert len(first["accounts"]) == 1  # type: ignore[arg-type]


def test_leaving_the_block_without_commit_persists_nothing(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(account())
    with pytest.raises(ZeroDivisionError), uow:
        uow.accounts.save(account("acc_2"))
        raise ZeroDivisionError
    with uow:
        assert uow.accounts.all() == []


def test_rollback_discards_the_work_so_far_and_the_block_goes_on(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(account("acc_1"))
        uow.rollback()
        uow.accounts.save(account("acc_2"))
        uow.commit()
    with uow:
        assert [a.id for a in uow.accounts.all()] == ["acc_2"]


def test_a_second_block_on_the_same_unit_of_work_sees_the_first_commit(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(account())
        uow.commit()
    with uow:
        uow.cards.save(card())
        uow.commit()
    with uow:
        assert uow.accounts.get("acc_1") == account()
        assert uow.cards.get("card_1") == card()
