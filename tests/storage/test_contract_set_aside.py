"""Repository contract, the outbox's set-aside records: an alert or reminder whose delivery
failed leaves the batches until its ``retry_at``, then comes after everything never set aside;
posting it clears its failures. The same tests on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from domain.alert_views import DIGEST_PREFIX
from domain.ports import UnitOfWork
from tests.storage.builders import NOW, alert, reminder, seed_billing

MINUTE = dt.timedelta(minutes=1)
SUBS = [f"sub_{n}" for n in range(1, 7)]


def _alerts(uow: UnitOfWork, *names: str) -> None:
    """Alerts al_<n> of sub_<n>, created n minutes after NOW, unposted."""
    seed_billing(uow, *SUBS)
    with uow:
        uow.alerts.add([alert(f"al_{n}", f"sub_{n}", minutes=int(n)) for n in names])
        uow.commit()


def _ids(records: list) -> list[str]:
    return [r.id for r in records]


def test_an_alert_set_aside_leaves_the_batches_until_its_retry_time_then_follows_the_others(uow: UnitOfWork) -> None:
    _alerts(uow, "1", "2", "3")
    with uow:
        uow.alerts.set_aside(iter(["al_1"]), NOW + MINUTE)
        uow.commit()
    with uow:
        assert _ids(uow.alerts.undelivered(10, NOW)) == ["al_2", "al_3"]
        assert _ids(uow.alerts.undelivered(10, NOW + MINUTE)) == ["al_2", "al_3", "al_1"]
        assert _ids(uow.alerts.undelivered(10)) == ["al_2", "al_3", "al_1"]  # no time: set aside or not
        stuck = uow.alerts.get("al_1")
    assert stuck == replace(alert("al_1", "sub_1", minutes=1), failures=1, retry_at=NOW + MINUTE)


def test_one_subscriptions_undelivered_alert_is_read_alone_and_waits_when_set_aside(uow: UnitOfWork) -> None:
    _alerts(uow, "1", "2", "3")
    with uow:
        uow.alerts.set_aside(["al_2"], NOW + MINUTE)
        uow.commit()
    with uow:  # what the refresh after a settlement reads (the same statement, run again and again)
        assert _ids(uow.alerts.undelivered(10, NOW, "sub_1")) == ["al_1"]
        assert _ids(uow.alerts.undelivered(10, NOW, "sub_3")) == ["al_3"]
        assert _ids(uow.alerts.undelivered(10, NOW, "sub_2")) == []
        assert _ids(uow.alerts.undelivered(10, NOW + MINUTE, "sub_2")) == ["al_2"]
        assert _ids(uow.alerts.undelivered(0, NOW, "sub_1")) == []
        assert _ids(uow.alerts.undelivered(10, None, "sub_2")) == ["al_2"]  # no time: set aside or not


def test_a_batch_takes_the_alerts_never_set_aside_before_any_due_again(uow: UnitOfWork) -> None:
    _alerts(uow, "1", "2", "3", "4", "5", "6")
    with uow:  # the four oldest keep failing; the latest wait is the last to come due
        uow.alerts.set_aside(["al_1", "al_3"], NOW + 2 * MINUTE)
        uow.alerts.set_aside(["al_2", "al_4"], NOW + MINUTE)
        uow.alerts.set_aside(["al_2"], NOW + 3 * MINUTE)
        uow.commit()
    with uow:
        later = NOW + dt.timedelta(hours=1)
        assert _ids(uow.alerts.undelivered(2, later)) == ["al_5", "al_6"]
        assert _ids(uow.alerts.undelivered(10, later)) == ["al_5", "al_6", "al_4", "al_1", "al_3", "al_2"]
        assert _ids(uow.alerts.undelivered(10, NOW + 2 * MINUTE)) == ["al_5", "al_6", "al_4", "al_1", "al_3"]
        assert [uow.alerts.get(f"al_{n}").failures for n in range(1, 7)] == [1, 2, 1, 1, 0, 0]  # type: ignore[union-attr]


def test_posting_an_alert_clears_its_failures(uow: UnitOfWork) -> None:
    _alerts(uow, "1", "2")
    with uow:
        uow.alerts.set_aside(["al_1", "al_2"], NOW + MINUTE)
        uow.commit()
    with uow:
        uow.alerts.mark_posted(["al_1"], DIGEST_PREFIX + "9.9")
        current = uow.alerts.get("al_2")
        assert current is not None
        uow.alerts.save(replace(current, ts="1.2", delivered_version=1, failures=0, retry_at=None))
        uow.commit()
    with uow:
        assert [(a.failures, a.retry_at) for a in map(uow.alerts.get, ["al_1", "al_2"])] == [(0, None)] * 2  # type: ignore[union-attr]


def test_a_reminder_set_aside_leaves_the_batches_until_its_retry_time_and_posting_clears_it(uow: UnitOfWork) -> None:
    seed_billing(uow)
    with uow:
        uow.alerts.add([alert("al_1", ts="1.1", delivered_version=1)])
        uow.alerts.add_reminders([reminder("r_3", minutes=1), reminder("r_7", stage=7, minutes=2)])
        uow.alerts.set_aside_reminders(["r_3"], NOW + MINUTE)
        uow.commit()
    with uow:
        assert _ids(uow.alerts.undelivered_reminders(1, NOW)) == ["r_7"]
        assert _ids(uow.alerts.undelivered_reminders(10, NOW + MINUTE)) == ["r_7", "r_3"]
        stuck = next(r for r in uow.alerts.undelivered_reminders(10) if r.id == "r_3")
        assert (stuck.failures, stuck.retry_at) == (1, NOW + MINUTE)
        uow.alerts.save_reminder(replace(stuck, ts="1.5", failures=0, retry_at=None))
        uow.commit()
    with uow:
        assert _ids(uow.alerts.undelivered_reminders(10, NOW + MINUTE)) == ["r_7"]


def test_reminders_wait_for_their_alerts_message_to_be_posted(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_1", "sub_2", "sub_3", "sub_4")
    with uow:
        uow.alerts.add([
            alert("al_unposted", "sub_1"), alert("al_awaiting", "sub_2", ts=DIGEST_PREFIX),
            alert("al_in_digest", "sub_3", ts=DIGEST_PREFIX + "7.7", delivered_version=1),
            alert("al_posted", "sub_4", ts="1.1", delivered_version=1),
        ])  # fmt: skip
        uow.alerts.add_reminders([
            reminder(f"r_{name}", f"al_{name}", minutes=n)
            for n, name in enumerate(["unposted", "awaiting", "in_digest", "posted"])
        ])  # fmt: skip
        uow.commit()
    with uow:
        assert _ids(uow.alerts.undelivered_reminders(10, NOW)) == ["r_in_digest", "r_posted"]
        uow.alerts.mark_posted(["al_unposted", "al_awaiting"], "2.2")
        uow.commit()
    with uow:
        assert len(uow.alerts.undelivered_reminders(10, NOW)) == 4


def test_everything_set_aside_can_be_made_due_at_once_keeping_its_failures(uow: UnitOfWork) -> None:
    _alerts(uow, "1", "2", "3")
    with uow:
        uow.alerts.mark_posted(["al_3"], "3.3")
        uow.alerts.add_reminders([reminder("r_3", "al_3")])
        uow.alerts.set_aside(["al_1"], NOW + 5 * MINUTE)
        uow.alerts.set_aside(["al_2"], NOW - MINUTE)  # due already: left as it is
        uow.alerts.set_aside_reminders(["r_3"], NOW + 5 * MINUTE)
        uow.commit()
    with uow:
        uow.alerts.due_again(NOW)
        uow.commit()
    with uow:
        assert [(a.id, a.failures, a.retry_at) for a in uow.alerts.undelivered(10, NOW)] == [
            ("al_2", 1, NOW - MINUTE), ("al_1", 1, NOW),
        ]  # fmt: skip
        assert [(r.id, r.failures, r.retry_at) for r in uow.alerts.undelivered_reminders(10, NOW)] == [("r_3", 1, NOW)]
