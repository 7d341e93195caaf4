"""Races on real databases: concurrent claims, settlements, ledger writes (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import AlreadySettled, SettlementInProgress
from domain.ports import ChargeResult
from domain.reconciliation import reconcile
from domain.records import Claim, Outcome, SettlementAttempt
from domain.settlement import settle
from domain.settlement_commit import record_outcome
from payments.sandbox import SandboxGateway
from storage.ledger import SqlLedger
from storage.models import PaymentRow
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeClock
from tests.storage.builders import attempt, seed_billing
from tests.storage.concurrently import run_together
from tests.unit.builders import ADMIN, OWNER, seed, shown

THREADS = 8


def _claim(sessions: sessionmaker[Session], n: int) -> SettlementAttempt:
    """What the settle use case does first: lock, check for a pending attempt, add one."""
    uow = SqlUnitOfWork(sessions)
    with uow:
        assert uow.subscriptions.get("sub_1", lock=True) is not None
        if uow.attempts.pending_for("sub_1") is not None:
            raise SettlementInProgress()
        claimed = attempt(f"att_{n}", key=f"settle:sub_1:abc:{n}")
        uow.attempts.add(claimed)
        uow.commit()
        return claimed


def _insert_pending(sessions: sessionmaker[Session], n: int) -> SettlementAttempt:
    """A claim that skips the check and the lock: only the partial unique index stops it."""
    uow = SqlUnitOfWork(sessions)
    with uow:
        claimed = attempt(f"att_{n}", key=f"settle:sub_1:abc:{n}")
        uow.attempts.add(claimed)
        uow.commit()
        return claimed


def test_concurrent_claims_for_one_subscription_leave_one_pending(
    sessions: sessionmaker[Session],
) -> None:
    seed_billing(SqlUnitOfWork(sessions))
    results = run_together(THREADS, lambda n: _claim(sessions, n))
    winners = [r for r in results if isinstance(r, SettlementAttempt)]
    assert len(winners) == 1
    assert all(isinstance(r, SettlementInProgress) for r in results if r not in winners)
    with SqlUnitOfWork(sessions) as uow:
        assert uow.attempts.pending() == winners


def test_unguarded_pending_inserts_are_stopped_by_the_unique_index(
    sessions: sessionmaker[Session],
) -> None:
    seed_billing(SqlUnitOfWork(sessions))
    results = run_together(THREADS, lambda n: _insert_pending(sessions, n))
    winners = [r for r in results if isinstance(r, SettlementAttempt)]
    assert len(winners) == 1
    assert all(isinstance(r, SettlementInProgress) for r in results if r not in winners)
    with SqlUnitOfWork(sessions) as uow:
        assert len(uow.attempts.for_subscription("sub_1")) == 1


def test_settling_one_balance_from_many_threads_charges_once(engine: Engine, sessions: sessionmaker[Session]) -> None:
    seed(SqlUnitOfWork(sessions))  # type: ignore[arg-type]
    ledger = SqlLedger(engine)
    gateway = SandboxGateway(ledger, latency=0.05)
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))
    actors = [OWNER, ADMIN]
    confirmed = shown(SqlUnitOfWork(sessions), "sub_e3")  # type: ignore[arg-type]

    def work(n: int) -> Outcome:
        card = "card_1" if n % 2 == 0 else "card_2"
        uow = SqlUnitOfWork(sessions)
        return settle(uow, gateway, clock, actors[n % 2], "sub_e3", card, confirmed=confirmed).outcome

    results = run_together(THREADS, work)
    assert results.count(Outcome.SUCCEEDED) == 1
    losers = [r for r in results if r is not Outcome.SUCCEEDED]
    assert all(isinstance(r, SettlementInProgress | AlreadySettled) for r in losers)
    assert len(ledger.entries()) == 1
    with SqlUnitOfWork(sessions) as uow:
        assert uow.attempts.pending() == []
        assert len(uow.attempts.for_subscription("sub_e3")) == 1


def test_overlapping_scans_alert_and_remind_each_subscription_once(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Two scans whose transactions overlap both claim (neither sees the other's claims); taking
    the claims makes one alert per subscription and one reminder per stage all the same."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: its scans cannot overlap")
    seed(SqlUnitOfWork(sessions))  # type: ignore[arg-type]
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))
    first, second = SqlUnitOfWork(sessions), SqlUnitOfWork(sessions)
    with first, second:
        one = first.alerts.claim(Claim(clock.today(), clock.now(), "scan1", (1, 3, 7), 7, "C0DEFAULT", 20))
        two = second.alerts.claim(Claim(clock.today(), clock.now(), "scan2", (1, 3, 7), 7, "C0DEFAULT", 20))
        first.commit()
        second.commit()
    assert one == two and one.alerts == 2
    with SqlUnitOfWork(sessions) as uow:
        assert uow.alerts.take_claims(clock.now()).alerts == 2
        uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        alerts = uow.alerts.undelivered(10)
    assert sorted(a.subscription_id for a in alerts) == ["sub_e3", "sub_f"]
    assert {a.id.split("-")[0] for a in alerts} == {"scan1"}


def test_a_late_save_and_reconciliations_racing_record_one_payment(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """The process that charged commits its outcome while reconciliations complete the same
    attempt from the processor's record: the attempt's row lock lets one record it."""
    seed(SqlUnitOfWork(sessions))  # type: ignore[arg-type]
    ledger = SqlLedger(engine)
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))
    with pytest.raises(SystemExit):
        settle(SqlUnitOfWork(sessions), DiesAfterCharge(ledger), clock, OWNER, "sub_e3", "card_1",
               confirmed=shown(SqlUnitOfWork(sessions), "sub_e3"))  # type: ignore[arg-type]  # fmt: skip
    with SqlUnitOfWork(sessions) as uow:
        (attempt,) = uow.attempts.pending()
    charge = SandboxGateway(ledger).find_charge(attempt.idempotency_key)
    assert charge is not None

    def work(n: int) -> bool:
        if n % 2 == 0:  # the Save that charged, late
            return record_outcome(SqlUnitOfWork(sessions), clock, attempt, charge)[1]
        return bool(reconcile(SqlUnitOfWork(sessions), SandboxGateway(ledger), clock))

    results = run_together(THREADS, work)
    assert sorted(results) == [False] * (THREADS - 1) + [True]  # no errors, one recorder
    with SqlUnitOfWork(sessions) as check:
        assert check.session.scalar(select(func.count()).select_from(PaymentRow)) == 1
        assert check.attempts.pending() == []
    assert len(ledger.entries()) == 1



class DiesAfterCharge(SandboxGateway):
    def charge(self, **kwargs: object) -> ChargeResult:
        super().charge(**kwargs)  # type: ignore[arg-type]
        raise SystemExit("killed between charge and commit")
