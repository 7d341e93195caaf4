"""The sandbox gateway's SQL ledger: one entry per idempotency key, whatever the race."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine

from domain.money import Money
from domain.ports import ChargeStatus
from payments.sandbox import LedgerEntry, SandboxGateway
from storage.ledger import SqlLedger
from tests.storage.concurrently import run_together

AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def entry(entry_id: str, key: str = "settle:sub_1:abc:1", *, seconds: int = 0) -> LedgerEntry:
    return LedgerEntry(
        entry_id, key, "tok_visa", Money(Decimal("129.99"), "USD"), ChargeStatus.SUCCEEDED, None,
        AT + dt.timedelta(seconds=seconds),
    )  # fmt: skip


def test_a_recorded_entry_is_found_by_its_key(engine: Engine) -> None:
    ledger = SqlLedger(engine)
    declined = LedgerEntry("ch_2", "k2", "tok_chargeDeclined", Money(Decimal("0.10"), "USD"),
                           ChargeStatus.DECLINED, "generic_decline", AT)  # fmt: skip
    assert ledger.record(entry("ch_1")) == entry("ch_1")
    assert ledger.record(declined) == declined
    assert ledger.find("settle:sub_1:abc:1") == entry("ch_1")
    assert ledger.find("k2") == declined
    assert ledger.find("never-seen") is None


def test_recording_a_key_again_returns_the_first_entry(engine: Engine) -> None:
    ledger = SqlLedger(engine)
    ledger.record(entry("ch_1"))
    assert ledger.record(entry("ch_other", seconds=5)) == entry("ch_1")
    assert ledger.entries() == [entry("ch_1")]


def test_entries_are_listed_oldest_first(engine: Engine) -> None:
    ledger = SqlLedger(engine)
    ledger.record(entry("ch_late", "k_late", seconds=60))
    ledger.record(entry("ch_early", "k_early", seconds=1))
    assert [e.id for e in ledger.entries()] == ["ch_early", "ch_late"]


def test_concurrent_records_of_one_key_keep_a_single_entry(engine: Engine) -> None:
    ledger = SqlLedger(engine)
    results = run_together(8, lambda n: ledger.record(entry(f"ch_{n}")))
    assert all(isinstance(r, LedgerEntry) for r in results)
    assert len({r.id for r in results if isinstance(r, LedgerEntry)}) == 1
    assert len(ledger.entries()) == 1


def test_the_sandbox_gateway_charges_a_key_once_through_the_sql_ledger(engine: Engine) -> None:
    gateway = SandboxGateway(SqlLedger(engine))
    amount = Money(Decimal("10.00"), "USD")
    first = gateway.charge(idempotency_key="k", token="tok_visa", amount=amount)
    again = gateway.charge(idempotency_key="k", token="tok_visa", amount=amount)
    assert first == again and first.status is ChargeStatus.SUCCEEDED
    assert gateway.find_charge("k") == first
