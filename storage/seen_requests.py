"""Which signed Slack requests were already accepted, shared by every process on the database
(on SQLite: on its ``-requests`` file)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, PoolProxiedConnection, create_engine, delete, event, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from storage.db import make_engine
from storage.repositories.base import table_of
from storage.seen_model import SeenRequestRow

log = logging.getLogger(__name__)
PURGE_EVERY = 30.0  # seconds between deletions of expired records, per process
CHECKPOINT_EVERY = 32  # batches between two checkpoints of a SQLite record's WAL (see _Checkpointer)
WAL_FRAMES_LIMIT = 4000  # past this (16 MB of 4 KB pages), the writer checkpoints once itself
STARVED_AFTER = 4  # so it does after this many CHECKPOINT_EVERY batches with no checkpoint by the thread
_PG_INSERT = (
    "INSERT INTO seen_requests (digest, expires_at)"
    " SELECT * FROM unnest(%s::varchar[], %s::timestamptz[])"
    " ON CONFLICT (digest) DO NOTHING RETURNING digest"
)
_SQLITE_INSERT = (
    "INSERT INTO seen_requests (digest, expires_at) VALUES {rows}"
    " ON CONFLICT (digest) DO NOTHING RETURNING digest"
)


@dataclass(eq=False)
class _Ask:
    digest: str
    expires_at: dt.datetime
    now: dt.datetime
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to write the next batch rather than with an answer
    fresh: bool = False
    error: BaseException | None = None


class SeenRequestStore:
    """Records signatures, and the identities of requests handled (``event:<event_id>``...),
    as SHA-256 digests, until they expire.

    Concurrent calls share one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` and one commit
    (group commit): the first caller writes every signature waiting at that moment, then hands
    the next batch to one of the callers that arrived meanwhile. Each caller still gets its
    own answer, after the commit, so a process never acks before the record is durable.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine)
        self._dialect = engine.dialect.name
        # A timestamp as the dialect stores it (SQLite: text), the statement being plain SQL.
        column_type = table_of(SeenRequestRow).c.expires_at.type
        stored: Callable[[Any], Any] | None = column_type.bind_processor(engine.dialect)
        self._expiry = stored or (lambda value: value)
        self._lock = threading.Lock()
        self._next_purge = 0.0
        self._pending: list[_Ask] = []
        self._writing = False
        self._connection: PoolProxiedConnection | None = None  # the writer's (see _insert)
        self.batches = 0  # batches written (group commit: fewer than the signatures recorded)
        self.checkpointer: _Checkpointer | None = None  # SQLite in WAL mode: started with the writer
        marker = "%s" if self._dialect == "postgresql" else "?"
        self._purge_sql = f"DELETE FROM seen_requests WHERE expires_at < {marker}"

    def first_sighting(self, signature: str, expires_at: dt.datetime, now: dt.datetime) -> bool:
        """True for the one caller that recorded ``signature`` first, False for every later one."""
        return self.first_sightings([(signature, expires_at)], now)[0]

    def first_sightings(self, keys: list[tuple[str, dt.datetime]], now: dt.datetime) -> list[bool]:
        """``first_sighting`` for several keys (each with its expiry) in one batch, so one
        commit; the answers in the same order."""
        asks = [_Ask(_digest(key), expires_at, now) for key, expires_at in keys]
        with self._lock:
            self._pending.extend(asks)  # together, so they are written in the same batch
            asks[0].lead = not self._writing
            self._writing = True
        if not asks[0].lead:
            asks[0].done.wait()
        if asks[0].lead:
            self._write_next()
        for ask in asks:
            ask.done.wait()  # set already: one batch took them all
            if ask.error is not None:
                raise ask.error
        return [ask.fresh for ask in asks]

    def forget(self, key: str) -> None:
        """Remove ``key``'s record, so that its next sighting is a first one again."""
        table = table_of(SeenRequestRow)
        with self._engine.connect() as connection:
            connection.execute(delete(table).where(table.c.digest == _digest(key)))
            connection.commit()

    def _write_next(self) -> None:
        """Write every waiting signature in one transaction; then wake the next writer, if any."""
        with self._lock:
            batch, self._pending = self._pending, []
        try:
            inserted = self._insert(batch)
        except BaseException as exc:  # every caller of the batch gets the error (e.g. a 503)
            for ask in batch:
                ask.error = exc
        else:
            seen: set[str] = set()
            for ask in batch:  # within a batch too, only the first delivery of a signature is fresh
                ask.fresh = ask.digest in inserted and ask.digest not in seen
                seen.add(ask.digest)
        with self._lock:
            idle = not self._pending
            if self._pending:
                self._pending[0].lead = True
                self._pending[0].done.set()
            else:
                self._writing = False
        if idle and self.checkpointer is not None:
            self.checkpointer.request()  # a checkpoint that ends before the next write lets the WAL start over
        for ask in batch:
            ask.lead = False
            ask.done.set()

    def _insert(self, batch: list[_Ask]) -> set[str]:
        """One statement, the same text for every batch (no SQL compiled per request; psycopg
        prepares it); RETURNING says which digests it inserted (rowcount is -1 with psycopg).

        On a DBAPI connection kept for it (batches are written one at a time): no pool
        checkout, events or result wrapping on the ack path. A failed write closes it; the
        next batch connects again."""
        rows = {ask.digest: self._expiry(ask.expires_at) for ask in batch}
        params: tuple[Any, ...]
        if self._dialect == "postgresql":
            sql, params = _PG_INSERT, (list(rows), list(rows.values()))
        else:
            sql = _SQLITE_INSERT.format(rows=", ".join(["(?, ?)"] * len(rows)))
            params = tuple(value for row in rows.items() for value in row)
        try:
            if self._connection is None:
                self._connection = self._engine.raw_connection()
                self._checkpoint_apart(self._connection)
            cursor = self._connection.cursor()
            try:
                if self._purge_due():
                    cursor.execute(self._purge_sql, (self._expiry(batch[0].now),))
                cursor.execute(sql, params)
                inserted = {row[0] for row in cursor.fetchall()}
            finally:
                cursor.close()
            self._connection.commit()  # nothing to do on the replay engine's autocommit connections
            self.batches += 1
            if self.checkpointer is not None:
                self.checkpointer.after_write(self._connection, self.batches)
            return inserted
        except Exception as exc:
            connection, self._connection = self._connection, None
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.invalidate()
            dbapi = self._engine.dialect.loaded_dbapi
            if isinstance(exc, dbapi.Error):  # as SQLAlchemy would have wrapped it (callers catch those)
                raise DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=self._engine.dialect) from exc
            raise

    def _checkpoint_apart(self, connection: PoolProxiedConnection) -> None:
        """On SQLite in WAL mode, the writer all but never syncs the disk, so that no request
        of a batch waits for an fsync (10 ms on an idle disk, hundreds of ms on a busy one).
        It does not checkpoint (a thread of the store's does, every ``CHECKPOINT_EVERY``
        batches and whenever the writer falls idle, on a connection that syncs as usual), and
        its ``synchronous=OFF`` only spares the WAL header's sync when the WAL starts over,
        which happens once a checkpoint has synced everything into the file (a header lost to
        a power cut only loses the records after it: the frames carry the header's salt and
        checksums). It syncs for the one checkpoint of its own (the fallback in
        ``_Checkpointer.after_write``). The last connection to close checkpoints too: should
        that be the writer's and the power fail right after, the record could be damaged;
        ``replay_record_engine`` checks it at start and begins a new one if so."""
        if self._dialect != "sqlite":
            return
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                return
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute("PRAGMA synchronous=OFF")
        finally:
            cursor.close()
        if self.checkpointer is None:
            self.checkpointer = _Checkpointer(self._engine)
            weakref.finalize(self, self.checkpointer.stop)

    def count(self) -> int:
        """How many records are kept (expired ones included until the next purge)."""
        with self._sessions.begin() as session:
            return session.scalar(select(func.count()).select_from(SeenRequestRow)) or 0

    def _purge_due(self) -> bool:
        with self._lock:
            moment = time.monotonic()
            if moment < self._next_purge:
                return False
            self._next_purge = moment + PURGE_EVERY
            return True


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class _Checkpointer:
    """Moves a SQLite record's WAL into its database file, on a thread of its own and a
    connection of its own. ``PASSIVE`` checkpoints never wait for the writer nor make it wait
    (SQLite releases the GIL meanwhile); once one has caught up, the next write starts the WAL
    file over, so it stays small."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wanted = threading.Event()
        self._stopping = False
        self.done = 0  # checkpoints run by the thread
        self.frames = 0  # in the WAL at the last one
        self._unchecked = 0  # batches written since the thread's last checkpoint
        self._one_at_a_time = threading.Lock()  # SQLite answers BUSY, without waiting, to a second checkpointer
        threading.Thread(target=self._loop, name="replay-record-checkpoint", daemon=True).start()

    def after_write(self, writer: PoolProxiedConnection, batches: int) -> None:
        """Called by the writer after each batch (and ``request`` whenever it falls idle). A
        writer that never pauses would keep the WAL from ever starting over (a checkpoint
        must catch up between two writes): past ``WAL_FRAMES_LIMIT`` frames the writer
        checkpoints once itself, between its batches, which copies only what the thread has
        not (and the next write starts the WAL over). So it does when the thread has not
        checkpointed for ``STARVED_AFTER`` of its turns (a busy machine can keep it from running,
        and then from reporting the WAL's size at all)."""
        self._unchecked += 1
        if self.frames > WAL_FRAMES_LIMIT or self._unchecked > STARVED_AFTER * CHECKPOINT_EVERY:
            self.frames, self._unchecked = 0, 0
            try:  # the batch is written: a failed checkpoint must not fail its requests
                with self._one_at_a_time:
                    _checkpoint(writer, synced=True, mode="TRUNCATE")
            except Exception as exc:
                log.warning("replay record checkpoint failed: %s", type(exc).__name__)
        elif batches % CHECKPOINT_EVERY == 0:
            self._wanted.set()

    def request(self) -> None:
        self._wanted.set()

    def stop(self) -> None:
        self._stopping = True
        self._wanted.set()

    def _loop(self) -> None:
        connection: PoolProxiedConnection | None = None
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopping:
                break
            try:
                if connection is None:
                    connection = self._engine.raw_connection()
                with self._one_at_a_time:
                    self.frames = _checkpoint(connection)
                self._unchecked = 0
                self.done += 1
            except Exception as exc:  # the next request tries again, on a new connection
                log.warning("replay record checkpoint failed: %s", type(exc).__name__)
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.invalidate()
                connection = None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


def _checkpoint(connection: PoolProxiedConnection, synced: bool = False, mode: str = "PASSIVE") -> int:
    """A checkpoint (``PASSIVE``: it never waits); the frames the WAL holds. ``synced``: on the
    writer's connection, syncing as usual for the checkpoint, then not again. The writer's own
    is ``TRUNCATE`` (it copies everything and empties the WAL file), run once the thread's is
    over: SQLite refuses a second checkpoint at once (BUSY) instead of waiting for the first."""
    cursor = connection.cursor()
    try:
        if synced:
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_checkpoint({mode})")
        row = cursor.fetchone()
        if synced:
            cursor.execute("PRAGMA synchronous=OFF")
    finally:
        cursor.close()
    return int(row[1]) if row else 0


def replay_record_engine(engine: Engine) -> Engine:
    """Where the replay record lives, with an engine of its own: each record is one statement
    in autocommit (no BEGIN or COMMIT round trips) whose commit does not wait for a disk flush.

    A record lost in a crash costs nothing (the requests it names were answered), and it is
    still written in order. On PostgreSQL the table is in the database (``synchronous_commit``
    off for these connections only); on SQLite it is in a file of its own beside the database
    (``<database>-requests``, WAL, ``synchronous=NORMAL``; the store's writer syncs only for
    its rare checkpoints, see ``SeenRequestStore._checkpoint_apart``), so that recording a
    request never waits for the write lock the app's own transactions hold; a damaged one is
    started anew. Every process on the same database shares it, so a replay to another
    process is still refused."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT",
                           connect_args={"options": "-c synchronous_commit=off"}, pool_size=2)  # fmt: skip
    path = url.database or ""
    beside = bool(path) and path != ":memory:"
    sidecar = _sidecar(url.set(database=f"{path}-requests" if beside else path))
    if beside and not path.startswith("file:") and not _sound(sidecar):
        # Damaged (a power cut as the writer's connection closed): its records are worth ten
        # minutes of replay protection; a new one is worth more than 503s for every request.
        log.warning("the replay record %s-requests was damaged; starting a new one", path)
        sidecar.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}-requests{suffix}").unlink(missing_ok=True)
        sidecar = _sidecar(sidecar.url)
    with sidecar.begin() as connection:
        table_of(SeenRequestRow).create(connection, checkfirst=True)
    return sidecar


def _sidecar(url: URL) -> Engine:
    sidecar = create_engine(url, connect_args={"timeout": 30.0}, isolation_level="AUTOCOMMIT", hide_parameters=True)

    @event.listens_for(sidecar, "connect")
    def _no_fsync_per_commit(dbapi_connection: Any, _record: Any) -> None:
        # WAL with synchronous=NORMAL: commits do not wait for fsync; a power cut may forget
        # the last records, which costs nothing (those requests were answered).
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return sidecar


def _sound(sidecar: Engine) -> bool:
    try:
        with sidecar.connect() as connection:
            return connection.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
    except DBAPIError:
        return False
