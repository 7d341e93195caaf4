"""Engine set-up and column types: what SQLite and PostgreSQL must both guarantee."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from domain.alert_delivery import deliver
from storage.db import make_engine, make_session_factory, read_only_engine, write_gate
from storage.models import AccountRow, CardLinkRow, CardRow
from storage.seen_requests import replay_record_engine
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeClock
from tests.storage.builders import NOW, account, seed_billing


def _link(expires_at: dt.datetime) -> dict[str, Any]:
    return {"nonce": "n1", "account_id": "acc_1", "slack_user_id": "U0OWNER01",
            "view_id": None, "expires_at": expires_at}  # fmt: skip


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            driver = conn.connection.dbapi_connection
            assert driver is not None
            assert driver.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert driver.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert driver.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    finally:
        engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: even a reading transaction makes a second one wait for it."""
    holder = make_engine(sqlite_url)
    impatient = make_engine(sqlite_url, busy_timeout=0.2)
    try:
        with holder.begin() as conn:
            conn.execute(select(func.count()).select_from(AccountRow))
            with pytest.raises(OperationalError, match="locked"), impatient.begin() as other:
                other.execute(select(func.count()).select_from(AccountRow))
    finally:
        holder.dispose()
        impatient.dispose()


def test_sqlite_read_only_units_of_work_neither_wait_for_writers_nor_block_them(sqlite_url: str) -> None:
    """Read-only transactions begin DEFERRED: with a writer holding the lock they still read,
    and a writer does not wait for them; they refuse to commit."""
    holder = make_engine(sqlite_url)
    impatient = make_engine(sqlite_url, busy_timeout=0.2)
    reader = SqlUnitOfWork(make_session_factory(read_only_engine(impatient)), read_only=True)
    try:
        with holder.begin() as writer:
            writer.execute(insert(AccountRow), [{"id": "acc_w", "name": "W", "currency": "USD"}])
            with reader:
                assert reader.accounts.get("acc_w") is None  # not committed yet: not seen
                with pytest.raises(RuntimeError, match="read-only"):
                    reader.commit()
        with reader, impatient.begin() as writer:
            assert reader.accounts.get("acc_w") is not None
            writer.execute(insert(AccountRow), [{"id": "acc_x", "name": "X", "currency": "USD"}])
    finally:
        holder.dispose()
        impatient.dispose()


def test_sqlite_second_writer_waits_instead_of_failing(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    done: list[str] = []

    def late_writer() -> None:
        with sessions.begin() as session:
            session.execute(insert(AccountRow), [{"id": "acc_late", "name": "L", "currency": "USD"}])
        done.append("late")

    try:
        with sessions.begin() as session:
            session.execute(select(AccountRow))
            thread = threading.Thread(target=late_writer)
            thread.start()
            time.sleep(0.3)
            assert done == []
            session.execute(insert(AccountRow), [{"id": "acc_first", "name": "F", "currency": "USD"}])
        thread.join(10)
        assert done == ["late"]
    finally:
        engine.dispose()


def test_datetimes_come_back_aware_in_utc(engine: Engine, sessions: sessionmaker[Session]) -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    expires = dt.datetime(2026, 11, 26, 0, 30, 15, 123456, tzinfo=tokyo)
    with sessions.begin() as session:
        session.execute(insert(AccountRow), [{"id": "acc_1", "name": "A", "currency": "USD"}])
        session.execute(insert(CardLinkRow), [_link(expires)])
    with sessions() as session:
        stored = session.scalars(select(CardLinkRow.expires_at)).one()
    assert stored == expires and stored.tzinfo == dt.UTC
    assert stored.hour == 15 and stored.microsecond == 123456


def test_naive_datetimes_are_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError, match="naive"), sessions.begin() as session:
        session.execute(insert(AccountRow), [{"id": "acc_1", "name": "A", "currency": "USD"}])
        session.execute(insert(CardLinkRow), [_link(dt.datetime(2026, 11, 26))])


def test_locking_get_selects_for_update_only_on_postgresql(engine: Engine) -> None:
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    uow = SqlUnitOfWork(make_session_factory(engine))
    seed_billing(uow)
    statements.clear()
    with uow:
        assert uow.subscriptions.get("sub_1", lock=True) is not None
        assert uow.subscriptions.get("sub_1") is not None
    locking = [s for s in statements if "FOR UPDATE" in s]
    assert len(locking) == (1 if engine.dialect.name == "postgresql" else 0)


def test_unit_of_work_blocks_do_not_nest(sessions: sessionmaker[Session]) -> None:
    uow = SqlUnitOfWork(sessions)
    with uow:
        with pytest.raises(RuntimeError, match="nest"), uow:
            pass
        uow.accounts.save(account())
        uow.commit()
    with uow:
        assert uow.accounts.get("acc_1") == account()


TOKEN = "tok_1QxSecretTokenValue9"  # stands for a processor's card token


@pytest.mark.parametrize("broken", [{"brand": None}, {"account_id": "acc_missing_77"}])
def test_a_failing_statements_message_names_no_bound_parameter(engine: Engine, broken: dict[str, Any]) -> None:
    """A card without a brand, or of an account that does not exist: the error, as it would be
    logged, shows the SQL and no value (neither SQLAlchemy's parameter list nor PostgreSQL's
    DETAIL quoting the row), so a token never reaches a log through an exception."""
    row = {"id": "card_x9", "account_id": "acc_1", "brand": "visa", "last4": "4242", "exp_month": 8,
           "exp_year": 2031, "owner_slack_user_id": "U0OWNER01", "token": TOKEN} | broken  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(AccountRow), [{"id": "acc_1", "name": "Account 1", "currency": "USD"}])
    with pytest.raises(DBAPIError) as failed, engine.begin() as connection:
        connection.execute(insert(CardRow), [row])
    shown = f"{failed.value}\n{failed.value!r}\n{failed.value.orig}"
    assert "hidden due to hide_parameters" in str(failed.value) and "INSERT INTO cards" in shown
    assert [v for v in row.values() if isinstance(v, str) and len(v) > 4 and v in shown] == []


def test_the_replay_records_engine_hides_bound_parameters_too(engine: Engine) -> None:
    record = replay_record_engine(engine)
    try:
        assert record.hide_parameters
    finally:
        if record is not engine:
            record.dispose()


def test_the_alert_refresh_after_a_settlement_reads_past_a_writer_holding_the_sqlite_lock(sqlite_url: str) -> None:
    """Eight Saves at once each refresh their own alert: reading what is due must not queue
    for the write lock behind the others' claims and commits (nothing to update: no write)."""
    holder = make_engine(sqlite_url)
    impatient = make_engine(sqlite_url, busy_timeout=0.2)
    sessions = make_session_factory(impatient)
    seed_billing(SqlUnitOfWork(sessions))
    reader = SqlUnitOfWork(make_session_factory(read_only_engine(impatient)), read_only=True)
    try:
        with holder.begin() as writer:
            writer.execute(select(func.count()).select_from(AccountRow))  # BEGIN IMMEDIATE: the lock is held
            report = deliver(SqlUnitOfWork(sessions), FakeClock(NOW), _NoSlack(), updates_only=True,
                             subscription_id="sub_1", reader=reader)  # fmt: skip
        assert report.updated == report.failed == 0
    finally:
        holder.dispose()
        impatient.dispose()


class _NoSlack:
    """A Notifier that nothing may reach here."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"Slack called: {name}")


def test_sqlite_writers_of_one_process_queue_at_the_gate_and_go_in_when_the_one_before_commits(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    gate = write_gate(engine)
    assert gate is not None and not gate.held
    done: list[str] = []

    def late_writer() -> None:
        with engine.begin() as conn:
            conn.execute(insert(AccountRow), [{"id": "acc_late", "name": "L", "currency": "USD"}])
        done.append("late")

    try:
        with engine.begin() as conn:
            assert gate.held
            thread = threading.Thread(target=late_writer)
            thread.start()
            time.sleep(0.2)
            assert done == []  # waiting at the gate, not inside SQLite
            conn.execute(insert(AccountRow), [{"id": "acc_first", "name": "F", "currency": "USD"}])
        thread.join(10)
        assert done == ["late"] and not gate.held
    finally:
        engine.dispose()


@pytest.mark.parametrize("ending", ["commit", "rollback", "error", "invalidate", "session"])
def test_the_sqlite_write_gate_is_free_however_a_transaction_ends(sqlite_url: str, ending: str) -> None:
    engine = make_engine(sqlite_url)
    gate = write_gate(engine)
    assert gate is not None
    try:
        if ending == "session":
            with SqlUnitOfWork(make_session_factory(engine)) as uow:
                uow.session.execute(insert(AccountRow), [{"id": "acc_s", "name": "S", "currency": "USD"}])
                assert gate.held
                uow.commit()
        else:
            conn = engine.connect()
            conn.execute(select(func.count()).select_from(AccountRow))
            assert gate.held
            if ending == "commit":
                conn.commit()
            elif ending == "rollback":
                conn.rollback()
            elif ending == "invalidate":
                conn.invalidate()
            else:
                with pytest.raises(DBAPIError):
                    conn.exec_driver_sql("SELECT * FROM no_such_table")
                conn.rollback()
            conn.close()
        assert not gate.held
        with engine.begin() as conn:  # the next writer goes in
            conn.execute(select(func.count()).select_from(AccountRow))
    finally:
        engine.dispose()


def test_a_sqlite_writer_waiting_for_a_transaction_left_open_gives_up_instead_of_hanging(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, busy_timeout=0.3)
    outcome: list[BaseException] = []

    def late_writer() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(select(func.count()).select_from(AccountRow))
        except OperationalError as error:
            outcome.append(error)

    try:
        with engine.begin() as conn:
            conn.execute(select(func.count()).select_from(AccountRow))
            thread = threading.Thread(target=late_writer)
            thread.start()
            thread.join(10)
            assert not thread.is_alive()
        assert len(outcome) == 1 and "locked" in str(outcome[0])
    finally:
        engine.dispose()


def test_postgresql_engines_have_no_write_gate(engine: Engine) -> None:
    assert (write_gate(engine) is None) == (engine.dialect.name != "sqlite")
