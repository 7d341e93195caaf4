"""Engines, sessions and migrations. Nothing here runs at import time."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "settlebot_read_only"  # an execution option: this transaction only reads
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x5E771EB07  # PostgreSQL advisory lock held while migrating


def make_engine(url: str, *, busy_timeout: float = 30.0, **kwargs: Any) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://...``.

    SQLite gets WAL, a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` for every
    transaction that may write, so writers queue for the lock instead of failing with
    SQLITE_BUSY when two transactions that began as readers both try to write; read-only
    ones (``read_only_engine``) begin deferred. PostgreSQL gets
    ``pool_pre_ping``. Both hide bound parameters in error messages (a card's token, a
    signature's digest): a failing statement's message names the SQL, never the values.
    """
    kwargs.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        _hide_row_values(engine)
        return engine
    connect_args = {"timeout": busy_timeout, **kwargs.pop("connect_args", {})}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _serialise_sqlite(engine, WriteGate(busy_timeout))
    return engine


def write_gate(engine: Engine) -> WriteGate | None:
    """The SQLite engine's in-process write gate (None on PostgreSQL)."""
    return _GATES.get(engine.dialect)


def _hide_row_values(engine: Engine) -> None:
    """PostgreSQL's DETAIL line quotes values ("Failing row contains (..., tok_...)", "Key
    (id)=(...)"): keep only the first line of its messages. The error's fields (``diag``:
    SQLSTATE, constraint, column) are untouched, so callers still tell one error from another."""

    @event.listens_for(engine, "handle_error")
    def _first_line_only(context: ExceptionContext) -> None:
        error, wrapped = context.original_exception, context.sqlalchemy_exception
        if not (error.args and isinstance(error.args[0], str) and "\n" in error.args[0]):
            return
        full, first = error.args[0], error.args[0].split("\n", 1)[0]
        error.args = (first, *error.args[1:])
        if wrapped is not None and wrapped.args and isinstance(wrapped.args[0], str):
            wrapped.args = (wrapped.args[0].replace(full, first), *wrapped.args[1:])


class WriteGate:
    """One SQLite write transaction at a time within this process, the waiting threads woken in
    turn when it ends.

    SQLite lets one writer in at a time; a connection that finds the lock taken sleeps in its busy
    handler in growing steps (up to 100 ms) and tries again, so under contention a writer can lose
    the race many times while others come and go: the tail of a busy process's writes was seconds
    where the median was tens of milliseconds. Threads of one process now queue here first and are
    woken as soon as the writer before them has committed or rolled back; SQLite's own lock still
    serialises writers of different processes. A thread that waits longer than the busy timeout
    (a transaction left open by mistake) goes on to SQLite's busy handler as before, so the gate
    never turns what was a timeout into a hang.
    """

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout
        self._holder: Any = None  # the DBAPI connection whose transaction holds the gate

    @property
    def held(self) -> bool:
        return self._lock.locked()

    def enter(self, connection: Any) -> None:
        if self._lock.acquire(timeout=self._timeout):
            self._holder = _raw(connection)

    def leave(self, connection: Any) -> None:
        raw = _raw(connection)
        if raw is not None and self._holder is raw:
            self._holder = None
            self._lock.release()


def _raw(connection: Any) -> Any:
    """The driver's connection, also when SQLAlchemy hands over the pool's proxy of it."""
    return getattr(connection, "dbapi_connection", connection)


_GATES: weakref.WeakKeyDictionary[Any, WriteGate] = weakref.WeakKeyDictionary()  # by dialect instance


def _serialise_sqlite(engine: Engine, gate: WriteGate) -> None:
    _GATES[engine.dialect] = gate
    # SQLAlchemy's documented recipe (SQLite dialect docs, "Enabling Non-Legacy SQLite
    # Transactional Modes"): take BEGIN away from the sqlite3 driver and emit our own.
    # PRAGMAs and BEGIN have no SQL expression construct, hence the driver-level strings.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Read-only units of work begin DEFERRED: in WAL mode they never wait for writers
        # nor make writers wait (they cannot upgrade: they never write).
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        gate.enter(conn.connection)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(conn.connection)
            raise

    _leave_after(engine, gate)


def _leave_after(engine: Engine, gate: WriteGate) -> None:
    """The gate opens once the transaction has ended in SQLite (its COMMIT or ROLLBACK done, or
    its connection closed): the engine's `commit`/`rollback` events come before the statement, so
    the dialect's own calls are wrapped (the engine has a dialect instance of its own)."""
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            gate.leave(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            gate.leave(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "close")
    @event.listens_for(engine, "invalidate")
    def _on_gone(dbapi_connection: Any, *_args: Any) -> None:
        gate.leave(dbapi_connection)


def read_only_engine(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read."""
    return engine.execution_options(**{READ_ONLY: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for ``SqlUnitOfWork``; rows are mapped to domain objects at once."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """An Alembic config built in code (no alembic.ini), pointing at the migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to the newest schema (a no-op when it is there)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection, _foreign_keys_checked_at_the_end(connection), connection.begin():
            migrate(connection, revision)
    finally:
        engine.dispose()


@contextmanager
def _foreign_keys_checked_at_the_end(connection: Connection) -> Iterator[None]:
    """SQLite rebuilds a table to change its constraints (Alembic's batch mode); with foreign keys
    enforced, dropping the old copy of a table that others refer to fails. SQLite's own recipe
    (ALTER TABLE, "other kinds of table schema changes"): enforcement off around the transaction
    (it cannot change inside one), and every reference checked before the commit."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"the migration left {len(broken)} rows referring to nothing (table {broken[0][0]})")


def migrate(connection: Connection, revision: str = "head") -> None:
    """Upgrade inside the caller's transaction; concurrent upgrades run one after another."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
    config = alembic_config()
    config.attributes["connection"] = connection
    before = _revision(connection)
    command.upgrade(config, revision)
    if _revision(connection) != before:  # the check reads every table: only after a change
        _check_foreign_keys(connection)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def new_installation_id(url: str) -> str:
    """Give this database a new installation id (``settlebot db new-installation-id``): for a
    copy of a database that runs beside its original (a staging copy, a second deployment), so
    the two never send the same idempotency key to a shared processor account. Attempts keep the
    keys they were made with."""
    import datetime as dt
    import uuid

    from sqlalchemy import update

    from storage.models import InstallationRow

    engine = make_engine(url)
    try:
        new = uuid.uuid4().hex
        with engine.begin() as connection:
            connection.execute(update(InstallationRow).values(id=new, created_at=dt.datetime.now(dt.UTC)))
        return new
    finally:
        engine.dispose()
