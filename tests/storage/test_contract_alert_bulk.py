"""Repository contract for the scan's claims and the digest's bulk operations, on every backend."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.alert_views import DIGEST_PREFIX
from domain.alerts import ReminderPolicy
from domain.model import InvoiceStatus, SubscriptionStatus
from domain.ports import UnitOfWork
from domain.records import Alert, Claim, Claimed, Outcome, Reminder
from tests.storage.builders import NOW, TODAY, account, alert, attempt, invoice, seed_billing, subscription

PAST_DUE, ACTIVE = SubscriptionStatus.PAST_DUE, SubscriptionStatus.ACTIVE


def test_past_due_carries_the_accounts_alert_channel(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a")
    with uow:
        uow.accounts.save(replace(account(), channel="C0CONTOSO"))
        uow.invoices.save(invoice("inv_a", "sub_a", days_ago=3))
        uow.commit()
    with uow:
        (row,) = uow.alerts.past_due(TODAY)
    assert row.channel == "C0CONTOSO"


def claim(prefix: str = "scan1", *, threshold: int = 20, days: tuple[int, ...] = (1, 3, 7, 14), every: int = 7
) -> Claim:
    return Claim(TODAY, NOW, prefix, days, every, "C0DEFAULT", threshold)


def test_claim_opens_one_alert_per_past_due_subscription_without_one(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b", "sub_c", "sub_d")
    with uow:
        uow.accounts.save(replace(account("acc_2"), channel="C0OWN"))
        uow.subscriptions.save(subscription("sub_e", "acc_2"))
        for sub, days in (("sub_a", 2), ("sub_b", 5), ("sub_c", 0), ("sub_e", 8)):
            uow.invoices.save(invoice(f"inv_{sub}", sub, days_ago=days))
        uow.invoices.save(invoice("inv_a0", "sub_a", days_ago=4))  # the older: it opens the episode
        uow.invoices.save(invoice("inv_d", "sub_d", days_ago=9, status=InvoiceStatus.PAID))
        uow.alerts.add([alert("al_b", "sub_b")])
        uow.commit()
    with uow:
        assert uow.alerts.claim(claim()) == Claimed(2, 1)  # and a reminder for al_b
        assert uow.alerts.claimed(claim()) == ([], [])  # nothing is an alert before it is taken
        assert uow.alerts.claim(claim("scan2")) == Claimed(0, 0)  # untaken claims count as made
        uow.commit()
    with uow:
        assert uow.alerts.take_claims(NOW) == Claimed(2, 1, {})
        made, _ = uow.alerts.claimed(claim())
        assert uow.alerts.claim(claim("scan3")) == Claimed(0, 0)
        assert uow.alerts.take_claims(NOW) == Claimed(0, 0, {})
        uow.commit()
    at = NOW
    assert made == [
        Alert("scan1-a-sub_a", "sub_a", "inv_a0", "C0DEFAULT", at, 3),
        Alert("scan1-a-sub_e", "sub_e", "inv_sub_e", "C0OWN", at, 7),
    ]
    with uow:
        assert [uow.alerts.get(a.id) for a in made] == made
        statuses = {s.id: s.status for s in uow.subscriptions.for_accounts(["acc_1", "acc_2"])}
    assert statuses == {"sub_a": PAST_DUE, "sub_b": ACTIVE, "sub_c": ACTIVE, "sub_d": ACTIVE, "sub_e": PAST_DUE}


def test_taking_skips_what_was_settled_after_the_scan(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b", "sub_c")
    with uow:
        for sub, days in (("sub_a", 2), ("sub_b", 2), ("sub_c", 8)):
            uow.invoices.save(invoice(f"inv_{sub}", sub, days_ago=days))
        uow.attempts.add(attempt("att_1", "sub_c", outcome=Outcome.SUCCEEDED))
        uow.alerts.add([alert("al_c", "sub_c")])
        uow.commit()
    with uow:
        assert uow.alerts.claim(claim()) == Claimed(2, 1)
        uow.commit()
    with uow:  # settled in between: sub_b's invoice paid, sub_c's too and its alert settled
        for sub in ("sub_b", "sub_c"):
            uow.invoices.save(invoice(f"inv_{sub}", sub, days_ago=2, status=InvoiceStatus.PAID))
        uow.alerts.save(alert("al_c", "sub_c", settled_attempt_id="att_1"))
        uow.commit()
    with uow:
        assert uow.alerts.take_claims(NOW) == Claimed(1, 0, {})
        made, reminders = uow.alerts.claimed(claim())
        uow.commit()
    assert ([a.subscription_id for a in made], reminders) == (["sub_a"], [])
    with uow:  # the claims went with the taking: nothing is taken twice, and the next scan starts afresh
        assert uow.alerts.take_claims(NOW) == Claimed(0, 0, {})
        assert uow.alerts.claim(claim("scan2")) == Claimed(0, 0)
        statuses = {s.id: s.status for s in uow.subscriptions.for_accounts(["acc_1"])}
    assert statuses == {"sub_a": PAST_DUE, "sub_b": ACTIVE, "sub_c": ACTIVE}


def test_claim_puts_a_crowded_channels_new_alerts_in_its_digest(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b")
    with uow:
        uow.accounts.save(replace(account("acc_2"), channel="C0OWN"))
        uow.subscriptions.save(subscription("sub_c", "acc_2"))
        for sub in ("sub_a", "sub_b", "sub_c"):
            uow.invoices.save(invoice(f"inv_{sub}", sub))
        uow.commit()
    with uow:
        assert uow.alerts.claim(claim(threshold=1)) == Claimed(3, 0)
        assert uow.alerts.take_claims(NOW) == Claimed(3, 0, {"C0DEFAULT": 2})
        made, _ = uow.alerts.claimed(claim(threshold=1))
    assert [(a.subscription_id, a.channel, a.ts) for a in made] == [
        ("sub_a", "C0DEFAULT", DIGEST_PREFIX), ("sub_b", "C0DEFAULT", DIGEST_PREFIX), ("sub_c", "C0OWN", None),
    ]  # fmt: skip


@pytest.mark.parametrize(("days", "every"), [((1, 3, 7, 14), 7), ((2, 5), 0), ((10, 4), 3), ((), 7)])
def test_claimed_stages_follow_the_reminder_policy(uow: UnitOfWork, days: tuple[int, ...], every: int) -> None:
    subs = [f"sub_{n:02d}" for n in range(1, 41)]
    seed_billing(uow, *subs)
    with uow:
        for n, sub in enumerate(subs, start=1):
            uow.invoices.save(invoice(f"inv_{sub}", sub, days_ago=n))
        uow.commit()
    with uow:
        uow.alerts.claim(claim(days=days, every=every))
        uow.alerts.take_claims(NOW)
        made, _ = uow.alerts.claimed(claim(days=days, every=every))
    policy = ReminderPolicy(days, every)
    assert [a.stage for a in made] == [policy.stage_for(n) for n in range(1, 41)]


def test_claim_reminds_each_open_alert_once_per_later_stage(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b", "sub_c", "sub_d")
    with uow:
        for sub, days in (("sub_a", 8), ("sub_b", 3), ("sub_c", 20), ("sub_d", 15)):
            uow.invoices.save(invoice(f"inv_{sub}", sub, days_ago=days))
        uow.attempts.add(attempt("att_1", "sub_c", outcome=Outcome.SUCCEEDED))
        uow.alerts.add([
            alert("al_a", "sub_a", ts="1.1", delivered_version=1), replace(alert("al_b", "sub_b"), stage=3),
            alert("al_c", "sub_c", settled_attempt_id="att_1"), alert("al_d", "sub_d", version=3),
        ])  # fmt: skip
        uow.commit()
    with uow:
        assert uow.alerts.claim(claim()) == Claimed(1, 2)  # sub_c: its alert was settled
        assert uow.alerts.claim(claim("scan2")) == Claimed(0, 0)
        assert uow.alerts.take_claims(NOW) == Claimed(1, 2, {})
        _, made = uow.alerts.claimed(claim())
        assert uow.alerts.claim(claim("scan3")) == Claimed(0, 0)
        uow.commit()
    assert made == [Reminder("scan1-r-sub_a", "al_a", 7, NOW), Reminder("scan1-r-sub_d", "al_d", 14, NOW)]
    with uow:
        found = {a: uow.alerts.get(a) for a in ("al_a", "al_b", "al_c", "al_d")}
        # al_d's message is not posted yet: its reminder waits for a thread to reply in
        assert [r.id for r in uow.alerts.undelivered_reminders(10)] == ["scan1-r-sub_a"]
    assert {a: (x.stage, x.version) for a, x in found.items() if x} == {
        "al_a": (7, 2), "al_b": (3, 1), "al_c": (1, 1), "al_d": (14, 4),
    }  # fmt: skip


def test_untaken_reminder_claims_of_two_scans_are_both_sent_in_order(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a")
    with uow:
        uow.invoices.save(invoice("inv_sub_a", "sub_a", days_ago=8))
        uow.alerts.add([alert("al_a", "sub_a", ts="1.1", delivered_version=1)])
        uow.commit()
    with uow:  # day 3, then day 8, with no delivery in between
        assert uow.alerts.claim(replace(claim("scan1"), today=TODAY - dt.timedelta(days=5))) == Claimed(0, 1)
        assert uow.alerts.claim(replace(claim("scan2"), now=NOW + dt.timedelta(hours=1))) == Claimed(0, 1)
        assert uow.alerts.claim(claim("scan3")) == Claimed(0, 0)
        assert uow.alerts.take_claims(NOW) == Claimed(0, 2, {})
        reminders = uow.alerts.undelivered_reminders(10)
        alert_now = uow.alerts.get("al_a")
    assert [(r.id, r.stage) for r in reminders] == [("scan1-r-sub_a", 3), ("scan2-r-sub_a", 7)]
    assert alert_now is not None and (alert_now.stage, alert_now.version) == (7, 3)


def test_awaiting_digest_lists_the_channels_unposted_digest_members(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b", "sub_c", "sub_d")
    with uow:
        uow.alerts.add([
            alert("al_a", "sub_a", ts=DIGEST_PREFIX, minutes=2),
            alert("al_b", "sub_b", ts=DIGEST_PREFIX, minutes=1),
            alert("al_c", "sub_c"),  # posted on its own
            replace(alert("al_d", "sub_d", ts=DIGEST_PREFIX), channel="C0OTHER"),
        ])  # fmt: skip
        uow.commit()
    with uow:
        waiting = uow.alerts.awaiting_digest("C0BILLING")
    assert [a.id for a in waiting] == ["al_b", "al_a"]


def test_mark_posted_records_the_message_for_every_member(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b")
    with uow:
        uow.alerts.add([alert("al_a", "sub_a", ts=DIGEST_PREFIX), alert("al_b", "sub_b", ts=DIGEST_PREFIX, version=2)])
        uow.commit()
    with uow:
        uow.alerts.mark_posted(["al_a", "al_b"], DIGEST_PREFIX + "1700000000.000100")
        uow.commit()
    with uow:
        stored = [uow.alerts.get(a) for a in ("al_a", "al_b")]
        assert uow.alerts.undelivered(10) == [] and uow.alerts.awaiting_digest("C0BILLING") == []
    assert [(a.ts, a.delivered_version) for a in stored if a] == [
        ("digest:1700000000.000100", 1), ("digest:1700000000.000100", 2),
    ]  # fmt: skip


def test_alerts_are_read_many_at_once_and_the_missing_left_out(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2")
    with uow:
        uow.alerts.add([alert("al_1", "sub_1"), alert("al_2", "sub_2", minutes=1)])
        uow.commit()
    with uow:
        assert uow.alerts.get_many(iter(["al_2", "al_missing"])) == {"al_2": alert("al_2", "sub_2", minutes=1)}
        assert uow.alerts.get_many([]) == {}


def test_marking_alerts_delivered_records_each_ts_and_never_lowers_the_delivered_version(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2")
    with uow:
        uow.alerts.add([
            alert("al_new", "sub_1", failures=2, retry_at=NOW),
            alert("al_ahead", "sub_2", ts="1.1", version=3, delivered_version=3),
        ])  # fmt: skip
        uow.commit()
    with uow:
        uow.alerts.mark_delivered(iter([("al_new", "2.2", 1), ("al_ahead", "1.1", 2), ("al_missing", "3.3", 1)]))
        uow.commit()
    with uow:
        found = uow.alerts.get_many(["al_new", "al_ahead", "al_missing"])
    assert found["al_new"] == alert("al_new", "sub_1", ts="2.2", delivered_version=1)
    assert found["al_ahead"] == alert("al_ahead", "sub_2", ts="1.1", version=3, delivered_version=3)
    assert "al_missing" not in found
