"""The deliverer records what was posted in groups: the outcomes that have arrived while it
recorded others go in one transaction, and a record that fails still leaves every one before
it recorded."""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time

import pytest

from domain import delivery_lanes
from domain.delivery_lanes import DeliveryReport, Recorder, Send, _collect
from domain.failures import FailureLog
from domain.set_aside import Backoff, SetAside
from tests.fakes import FakeUnitOfWork

NOW = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)


def _send(uow: FakeUnitOfWork, name: str, recorded: list[str], *, broken: bool = False) -> Send:
    def record(recorder: Recorder, ts: str) -> None:
        if broken:
            raise RuntimeError("the database went away")
        recorded.append(f"{name}@{ts}")

    return Send("C0ACME", ("T0ACME001", None), lambda: "1.1", record, "posted", ("alert", name), ())


def _arrived(*outcomes: tuple[Send, str | Exception] | None) -> queue.SimpleQueue[tuple[Send, str | Exception] | None]:
    done: queue.SimpleQueue[tuple[Send, str | Exception] | None] = queue.SimpleQueue()
    for outcome in outcomes:
        done.put(outcome)
    return done


def test_outcomes_that_arrived_together_are_recorded_in_one_transaction() -> None:
    uow, recorded, report = FakeUnitOfWork(), [], DeliveryReport()
    done = _arrived(*[(_send(uow, f"al_{i}", recorded), f"{i}.0") for i in range(3)], None)
    _collect(uow, done, 1, report, FailureLog(), SetAside(Backoff(), NOW))
    assert recorded == ["al_0@0.0", "al_1@1.0", "al_2@2.0"]
    assert uow.commits == 1 and report.posted == 3


def test_a_failed_post_is_set_aside_and_the_others_recorded() -> None:
    uow, recorded, report = FakeUnitOfWork(), [], DeliveryReport()
    aside = SetAside(Backoff(), NOW)
    done = _arrived((_send(uow, "al_1", recorded), "1.0"), (_send(uow, "al_2", recorded), KeyError("x")), None)
    _collect(uow, done, 1, report, FailureLog(), aside)
    assert recorded == ["al_1@1.0"] and (report.posted, report.failed) == (1, 1)


def test_a_record_that_fails_ends_the_run_after_recording_every_one_before_it() -> None:
    uow, recorded = FakeUnitOfWork(), []
    sends = [_send(uow, "al_1", recorded), _send(uow, "al_2", recorded, broken=True), _send(uow, "al_3", recorded)]
    done = _arrived(*[(send, "1.0") for send in sends], None)
    with pytest.raises(RuntimeError, match="went away"):
        _collect(uow, done, 1, DeliveryReport(), FailureLog(), SetAside(Backoff(), NOW))
    assert uow.commits == 1  # al_1 alone, committed before al_2's failure ends the run
    assert recorded[-1] == "al_1@1.0"


def test_while_other_lanes_post_what_arrives_within_the_gathering_window_shares_one_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Six lanes posting at once: the outcomes that arrive within the gathering window of the
    first go in one transaction, not one each; every one is recorded once."""
    monkeypatch.setattr(delivery_lanes, "RECORD_GATHER_SECONDS", 0.5)  # wide, so a slow machine keeps it
    uow, recorded, report = FakeUnitOfWork(), [], DeliveryReport()
    done: queue.SimpleQueue[tuple[Send, str | Exception] | None] = queue.SimpleQueue()

    def lane(i: int) -> None:
        time.sleep(i * 0.01)  # all well within the window of the first
        done.put((_send(uow, f"al_{i}", recorded), f"{i}.0"))
        done.put(None)

    threads = [threading.Thread(target=lane, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    _collect(uow, done, 6, report, FailureLog(), SetAside(Backoff(), NOW))
    for thread in threads:
        thread.join()
    assert sorted(recorded) == [f"al_{i}@{i}.0" for i in range(6)] and report.posted == 6
    assert uow.commits < 6


def test_the_last_lanes_outcome_is_recorded_without_gathering(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no other lane still posting there is nothing to gather: no wait."""
    monkeypatch.setattr(delivery_lanes, "RECORD_GATHER_SECONDS", 30.0)  # a wait would be unmistakable
    uow, recorded = FakeUnitOfWork(), []
    done = _arrived((_send(uow, "al_1", recorded), "1.0"), None)
    started = time.monotonic()
    _collect(uow, done, 1, DeliveryReport(), FailureLog(), SetAside(Backoff(), NOW))
    assert recorded == ["al_1@1.0"]
    assert time.monotonic() - started < 10
