"""The migrations are the one source of the schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select

from domain.records import Outcome
from storage.db import alembic_config, make_engine, make_session_factory, new_installation_id, upgrade
from storage.models import Base, InstallationRow
from storage.uow import SqlUnitOfWork
from tests.storage.builders import NOW, alert, attempt, payment, seed_billing
from tests.storage.conftest import PG_URL, POSTGRES, reset_postgres

TABLES = {
    "accounts", "admins", "cards", "subscriptions", "invoices", "settlement_attempts",
    "payments", "alerts", "reminders", "sandbox_charges", "card_links", "card_tokenizations", "installation",
}  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=POSTGRES)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    engine = request.getfixturevalue("pg_engine")
    reset_postgres(engine)
    yield PG_URL
    reset_postgres(engine)  # leave the shared schema as the session fixture made it
    upgrade(PG_URL)


def _schema(engine: Engine) -> dict[str, object]:
    """Tables, columns and indexes (partial-index predicates as text), comparable."""
    inspector = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted(
                (
                    i["name"] or "",
                    tuple(i["column_names"]),
                    bool(i["unique"]),
                    str({k: str(v) for k, v in i.get("dialect_options", {}).items()}),
                )
                for i in inspector.get_indexes(table)
            ),
        )
        for table in inspector.get_table_names()
    }


def _current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_upgrade_creates_every_table_at_the_head_revision(blank_url: str) -> None:
    upgrade(blank_url)
    engine = make_engine(blank_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert _current(engine) == head
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(blank_url: str) -> None:
    upgrade(blank_url)
    engine = make_engine(blank_url)
    try:
        before = _schema(engine)
        upgrade(blank_url)
        assert _schema(engine) == before
        assert _current(engine) is not None
    finally:
        engine.dispose()


def test_the_models_match_what_the_migrations_create(blank_url: str) -> None:
    upgrade(blank_url)
    engine = make_engine(blank_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back_up_works(blank_url: str) -> None:
    upgrade(blank_url)
    engine = make_engine(blank_url)
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(blank_url)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_the_partial_unique_indexes_exist(blank_url: str) -> None:
    upgrade(blank_url)
    engine = make_engine(blank_url)
    try:
        inspector = inspect(engine)
        unique = {i["name"] for t in ("settlement_attempts", "alerts") for i in inspector.get_indexes(t) if i["unique"]}
        assert {"uq_settlement_attempts_pending", "uq_alerts_open"} <= unique
    finally:
        engine.dispose()


def test_no_column_can_hold_a_card_number_or_cvc() -> None:
    names = {c.name for t in Base.metadata.tables.values() for c in t.columns}
    assert not {n for n in names if any(w in n for w in ("number", "cvc", "cvv", "pan"))}
    assert {c.name for c in Base.metadata.tables["cards"].columns} == {
        "id", "account_id", "brand", "last4", "exp_month", "exp_year",
        "owner_slack_user_id", "token",
    }  # fmt: skip


def test_the_migrations_ship_inside_the_package() -> None:
    versions = Path(alembic_config().get_main_option("script_location") or "") / "versions"
    assert (versions.parent / "__init__.py").exists() and (versions / "__init__.py").exists()
    assert (versions.parent / "script.py.mako").exists()
    assert (versions / "0001_initial.py").exists()


def _installation_ids(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(InstallationRow.id)).scalars())
    finally:
        engine.dispose()


def test_db_upgrade_gives_each_database_its_own_installation_id_once(tmp_path: Path) -> None:
    first, second = f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'two.db'}"
    upgrade(first)
    upgrade(second)
    (one,) = _installation_ids(first)
    (two,) = _installation_ids(second)
    assert one != two and len(one) == 32
    upgrade(first)
    assert _installation_ids(first) == [one]  # upgrading again keeps it: stored keys stay valid


def test_a_copy_of_a_database_can_be_given_a_new_installation_id(tmp_path: Path) -> None:
    original, copy = tmp_path / "original.db", tmp_path / "copy.db"
    upgrade(f"sqlite:///{original}")
    shutil.copyfile(original, copy)  # a staging copy: the same id as its original until told
    assert _installation_ids(f"sqlite:///{copy}") == _installation_ids(f"sqlite:///{original}")
    new = new_installation_id(f"sqlite:///{copy}")
    assert _installation_ids(f"sqlite:///{copy}") == [new] != _installation_ids(f"sqlite:///{original}")
    assert len(new) == 32


def test_payments_hold_one_row_per_attempt(blank_url: str) -> None:
    upgrade(blank_url)
    engine = make_engine(blank_url)
    try:
        unique = {i["name"] for i in inspect(engine).get_indexes("payments") if i["unique"]}
        assert "ix_payments_attempt_id" in unique
    finally:
        engine.dispose()


def test_upgrading_to_0015_keeps_every_attempt_payment_and_alert_and_detaches_the_money_trail(
    blank_url: str,
) -> None:
    upgrade(blank_url, "0014")
    engine = make_engine(blank_url)
    try:
        uow = SqlUnitOfWork(make_session_factory(engine))
        seed_billing(uow)
        done = attempt().finish(Outcome.SUCCEEDED, NOW, "ch_1", None)
        with uow:
            uow.attempts.add(done)
            uow.payments.add(payment("pay_1"))
            uow.alerts.add([replace(alert(), settled_attempt_id="att_1")])
            uow.commit()
        upgrade(blank_url)
        inspector = inspect(engine)
        referred = {(t, fk["referred_table"]) for t in ("settlement_attempts", "payments")
                    for fk in inspector.get_foreign_keys(t)}  # fmt: skip
        assert referred == {("payments", "settlement_attempts")}
        with uow:
            assert uow.attempts.get("att_1") == done
            assert uow.payments.last_for("sub_1") == payment("pay_1")
            assert uow.alerts.get("al_1") is not None
    finally:
        engine.dispose()
