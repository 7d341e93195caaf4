"""Repository contract, records half: attempts, payments, alerts, reminders, on every backend."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.errors import SettlementInProgress
from domain.model import InvoiceStatus
from domain.ports import UnitOfWork
from domain.records import Outcome, PastDueRow
from tests.storage.builders import NOW, TODAY, alert, attempt, invoice, payment, reminder, seed_billing, usd

# The fake raises RuntimeError for a unique violation; SQL raises the domain's error
# for a second pending attempt and storage.errors.ConflictError (a RuntimeError) otherwise.
CLAIM_REFUSED = (SettlementInProgress, RuntimeError)


def test_attempt_roundtrips_with_money_invoices_and_aware_times(uow: UnitOfWork) -> None:
    seed_billing(uow)
    paris = dt.timezone(dt.timedelta(hours=1))
    started = attempt(minutes=0)
    done = started.finish(Outcome.DECLINED, NOW.astimezone(paris), None, "insufficient_funds")
    with uow:
        uow.attempts.add(started)
        uow.commit()
    with uow:
        assert uow.attempts.get("att_1") == started
        uow.attempts.save(done)
        uow.commit()
    with uow:
        stored = uow.attempts.get("att_1")
    assert stored == done and stored.invoice_ids == ("inv_1", "inv_2")
    assert stored.completed_at is not None and stored.completed_at.utcoffset() is not None
    assert stored.completed_at == NOW


def test_a_partial_attempt_keeps_the_invoices_it_paid_and_where_to_finish_the_rest(uow: UnitOfWork) -> None:
    seed_billing(uow)
    started = attempt(minutes=0)
    done = started.finish(Outcome.PARTIAL, NOW, "in_1", "authentication_required", paid=("inv_1",),
                          action_url="https://invoice.stripe.com/i/acct_1/test_2")  # fmt: skip
    with uow:
        uow.attempts.add(started)
        uow.commit()
    with uow:
        uow.attempts.save(done)
        uow.commit()
    with uow:
        stored = uow.attempts.get("att_1")
    assert stored == done and stored.paid_invoice_ids == ("inv_1",)


def test_only_one_attempt_per_subscription_may_be_pending(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.attempts.add(attempt("att_1"))
        uow.commit()
    with pytest.raises(CLAIM_REFUSED), uow:
        uow.attempts.add(attempt("att_2"))
    with uow:
        assert uow.attempts.pending_for("sub_1") == attempt("att_1")
        assert uow.attempts.get("att_2") is None


def test_a_finished_attempt_makes_room_for_a_new_pending_one(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        first = attempt("att_1")
        uow.attempts.add(first)
        uow.attempts.save(first.finish(Outcome.FAILED, NOW, None, "processing_error"))
        uow.attempts.add(attempt("att_2", minutes=1))
        uow.commit()
    with uow:
        assert uow.attempts.pending_for("sub_1") == attempt("att_2", minutes=1)
        assert [a.id for a in uow.attempts.for_subscription("sub_1")] == ["att_1", "att_2"]


def test_count_for_key_prefix_counts_keys_starting_with_the_literal_prefix(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2")
    keys = ["settle:sub_1:abc:1", "settle:sub_1:abc:2", "settle:sub_1:abd:1",
            "settle:subX1:abc:1", "settle:SUB_1:abc:1", "settle:sub_2:abc:1"]  # fmt: skip
    with uow:
        for n, key in enumerate(keys):
            sub = "sub_2" if "sub_2" in key else "sub_1"
            uow.attempts.add(attempt(f"att_{n}", sub, key=key, outcome=Outcome.DECLINED))
        uow.commit()
    with uow:
        assert uow.attempts.count_for_key_prefix("settle:sub_1:abc:") == 2
        assert uow.attempts.count_for_key_prefix("settle:sub_1:ab") == 3
        assert uow.attempts.count_for_key_prefix("settle:sub_") == 3 + 1
        assert uow.attempts.count_for_key_prefix("settle:sub%") == 0
        assert uow.attempts.count_for_key_prefix("") == len(keys)


def test_pending_lists_pending_attempts_oldest_first(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2", "sub_3")
    with uow:
        uow.attempts.add(attempt("att_late", "sub_1", minutes=5))
        uow.attempts.add(attempt("att_early", "sub_2", minutes=1))
        uow.attempts.add(attempt("att_done", "sub_3", outcome=Outcome.SUCCEEDED))
        uow.commit()
    with uow:
        assert [a.id for a in uow.attempts.pending()] == ["att_early", "att_late"]
        assert uow.attempts.pending_for("sub_3") is None


def test_all_lists_every_attempt_oldest_first(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2", "sub_3")
    with uow:
        uow.attempts.add(attempt("att_late", "sub_1", minutes=5))
        uow.attempts.add(attempt("att_b", "sub_2", minutes=1, outcome=Outcome.DECLINED))
        uow.attempts.add(attempt("att_a", "sub_3", minutes=1, outcome=Outcome.SUCCEEDED))
        uow.commit()
    with uow:
        assert [a.id for a in uow.attempts.all()] == ["att_a", "att_b", "att_late"]


def test_last_payment_is_the_latest_paid(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        assert uow.payments.last_for("sub_1") is None
        for n in (1, 2, 3):
            uow.attempts.add(attempt(f"att_{n}", outcome=Outcome.SUCCEEDED, minutes=n))
        uow.payments.add(payment("pay_old", "att_1", minutes=0))
        uow.payments.add(payment("pay_new", "att_2", minutes=30))
        uow.payments.add(payment("pay_mid", "att_3", minutes=10))
        uow.commit()
    with uow:
        assert uow.payments.last_for("sub_1") == payment("pay_new", "att_2", minutes=30)


def test_an_attempt_has_at_most_one_payment(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.attempts.add(attempt("att_1", outcome=Outcome.SUCCEEDED))
        uow.payments.add(payment("pay_1", "att_1"))
        uow.commit()
    with uow, pytest.raises(RuntimeError):  # storage.errors.ConflictError on SQL
        uow.payments.add(payment("pay_2", "att_1"))
    with uow:
        assert uow.payments.last_for("sub_1") == payment("pay_1", "att_1")


def test_an_attempt_keeps_what_each_of_its_invoices_was_made_for(uow: UnitOfWork) -> None:
    seed_billing(uow)
    made = replace(attempt("att_1"), invoice_amounts=(usd("72.00"), usd("57.99")))
    with uow:
        uow.attempts.add(made)
        uow.attempts.add(attempt("att_old", key="settle:sub_1:old:1", outcome=Outcome.DECLINED))
        uow.commit()
    with uow:
        assert uow.attempts.get("att_1", lock=True) == made
        assert made.made_for() == {"inv_1": usd("72.00"), "inv_2": usd("57.99")}
        old = uow.attempts.get("att_old")
        assert old is not None and old.invoice_amounts is None and old.made_for() is None


def test_the_installation_id_is_the_same_in_every_transaction(uow: UnitOfWork) -> None:
    with uow:
        first = uow.installation.id()
    with uow:
        assert uow.installation.id() == first and len(first) == 32


def test_past_due_lists_each_overdue_subscription_with_its_oldest_invoice(
    uow: UnitOfWork,
) -> None:
    seed_billing(uow, "sub_a", "sub_b", "sub_c", "sub_d")
    with uow:
        uow.invoices.save(invoice("inv_a2", "sub_a", days_ago=2))
        uow.invoices.save(invoice("inv_a1", "sub_a", days_ago=5))
        uow.invoices.save(invoice("inv_a0", "sub_a", days_ago=9, status=InvoiceStatus.PAID))
        uow.invoices.save(invoice("inv_b9", "sub_b", days_ago=4))  # a tie: lowest id wins
        uow.invoices.save(invoice("inv_b8", "sub_b", days_ago=4))
        uow.invoices.save(invoice("inv_c", "sub_c", days_ago=0))  # due today: not overdue
        uow.invoices.save(invoice("inv_d", "sub_d", days_ago=20, status=InvoiceStatus.PAID))
        uow.commit()
    with uow:
        rows = list(uow.alerts.past_due(TODAY))
    assert rows == [
        PastDueRow("sub_a", "acc_1", TODAY - dt.timedelta(days=5), "inv_a1", None),
        PastDueRow("sub_b", "acc_1", TODAY - dt.timedelta(days=4), "inv_b8", None),
    ]


def test_past_due_carries_the_open_alert_but_not_settled_ones(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2")
    with uow:
        uow.invoices.save(invoice("inv_1", "sub_1"))
        uow.invoices.save(invoice("inv_2", "sub_2"))
        uow.attempts.add(attempt("att_1", "sub_1", outcome=Outcome.SUCCEEDED))
        uow.alerts.add([alert("al_old", "sub_1", settled_attempt_id="att_1"),
                        alert("al_new", "sub_1", minutes=5, ts="1700000000.000100")])  # fmt: skip
        uow.alerts.add([alert("al_settled", "sub_2", settled_attempt_id="att_1")])
        uow.commit()
    with uow:
        rows = {r.subscription_id: r.alert for r in uow.alerts.past_due(TODAY)}
    assert rows == {"sub_1": alert("al_new", "sub_1", minutes=5, ts="1700000000.000100"),
                    "sub_2": None}  # fmt: skip


def test_a_second_open_alert_for_a_subscription_is_refused(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.alerts.add([alert("al_1")])
        uow.commit()
    with pytest.raises(RuntimeError), uow:
        uow.alerts.add([alert("al_2")])
    with pytest.raises(RuntimeError), uow:
        uow.alerts.add([alert("al_3", "sub_1"), alert("al_4", "sub_1")])
    with uow:
        assert uow.alerts.open_for("sub_1") == alert("al_1")
        assert uow.alerts.get("al_3") is None


def test_an_alert_once_settled_leaves_room_for_the_next_episode(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.attempts.add(attempt("att_1", outcome=Outcome.SUCCEEDED))
        uow.alerts.add([alert("al_1")])
        uow.alerts.save(replace(alert("al_1"), settled_attempt_id="att_1", version=2))
        uow.alerts.add([alert("al_2", minutes=60)])
        uow.commit()
    with uow:
        assert uow.alerts.open_for("sub_1") == alert("al_2", minutes=60)
        settled = uow.alerts.get("al_1")
    assert settled is not None and settled.is_settled and settled.version == 2


def test_undelivered_lists_unposted_and_outdated_alerts_oldest_first(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2", "sub_3", "sub_4")
    with uow:
        uow.alerts.add([
            alert("al_posted", "sub_1", minutes=0, ts="1.1", delivered_version=1),
            alert("al_new", "sub_2", minutes=3),
            alert("al_stale", "sub_3", minutes=2, ts="1.2", version=2, delivered_version=1),
            alert("al_newer", "sub_4", minutes=4),
        ])  # fmt: skip
        uow.commit()
    with uow:
        assert [a.id for a in uow.alerts.undelivered(10)] == ["al_stale", "al_new", "al_newer"]
        assert [a.id for a in uow.alerts.undelivered(2)] == ["al_stale", "al_new"]
        uow.alerts.save(replace(alert("al_new", "sub_2", minutes=3), ts="1.3", delivered_version=1))
        uow.commit()
    with uow:
        assert [a.id for a in uow.alerts.undelivered(10)] == ["al_stale", "al_newer"]


def test_reminders_are_delivered_oldest_first_and_once_per_stage(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.alerts.add([alert("al_1", ts="1.1", delivered_version=1)])
        uow.alerts.add_reminders([reminder("r_7", stage=7, minutes=2), reminder("r_3", minutes=1)])
        uow.commit()
    with pytest.raises(RuntimeError), uow:
        uow.alerts.add_reminders([reminder("r_3_again", stage=3)])
    with uow:
        assert [r.id for r in uow.alerts.undelivered_reminders(10)] == ["r_3", "r_7"]
        uow.alerts.save_reminder(replace(reminder("r_3", minutes=1), ts="1.9"))
        uow.commit()
    with uow:
        assert uow.alerts.undelivered_reminders(10) == [reminder("r_7", stage=7, minutes=2)]


def test_adding_no_alerts_or_reminders_is_harmless(uow: UnitOfWork) -> None:
    with uow:
        uow.alerts.add([])
        uow.alerts.add_reminders(iter([]))
        uow.commit()
    with uow:
        assert uow.alerts.undelivered(10) == [] and list(uow.alerts.past_due(TODAY)) == []
