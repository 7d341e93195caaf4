"""The links, cursor and webhook-event repository, and the sync's writes, on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from domain.billing import CardGone, Link, LinkedVia
from domain.billing_sync import link_customer, sync, unlink_customer
from domain.model import Account, InvoiceStatus
from domain.ports import UnitOfWork
from tests.fakes import FakeClock
from tests.unit.billing_fakes import FakeReader, invoice

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


def test_links_and_the_cursor_are_kept_and_removed(uow: UnitOfWork) -> None:
    with uow:
        uow.accounts.save(Account("cus_A", "Acme", "USD"))
        uow.links.save(Link("cus_A", LinkedVia.METADATA, NOW))
        uow.links.set_cursor("evt_1", NOW, full=True)
        uow.commit()
    with uow:
        assert uow.links.all() == {"cus_A": Link("cus_A", LinkedVia.METADATA, NOW)}
        uow.links.save(Link("cus_A", LinkedVia.COMMAND, NOW, NOW))
        uow.links.set_cursor("evt_2", NOW)
        uow.commit()
    with uow:
        assert uow.links.get("cus_A") == Link("cus_A", LinkedVia.COMMAND, NOW, NOW)
        assert uow.links.cursor() == "evt_2"
        uow.links.remove("cus_A")
        uow.commit()
    with uow:
        assert uow.links.all() == {} and uow.links.get("cus_A") is None


def test_an_event_is_recorded_once(uow: UnitOfWork) -> None:
    with uow:
        assert uow.links.record_events([("evt_1", "invoice.paid")], NOW) == {"evt_1"}
        uow.commit()
    with uow:
        assert uow.links.record_events([("evt_1", "invoice.paid")], NOW) == set()
        uow.commit()


def test_an_event_is_claimed_once_whether_a_webhook_recorded_it_first_or_not(uow: UnitOfWork) -> None:
    with uow:
        uow.links.record_events([("evt_hook", "invoice.paid")], NOW)  # received, its job not run yet
        uow.commit()
    with uow:
        assert uow.links.claim_event("evt_hook", "invoice.paid", NOW)
        assert uow.links.claim_event("evt_synced", "invoice.voided", NOW)  # read by the sync, never delivered
        uow.commit()
    with uow:
        assert not uow.links.claim_event("evt_hook", "invoice.paid", NOW)
        assert not uow.links.claim_event("evt_synced", "invoice.voided", NOW)
        assert uow.links.record_events([("evt_synced", "invoice.voided")], NOW) == set()  # a late webhook: a duplicate


def test_a_claim_rolled_back_leaves_the_event_to_claim_again(uow: UnitOfWork) -> None:
    with uow:
        assert uow.links.claim_event("evt_1", "invoice.paid", NOW)  # no commit: e.g. the handling failed
    with uow:
        assert uow.links.claim_event("evt_1", "invoice.paid", NOW)


def test_a_batch_of_events_records_each_new_id_once(uow: UnitOfWork) -> None:
    with uow:
        uow.links.record_events([("evt_old", "invoice.paid")], NOW)
        uow.commit()
    with uow:
        batch = [("evt_new", "invoice.paid"), ("evt_old", "invoice.paid"), ("evt_new", "invoice.paid")]
        assert uow.links.record_events(batch, NOW) == {"evt_new"}
        uow.commit()
    with uow:
        assert uow.links.record_events([("evt_new", "invoice.paid"), ("evt_old", "x")], NOW) == set()


def test_sync_writes_and_unlink_drops_the_open_invoices_on_every_backend(uow: UnitOfWork) -> None:
    reader, clock = FakeReader(), FakeClock(NOW)
    reader.customer_with_billing("cus_A", invoices=2)
    link_customer(uow, reader, clock, "cus_A", "C0ALERTS")
    sync(uow, reader, clock)
    reader.put(invoice("in_cus_A_0", "cus_A", "sub_cus_A", status="paid", attempts=2))
    reader.put(CardGone("pm_cus_A"))
    sync(uow, reader, clock)

    with uow:
        invoices = uow.invoices.for_subscriptions(["sub_cus_A"])["sub_cus_A"]
        assert [(i.id, i.status, i.attempt_count) for i in invoices] == [
            ("in_cus_A_0", InvoiceStatus.PAID, 2), ("in_cus_A_1", InvoiceStatus.OPEN, 1)]  # fmt: skip
        assert uow.cards.for_account("cus_A") == []
        sub = uow.subscriptions.get("sub_cus_A")
        assert sub is not None and sub.payment_method_id is None and sub.billing_status == "past_due"
    unlink_customer(uow, "cus_A")
    with uow:
        assert [i.id for i in uow.invoices.for_subscriptions(["sub_cus_A"])["sub_cus_A"]] == ["in_cus_A_0"]
