"""Webhook events recorded by group commit (bot.group_commit) on SQLite and PostgreSQL: concurrent
deliveries share transactions, each id is first exactly once, and a failed transaction fails
every delivery waiting on it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.group_commit import GroupRecorder
from domain.billing_events import receive_events
from domain.ports import StorageUnavailable
from storage.db import make_engine, make_session_factory
from storage.models import StripeEventRow
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeClock

NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
Record = Callable[[Sequence[tuple[str, str]]], set[str]]


def recording_into(sessions: sessionmaker[Session], batches: list[int]) -> Record:
    def record(events: Sequence[tuple[str, str]]) -> set[str]:
        batches.append(len(events))
        return receive_events(SqlUnitOfWork(sessions), FakeClock(NOW), events)

    return record


def held_until(waiting: Callable[[], int], count: int, record: Record) -> Record:
    """`record`, whose first batch starts only once `count` more deliveries wait behind it."""
    started = threading.Event()

    def first_holds(events: Sequence[tuple[str, str]]) -> set[str]:
        if not started.is_set():
            started.set()
            for _ in range(2000):
                if waiting() >= count:
                    break
                threading.Event().wait(0.005)
        return record(events)

    return first_holds


def deliver(recorder: GroupRecorder, ids: list[str]) -> list[bool | BaseException]:
    def one(event_id: str) -> bool | BaseException:
        try:
            return recorder.record(event_id, "invoice.paid")
        except (SQLAlchemyError, StorageUnavailable) as error:  # the webhook's 503
            return error

    with ThreadPoolExecutor(len(ids)) as pool:
        return list(pool.map(one, ids))


def test_concurrent_deliveries_of_one_id_are_first_exactly_once_in_shared_transactions(
    sessions: sessionmaker[Session],
) -> None:  # fmt: skip
    batches: list[int] = []
    recorder: GroupRecorder
    recorder = GroupRecorder(held_until(lambda: recorder.waiting, 20, recording_into(sessions, batches)))
    ids = ["evt_same"] * 24 + [f"evt_{n}" for n in range(24)]

    answers = deliver(recorder, ids)

    assert sum(1 for a in answers[:24] if a is True) == 1 and all(a is True for a in answers[24:])
    assert sum(batches) == len(ids) and len(batches) < len(ids) / 4  # batched, not one by one
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(StripeEventRow)) == 25
    assert deliver(GroupRecorder(recording_into(sessions, [])), ["evt_same", "evt_3"]) == [False, False]


def test_a_failed_transaction_fails_every_delivery_in_its_batch_and_records_none(
    db_url: str, sessions: sessionmaker[Session]
) -> None:  # fmt: skip
    gone = make_engine(_unreachable(db_url))
    batches: list[int] = []
    down, up = recording_into(make_session_factory(gone), batches), recording_into(sessions, [])
    database_up = threading.Event()
    recorder: GroupRecorder
    recorder = GroupRecorder(
        held_until(lambda: recorder.waiting, 9, lambda e: (up if database_up.is_set() else down)(e))
    )
    try:
        answers = deliver(recorder, [f"evt_{n}" for n in range(10)])
    finally:
        gone.dispose()

    assert all(isinstance(a, (OperationalError, StorageUnavailable)) for a in answers)
    assert len(batches) < 10
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(StripeEventRow)) == 0
    database_up.set()
    assert sorted(deliver(recorder, ["evt_1", "evt_1"]), key=str) == [False, True]  # the same recorder goes on


def _unreachable(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite:////nonexistent-directory/settlebot.db"
    return url.replace("127.0.0.1:5432", "127.0.0.1:1")


@pytest.fixture(autouse=True)
def _short_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
