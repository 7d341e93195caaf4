"""What Stripe's events do to a subscription's alert (domain.billing_alerts), whether a webhook
brings them or the sync reads them from the events list, with fakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.alert_views import describe
from domain.alerts import ReminderPolicy, deliver, scan
from domain.billing import BillingUnavailable, EventRef, RemoteSubscription
from domain.billing_events import handle_event, receive_event
from domain.billing_sync import link_customer, sync
from domain.records import Alert, ClosedReason
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.billing_fakes import FakeReader, card, invoice
from tests.unit.test_alerts import RecordingNotifier

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
RETRY = dt.datetime(2026, 11, 4, 12, tzinfo=dt.UTC)
INVOICE, SUB = "in_cus_A_0", "sub_cus_A"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def reader(uow: FakeUnitOfWork, clock: FakeClock) -> FakeReader:
    """One linked customer with one open invoice, synced; no alert yet."""
    stripe = FakeReader()
    stripe.customer_with_billing("cus_A")
    link_customer(uow, stripe, clock, "cus_A", "C0ALERTS")
    sync(uow, stripe, clock)
    return stripe


def failed(reader: FakeReader, attempts: int, retry: dt.datetime | None = RETRY) -> EventRef:
    """Stripe's automatic attempt failed: the event, in Stripe's events list and as a webhook brings it."""
    failure = replace(invoice(INVOICE, "cus_A", SUB, attempts=attempts), next_payment_attempt=retry)
    return reader.put(failure, "invoice.payment_failed", automatic=True)


def paid(reader: FakeReader, *, automatic: bool, ours: bool = False, event_type: str = "invoice.paid") -> EventRef:
    return reader.put(invoice(INVOICE, "cus_A", SUB, status="paid", attempts=3), event_type, automatic=automatic,
                      ours=ours)  # fmt: skip


def alerts(uow: FakeUnitOfWork) -> list[Alert]:
    return sorted(uow.committed.alerts.values(), key=lambda a: a.created_at)


def test_a_failed_payment_opens_the_subscriptions_alert_at_once_in_its_accounts_channel(uow, reader, clock) -> None:
    done = handle_event(uow, reader, clock, failed(reader, 1), default_channel="C0DEFAULT")

    [alert] = alerts(uow)
    assert done.alerts == 1 and alert.subscription_id == SUB and alert.channel == "C0ALERTS"
    assert alert.ts is None and alert.is_open and alert.episode == INVOICE  # the outbox posts it
    view = describe(uow, [alert.id], NOW.date())[alert.id]
    assert view.billing is not None and (view.billing.attempt_count, view.billing.next_attempt) == (1, RETRY)


def test_the_same_failure_handled_twice_changes_the_alert_once(uow, reader, clock) -> None:
    event = failed(reader, 1)
    handle_event(uow, reader, clock, event)

    again = handle_event(uow, reader, clock, event)

    assert again.alerts == 0 and [a.version for a in alerts(uow)] == [1]


def test_a_later_failure_updates_the_open_alert_with_the_new_attempt_count(uow, reader, clock) -> None:
    handle_event(uow, reader, clock, failed(reader, 1))

    done = handle_event(uow, reader, clock, failed(reader, 2, None))

    [alert] = alerts(uow)
    assert done.alerts == 1 and alert.version == 2
    view = describe(uow, [alert.id], NOW.date())[alert.id]
    assert view.billing is not None and (view.billing.attempt_count, view.billing.next_attempt) == (2, None)


@pytest.mark.parametrize(("automatic", "reason"), [(True, ClosedReason.PAID_BY_RETRY),
                                                   (False, ClosedReason.PAID_IN_STRIPE)])  # fmt: skip
def test_paid_in_stripe_closes_the_alert_saying_how(uow, reader, clock, automatic, reason) -> None:
    handle_event(uow, reader, clock, failed(reader, 1))

    done = handle_event(uow, reader, clock, paid(reader, automatic=automatic))

    [alert] = alerts(uow)
    assert done.alerts == 1 and alert.closed_reason == reason and alert.closed_at == NOW and alert.version == 2
    assert uow.alerts.open_for(SUB) is None
    assert describe(uow, [alert.id], NOW.date())[alert.id].closed is not None


def test_paid_and_payment_succeeded_for_the_same_payment_update_the_alert_once(uow, reader, clock) -> None:
    handle_event(uow, reader, clock, failed(reader, 1))
    handle_event(uow, reader, clock, paid(reader, automatic=True))

    second = handle_event(uow, reader, clock, paid(reader, automatic=True, event_type="invoice.payment_succeeded"))

    assert second.alerts == 0 and [a.version for a in alerts(uow)] == [2]


def test_settlebots_own_payment_leaves_the_alert_to_the_settlement(uow, reader, clock) -> None:
    handle_event(uow, reader, clock, failed(reader, 1))

    done = handle_event(uow, reader, clock, paid(reader, automatic=False, ours=True))

    assert done.alerts == 0 and alerts(uow)[0].is_open


@pytest.mark.parametrize(("event_type", "status", "reason"), [
    ("invoice.voided", "void", ClosedReason.VOIDED),
    ("invoice.marked_uncollectible", "uncollectible", ClosedReason.UNCOLLECTIBLE),
])  # fmt: skip
def test_a_voided_or_written_off_invoice_closes_the_alert_with_the_reason(
    uow, reader, clock, event_type, status, reason
) -> None:  # fmt: skip
    handle_event(uow, reader, clock, failed(reader, 1))
    reader.put(invoice(INVOICE, "cus_A", SUB, status=status))

    handle_event(uow, reader, clock, EventRef("evt_c", event_type, "invoice", INVOICE, "cus_A"))

    assert alerts(uow)[0].closed_reason == reason


def test_events_in_reverse_order_open_no_alert_for_a_balance_already_paid(uow, reader, clock) -> None:
    failure = failed(reader, 1)
    payment = paid(reader, automatic=True)

    for event in (payment, failure):
        handle_event(uow, reader, clock, event)

    assert alerts(uow) == []


def test_a_new_failure_after_a_closed_alert_opens_a_new_one(uow, reader, clock) -> None:
    handle_event(uow, reader, clock, failed(reader, 1))
    handle_event(uow, reader, clock, paid(reader, automatic=True))
    reader.put(invoice("in_next", "cus_A", SUB))

    handle_event(uow, reader, clock, EventRef("evt_n", "invoice.payment_failed", "invoice", "in_next", "cus_A"))

    first, second = alerts(uow)
    assert first.closed_reason is not None and second.is_open and second.episode == "in_next"


def test_a_subscription_status_change_updates_the_alert_and_shows_the_status(uow, reader, clock) -> None:
    handle_event(uow, reader, clock, failed(reader, 1))
    sub = reader.subscriptions[SUB]
    reader.put(RemoteSubscription(sub.id, sub.customer, sub.product, "unpaid", sub.currency, sub.default_card))

    done = handle_event(uow, reader, clock, EventRef("evt_s", "customer.subscription.updated", "subscription", SUB,
                                                     "cus_A"))  # fmt: skip
    again = handle_event(uow, reader, clock, EventRef("evt_s2", "customer.subscription.updated", "subscription", SUB,
                                                      "cus_A"))  # fmt: skip

    [alert] = alerts(uow)
    assert (done.alerts, again.alerts, alert.version) == (1, 0, 2)
    view = describe(uow, [alert.id], NOW.date())[alert.id]
    assert view.billing is not None and view.billing.status == "unpaid"


def test_an_automatic_card_update_resolves_the_expired_card_warning(uow, reader, clock) -> None:
    reader.put(card("cus_A", "pm_cus_A", exp=(1, 2026)))
    handle_event(uow, reader, clock, EventRef("evt_x", "payment_method.updated", "card", "pm_cus_A", "cus_A"))
    handle_event(uow, reader, clock, failed(reader, 1))
    [alert] = alerts(uow)
    assert describe(uow, [alert.id], NOW.date())[alert.id].card_expired
    reader.put(card("cus_A", "pm_cus_A", exp=(12, 2030)))

    done = handle_event(uow, reader, clock, EventRef("evt_u", "payment_method.automatically_updated", "card",
                                                     "pm_cus_A", "cus_A"))  # fmt: skip

    [alert] = alerts(uow)
    assert done.alerts == 1 and alert.version == 2
    assert not describe(uow, [alert.id], NOW.date())[alert.id].card_expired


# -- the same events read by the sync (no webhook delivered) -------------------------------------


def test_the_sync_opens_the_alert_of_a_failed_payment_in_the_events_list_as_the_webhook_does(
    uow, reader, clock
) -> None:  # fmt: skip
    failed(reader, 1)

    report = sync(uow, reader, clock, default_channel="C0DEFAULT")

    [alert] = alerts(uow)
    assert report.alerts == 1 and alert.subscription_id == SUB and alert.channel == "C0ALERTS"
    assert alert.ts is None and alert.is_open and alert.episode == INVOICE
    view = describe(uow, [alert.id], NOW.date())[alert.id]
    assert view.billing is not None and (view.billing.attempt_count, view.billing.next_attempt) == (1, RETRY)


def test_a_later_failure_read_by_the_sync_updates_the_open_alert(uow, reader, clock) -> None:
    failed(reader, 1)
    sync(uow, reader, clock)
    failed(reader, 2, None)

    report = sync(uow, reader, clock)

    [alert] = alerts(uow)
    assert report.alerts == 1 and alert.version == 2
    view = describe(uow, [alert.id], NOW.date())[alert.id]
    assert view.billing is not None and (view.billing.attempt_count, view.billing.next_attempt) == (2, None)


@pytest.mark.parametrize(("automatic", "reason"), [(True, ClosedReason.PAID_BY_RETRY),
                                                   (False, ClosedReason.PAID_IN_STRIPE)])  # fmt: skip
def test_paid_in_stripe_read_by_the_sync_closes_the_alert_saying_how(uow, reader, clock, automatic, reason) -> None:
    failed(reader, 1)
    sync(uow, reader, clock)
    paid(reader, automatic=automatic)
    paid(reader, automatic=automatic, event_type="invoice.payment_succeeded")

    report = sync(uow, reader, clock)

    [alert] = alerts(uow)
    assert report.alerts == 1 and alert.closed_reason == reason and alert.version == 2
    assert uow.alerts.open_for(SUB) is None


@pytest.mark.parametrize(("event_type", "status", "reason"), [
    ("invoice.voided", "void", ClosedReason.VOIDED),
    ("invoice.marked_uncollectible", "uncollectible", ClosedReason.UNCOLLECTIBLE),
])  # fmt: skip
def test_a_voided_or_written_off_invoice_read_by_the_sync_closes_the_alert_with_the_reason(
    uow, reader, clock, event_type, status, reason
) -> None:  # fmt: skip
    failed(reader, 1)
    sync(uow, reader, clock)
    reader.put(invoice(INVOICE, "cus_A", SUB, status=status), event_type)

    sync(uow, reader, clock)

    assert alerts(uow)[0].closed_reason == reason


def test_a_subscription_status_read_by_the_sync_updates_the_alert_and_shows(uow, reader, clock) -> None:
    failed(reader, 1)
    sync(uow, reader, clock)
    sub = reader.subscriptions[SUB]
    reader.put(replace(sub, status="unpaid"), "customer.subscription.updated")

    report = sync(uow, reader, clock)

    [alert] = alerts(uow)
    assert report.alerts == 1 and alert.version == 2
    view = describe(uow, [alert.id], NOW.date())[alert.id]
    assert view.billing is not None and view.billing.status == "unpaid"


def test_settlebots_own_payment_read_by_the_sync_leaves_the_alert_to_the_settlement(uow, reader, clock) -> None:
    failed(reader, 1)
    sync(uow, reader, clock)
    paid(reader, automatic=False, ours=True)

    report = sync(uow, reader, clock)

    assert report.alerts == 0 and alerts(uow)[0].is_open


def test_a_failure_and_its_payment_read_by_one_sync_open_no_alert(uow, reader, clock) -> None:
    failed(reader, 1)
    paid(reader, automatic=True)

    report = sync(uow, reader, clock)

    assert report.alerts == 0 and alerts(uow) == []  # as the webhooks read the invoice again: already paid


def test_an_event_a_webhook_acted_on_is_not_acted_on_again_by_the_sync(uow, reader, clock) -> None:
    event = failed(reader, 1)
    reader.invoices[INVOICE] = replace(reader.invoices[INVOICE], attempt_count=2)  # a second failure, not listed yet
    handle_event(uow, reader, clock, event)  # its webhook read the invoice later than the event

    report = sync(uow, reader, clock)

    [alert] = alerts(uow)
    assert report.alerts == 0 and alert.version == 1
    view = describe(uow, [alert.id], NOW.date())[alert.id]
    assert view.billing is not None and view.billing.attempt_count == 2  # not taken back to the event's 1


def test_an_event_the_sync_acted_on_is_not_acted_on_again_by_its_webhook(uow, reader, clock) -> None:
    event = failed(reader, 1)
    sync(uow, reader, clock)
    failed(reader, 2)
    sync(uow, reader, clock)

    late = handle_event(uow, reader, clock, event)

    assert not late and late.alerts == 0 and [a.version for a in alerts(uow)] == [2]


def test_an_event_whose_webhook_job_could_not_read_stripe_is_acted_on_by_the_sync(uow, reader, clock) -> None:
    event = failed(reader, 1)
    assert receive_event(uow, clock, event.id, event.type)  # the webhook: recorded, answered 200
    reader.down = True
    with pytest.raises(BillingUnavailable):  # its job: Stripe down
        handle_event(uow, reader, clock, event)
    reader.down = False

    report = sync(uow, reader, clock)

    assert report.alerts == 1 and alerts(uow)[0].is_open


def test_the_first_sync_leaves_a_past_due_subscription_to_the_scan_which_alerts_it(uow, clock) -> None:
    stripe = FakeReader()
    stripe.customer_with_billing("cus_B")  # an invoice overdue since October, one failed attempt
    link_customer(uow, stripe, clock, "cus_B", "C0ALERTS")

    report = sync(uow, stripe, clock)
    scanned = scan(uow, clock, ReminderPolicy(), "C0DEFAULT")
    deliver(uow, clock, RecordingNotifier())

    [alert] = alerts(uow)
    assert report.mode == "full" and report.alerts == 0 and scanned.alerts == 1
    assert alert.subscription_id == "sub_cus_B" and alert.channel == "C0ALERTS" and alert.ts is not None
