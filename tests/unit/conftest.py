"""Fixtures the settlement unit tests share: the seeded fake unit of work, a fixed clock, the
sandbox ledger. A module that needs other data defines its own fixture of the same name."""

from __future__ import annotations

import datetime as dt

import pytest

from payments.sandbox import MemoryLedger
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.builders import seed


@pytest.fixture
def uow() -> FakeUnitOfWork:
    u = FakeUnitOfWork()
    seed(u)
    return u


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger()
