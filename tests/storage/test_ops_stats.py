"""What /metrics reads from the database at scrape time, on SQLite and PostgreSQL: the outbox
backlog and pending settlements, each a count and its oldest row's time."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from domain.records import Outcome
from storage.ops_stats import Backlog, ops_stats, schema_version
from storage.uow import SqlUnitOfWork
from tests.storage.builders import NOW, alert, attempt, reminder, seed_billing


def test_an_empty_database_has_no_backlog_and_its_schema_version(engine: Engine) -> None:
    stats = ops_stats(engine)
    assert stats.alerts == stats.reminders == stats.claims == stats.pending == Backlog(0, None)
    assert schema_version(engine)


def test_undelivered_alerts_and_reminders_and_pending_attempts_are_counted_with_the_oldest(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    uow = SqlUnitOfWork(sessions)
    seed_billing(uow, "sub_1", "sub_2", "sub_3")
    with uow:
        uow.alerts.add([
            alert("al_1", "sub_1", minutes=-30),  # never posted
            alert("al_2", "sub_2", minutes=-10, ts="1.1", version=2, delivered_version=1),  # an update due
            alert("al_3", "sub_3", minutes=-50, ts="1.2", version=1, delivered_version=1),  # delivered
        ])  # fmt: skip
        uow.alerts.add_reminders([reminder("rm_1", "al_3", minutes=-5)])
        uow.attempts.add(attempt("att_1", "sub_1", minutes=-7))
        uow.attempts.add(attempt("att_2", "sub_2", minutes=-20, outcome=Outcome.SUCCEEDED))
        uow.commit()
    stats = ops_stats(engine)
    assert stats.alerts == Backlog(2, NOW - dt.timedelta(minutes=30))
    assert stats.reminders == Backlog(1, NOW - dt.timedelta(minutes=5))
    assert stats.pending == Backlog(1, NOW - dt.timedelta(minutes=7))
    with uow:
        uow.attempts.save(replace(attempt("att_1", "sub_1", minutes=-7), outcome=Outcome.DECLINED))
        uow.commit()
    assert ops_stats(engine).pending == Backlog(0, None)
