"""Linking customers, syncing them from the billing system of record, and webhook events: with fakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from domain.billing import BillingUnavailable, CardGone, EventRef, RemoteCustomer
from domain.billing_events import handle_event, receive_event
from domain.billing_mirror import card_id_for
from domain.billing_sync import link_customer, sync, unlink_customer
from domain.errors import InvalidInput, NotFound
from domain.model import NO_OWNER, InvoiceStatus
from domain.money import Money
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.billing_fakes import FakeReader, card, invoice

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def reader() -> FakeReader:
    stripe = FakeReader()
    stripe.customer_with_billing("cus_A", invoices=2)
    stripe.customer_with_billing("cus_B")
    return stripe


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def invoices_of(uow: FakeUnitOfWork, customer: str) -> dict[str, InvoiceStatus]:
    subs = [s.id for s in uow.committed.subscriptions.values() if s.account_id == customer]
    return {i.id: i.status for i in uow.committed.invoices.values() if i.subscription_id in subs}


def linked_and_synced(uow: FakeUnitOfWork, reader: FakeReader, clock: FakeClock, *customers: str) -> None:
    for customer in customers:
        link_customer(uow, reader, clock, customer, "C0ALERTS")
    sync(uow, reader, clock)


def test_a_sync_says_which_customers_it_read_for_the_first_time(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    first = sync(uow, reader, clock, full=True)  # read whole again: not for the first time
    link_customer(uow, reader, clock, "cus_B", "C0ALERTS")
    reader.put(RemoteCustomer("cus_A", "Customer cus_A", "USD"))  # a change: the next sync is incremental

    linked_since = sync(uow, reader, clock)

    assert (first.mode, first.read_whole, first.first_read) == ("full", 1, 0)
    assert (linked_since.mode, linked_since.read_whole, linked_since.first_read) == ("incremental", 1, 1)


def test_the_first_sync_reads_its_customers_for_the_first_time(uow, reader, clock) -> None:
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS")

    report = sync(uow, reader, clock)

    assert (report.read_whole, report.first_read) == (1, 1)


def test_first_sync_reads_the_linked_customers_whole_and_no_one_else(uow, reader, clock) -> None:
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS", "zh-CN")

    report = sync(uow, reader, clock)

    assert report.mode == "full" and report.customers == 1
    assert invoices_of(uow, "cus_A") == {"in_cus_A_0": InvoiceStatus.OPEN, "in_cus_A_1": InvoiceStatus.OPEN}
    assert "cus_B" not in uow.committed.accounts and invoices_of(uow, "cus_B") == {}
    account = uow.committed.accounts["cus_A"]
    assert (account.name, account.currency, account.channel, account.locale) == (
        "Customer cus_A", "USD", "C0ALERTS", "zh-CN")  # fmt: skip
    sub = uow.committed.subscriptions["sub_cus_A"]
    assert sub.billing_status == "past_due" and sub.payment_method_id == card_id_for("pm_cus_A")
    assert uow.committed.invoices["in_cus_A_0"].amount == Money(Decimal("42.00"), "USD")


def test_a_cards_token_is_its_payment_method_and_its_id_is_not(uow, reader, clock) -> None:
    reader.put(card("cus_A", "pm_owned", owner="U0OWNER"))
    reader.put(card("cus_A", "pm_bad_owner", owner="not a slack id"))
    linked_and_synced(uow, reader, clock, "cus_A")

    cards = {c.token: c for c in uow.committed.cards.values()}

    assert cards["pm_owned"].owner_slack_user_id == "U0OWNER"
    assert cards["pm_cus_A"].owner_slack_user_id == NO_OWNER == cards["pm_bad_owner"].owner_slack_user_id
    assert all(not c.id.startswith("pm_") and c.token not in c.id for c in cards.values())


def test_a_customer_with_metadata_settlebot_channel_is_linked_by_sync(uow, reader, clock) -> None:
    reader.customer_with_billing("cus_M", channel="C0META")

    sync(uow, reader, clock)

    assert uow.committed.accounts["cus_M"].channel == "C0META" and invoices_of(uow, "cus_M")
    assert uow.committed.links["cus_M"].via == "metadata"


def test_metadata_removed_unlinks_but_a_commands_link_stays(uow, reader, clock) -> None:
    reader.customer_with_billing("cus_M", channel="C0META")
    reader.put(RemoteCustomer("cus_A", "Customer cus_A", "USD", channel="C0OTHER"))
    linked_and_synced(uow, reader, clock, "cus_A")

    reader.put(RemoteCustomer("cus_M", "Customer cus_M", "USD", channel=None))
    reader.put(RemoteCustomer("cus_A", "Renamed A", "USD", channel=None))
    sync(uow, reader, clock)

    assert set(uow.committed.links) == {"cus_A"} and invoices_of(uow, "cus_M") == {}
    assert uow.committed.accounts["cus_A"].name == "Renamed A"
    assert uow.committed.accounts["cus_A"].channel == "C0ALERTS"  # the command's channel, not the metadata's


def test_later_syncs_read_only_the_changes_since_the_last_one_seen(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    reader.calls.clear()
    reader.put(invoice("in_cus_A_0", "cus_A", "sub_cus_A", status="paid"))
    reader.put(invoice("in_cus_A_2", "cus_A", "sub_cus_A", amount="10.00"))
    reader.put(invoice("in_cus_B_9", "cus_B", "sub_cus_B"))  # not linked: ignored

    report = sync(uow, reader, clock)

    assert report.mode == "incremental" and report.changes == 3
    assert dict(reader.calls) == {"changes_since": 1}
    assert invoices_of(uow, "cus_A") == {"in_cus_A_0": InvoiceStatus.PAID, "in_cus_A_1": InvoiceStatus.OPEN,
                                         "in_cus_A_2": InvoiceStatus.OPEN}  # fmt: skip
    assert sync(uow, reader, clock).changes == 0


def test_a_customer_linked_after_the_first_sync_is_read_whole_by_the_next(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    link_customer(uow, reader, clock, "cus_B", "C0ALERTS")

    report = sync(uow, reader, clock)

    assert report.mode == "incremental" and report.read_whole == 1 and invoices_of(uow, "cus_B")


def test_sync_never_reopens_an_invoice_settlebot_has_paid(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    with uow:  # settlebot's own payment committed it paid
        uow.invoices.save(replace(uow.invoices.get("in_cus_A_0"), status=InvoiceStatus.PAID))
        uow.commit()
    reader.put(invoice("in_cus_A_0", "cus_A", "sub_cus_A", attempts=3))  # a late, stale "open"

    sync(uow, reader, clock)
    sync(uow, reader, clock, full=True)

    assert uow.committed.invoices["in_cus_A_0"].status is InvoiceStatus.PAID


def test_an_invoice_closed_in_stripe_unseen_is_closed_here_by_a_full_sync(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    reader.invoices["in_cus_A_0"] = invoice("in_cus_A_0", "cus_A", "sub_cus_A", status="void")  # no change logged
    reader.invoices["in_cus_A_1"] = invoice("in_cus_A_1", "cus_A", "sub_cus_A", status="uncollectible")

    sync(uow, reader, clock, full=True)

    assert invoices_of(uow, "cus_A") == {"in_cus_A_0": InvoiceStatus.VOID, "in_cus_A_1": InvoiceStatus.UNCOLLECTIBLE}
    assert uow.committed.invoices["in_cus_A_0"].amount == Money(Decimal("42.00"), "USD")  # what was owed


def test_a_detached_card_is_forgotten_and_its_subscription_names_none(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")

    reader.put(CardGone("pm_cus_A"))
    sync(uow, reader, clock)

    assert uow.committed.cards == {} and uow.committed.subscriptions["sub_cus_A"].payment_method_id is None


def test_changes_no_longer_kept_mean_a_full_sync(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    reader.put(invoice("in_cus_A_5", "cus_A", "sub_cus_A"))
    reader.forgotten = len(reader.log)

    assert sync(uow, reader, clock).mode == "full" and "in_cus_A_5" in invoices_of(uow, "cus_A")


def test_stripe_unavailable_writes_nothing(uow, reader, clock) -> None:
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS")
    commits = uow.commits
    reader.down = True

    with pytest.raises(BillingUnavailable):
        sync(uow, reader, clock)

    assert uow.commits == commits and uow.committed.invoices == {} and uow.committed.sync == {}


def test_a_full_sync_failing_midway_keeps_whole_customers_and_the_old_cursor_so_the_next_is_full(
    uow, reader, clock
) -> None:  # fmt: skip
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS")
    link_customer(uow, reader, clock, "cus_B", "C0ALERTS")
    reader.fails_after = 1

    with pytest.raises(BillingUnavailable):
        sync(uow, reader, clock)

    assert invoices_of(uow, "cus_A") == {"in_cus_A_0": InvoiceStatus.OPEN, "in_cus_A_1": InvoiceStatus.OPEN}
    assert invoices_of(uow, "cus_B") == {} and uow.committed.sync == {}
    reader.fails_after = None
    assert sync(uow, reader, clock).mode == "full" and invoices_of(uow, "cus_B") == {"in_cus_B_0": InvoiceStatus.OPEN}


def test_link_refuses_an_unknown_customer_a_bad_channel_and_an_unknown_locale(uow, reader, clock) -> None:
    with pytest.raises(NotFound):
        link_customer(uow, reader, clock, "cus_NOPE", "C0ALERTS")
    with pytest.raises(InvalidInput):
        link_customer(uow, reader, clock, "cus_A", "#billing")
    with pytest.raises(InvalidInput):
        link_customer(uow, reader, clock, "cus_A", "C0ALERTS", "fr")
    assert uow.committed.links == {} and uow.committed.accounts == {}


def test_unlink_stops_serving_and_drops_the_copied_open_invoices(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")

    unlink_customer(uow, "cus_A")
    sync(uow, reader, clock)

    assert uow.committed.links == {} and invoices_of(uow, "cus_A") == {}
    with pytest.raises(NotFound):
        unlink_customer(uow, "cus_A")


def test_events_handled_in_reverse_order_leave_the_latest_state(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    reader.put(invoice("in_cus_A_0", "cus_A", "sub_cus_A", attempts=2))
    reader.put(invoice("in_cus_A_0", "cus_A", "sub_cus_A", status="paid", attempts=3))
    events = [EventRef("evt_1", "invoice.payment_failed", "invoice", "in_cus_A_0", "cus_A"),
              EventRef("evt_2", "invoice.paid", "invoice", "in_cus_A_0", "cus_A")]  # fmt: skip

    for event in reversed(events):
        assert receive_event(uow, clock, event.id, event.type)
        handle_event(uow, reader, clock, event)

    assert uow.committed.invoices["in_cus_A_0"].status is InvoiceStatus.PAID
    assert not receive_event(uow, clock, "evt_2", "invoice.paid")  # delivered again: not handled again
    assert uow.committed.events == {"evt_1": NOW, "evt_2": NOW}


def test_an_event_for_a_customer_settlebot_does_not_serve_changes_nothing(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    before = uow.committed.copy()
    reader.calls.clear()

    done = handle_event(uow, reader, clock, EventRef("evt_9", "invoice.paid", "invoice", "in_cus_B_0", "cus_B"))

    assert not done and reader.calls == {} and uow.committed.invoices == before.invoices


def test_a_payment_failure_event_records_stripes_attempts_and_a_new_invoice_with_its_subscription(
    uow, reader, clock
) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    reader.subscriptions["sub_new"] = replace(reader.subscriptions["sub_cus_A"], id="sub_new", product="Add-on")
    retry = dt.datetime(2026, 11, 4, tzinfo=dt.UTC)
    reader.invoices["in_new"] = replace(invoice("in_new", "cus_A", "sub_new", attempts=1), next_payment_attempt=retry)

    handle_event(uow, reader, clock, EventRef("evt_5", "invoice.payment_failed", "invoice", "in_new", "cus_A"))

    kept = uow.committed.invoices["in_new"]
    assert (kept.attempt_count, kept.next_payment_attempt, kept.subscription_id) == (1, retry, "sub_new")
    assert uow.committed.subscriptions["sub_new"].product == "Add-on"


def test_a_detached_card_event_forgets_the_card(uow, reader, clock) -> None:
    linked_and_synced(uow, reader, clock, "cus_A")
    reader.put(CardGone("pm_cus_A"))

    handle_event(uow, reader, clock, EventRef("evt_7", "payment_method.detached", "card", "pm_cus_A", None))

    assert uow.committed.cards == {}
