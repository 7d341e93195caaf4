"""Backends for the storage tests: the in-memory fake, SQLite files, and PostgreSQL.

PostgreSQL runs only when TEST_DATABASE_URL is set; its schema is rebuilt once per
session by the migrations, and every table is emptied before each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateSchema, DropSchema

from domain.ports import UnitOfWork
from storage.db import make_engine, make_session_factory, upgrade
from storage.models import Base
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeUnitOfWork

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
POSTGRES = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
]
SQL_BACKENDS = ["sqlite", pytest.param("postgresql", marks=POSTGRES)]
ALL_BACKENDS = ["fake", *SQL_BACKENDS]


def reset_postgres(engine: Engine) -> None:
    """Drop everything in schema ``public`` (the migrations are then run from scratch)."""
    with engine.begin() as conn:
        conn.execute(DropSchema("public", cascade=True, if_exists=True))
        conn.execute(CreateSchema("public"))


KEPT = {"installation"}  # made by the migrations, as the schema is: not data


def empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEPT:
                conn.execute(table.delete())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "settlebot.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "settlebot.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    engine = make_engine(PG_URL)
    reset_postgres(engine)
    upgrade(PG_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_engine: Engine) -> str:
    empty_tables(pg_engine)
    return PG_URL


@pytest.fixture(params=SQL_BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of each SQL backend."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(params=ALL_BACKENDS)
def uow(request: pytest.FixtureRequest) -> UnitOfWork:
    """One unit of work on each backend: the fake defines what the SQL ones must do."""
    if request.param == "fake":
        return FakeUnitOfWork()
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    engine = make_engine(request.getfixturevalue(name))
    request.addfinalizer(engine.dispose)
    return SqlUnitOfWork(make_session_factory(engine))
