"""What every SQL repository shares: the session, fresh reads, real upserts, batching."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from itertools import islice
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Executable, Select, Table, false, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from storage.models import Base

T = TypeVar("T")
Row = TypeVar("Row", bound=Base)
BATCH = 1000  # ids per IN (...) and rows per bulk insert; well under both backends' limits


def batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


class SqlRepository:
    """Reads refresh any row already in the session, since writes go straight to SQL."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _get(self, model: type[Row], key: object, *, lock: bool = False) -> Row | None:
        return self.session.get(model, key, populate_existing=True, with_for_update=lock or None)

    def _all(self, stmt: Select[Row]) -> list[Row]:
        return list(self.session.scalars(stmt.execution_options(populate_existing=True)))

    def _by_ids(self, model: type[Row], ids: Iterable[str]) -> list[Any]:
        """The rows with these primary keys (``id``) that exist, a read per BATCH of ids, as
        plain rows with the model's attributes (read only): no ORM objects, which cost ten
        times as much to load and are only ever mapped to domain objects here."""
        table = table_of(model)
        return [row for batch in batches(set(ids)) for row in self._rows(select(table).where(table.c.id.in_(batch)))]

    def _rows(self, stmt: Select[Any], params: Mapping[str, Any] | None = None) -> list[Any]:
        """A Core ``select`` of a table's columns: plain rows (with the model's attribute names),
        always as the database has them."""
        return list(self.session.execute(stmt, params).all())

    def _first(self, stmt: Select[Row]) -> Row | None:
        return self.session.scalars(stmt.limit(1).execution_options(populate_existing=True)).first()

    def _upsert(self, model: type[Base], values: Mapping[str, Any]) -> None:
        upsert(self.session, table_of(model), values)


def upsert(session: Session, table: Table, values: Mapping[str, Any]) -> None:
    """INSERT, or UPDATE the row with the same primary key; an identical row is left alone."""
    stmt = _upsert_statement(session.get_bind().dialect.name, table, tuple(values))
    session.execute(stmt, dict(values))


def insert_ignoring(session: Session, table: Table, values: Mapping[str, Any], on: str) -> bool:
    """INSERT unless a row with the same ``on`` value exists (race-safe on both backends);
    True when this call inserted it."""
    stmt = _insert_ignoring_statement(session.get_bind().dialect.name, table, on)
    result = session.execute(stmt, dict(values))
    return bool(getattr(result, "rowcount", 0) == 1)


# Statements are built once per table and column set (building one costs more than
# running it); the values travel as bound parameters.
@cache
def _upsert_statement(dialect: str, table: Table, names: tuple[str, ...]) -> Executable:
    keys = [c.name for c in table.primary_key.columns]
    others = [name for name in names if name not in keys]
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=keys, set_={n: pg.excluded[n] for n in others},
            where=_differs(table, pg.excluded, others),
        )  # fmt: skip
    lite = _sqlite_only(dialect, table)
    return lite.on_conflict_do_update(
        index_elements=keys, set_={n: lite.excluded[n] for n in others},
        where=_differs(table, lite.excluded, others),
    )  # fmt: skip


@cache
def _insert_ignoring_statement(dialect: str, table: Table, on: str) -> Executable:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[on])
    return _sqlite_only(dialect, table).on_conflict_do_nothing(index_elements=[on])


def _sqlite_only(dialect: str, table: Table) -> sqlite.Insert:
    if dialect != "sqlite":
        raise ValueError(f"DATABASE_URL: storage supports SQLite and PostgreSQL, not {dialect}")
    return sqlite.insert(table)


def _differs(table: Table, excluded: ReadOnlyColumnCollection[str, Any], names: Sequence[str]) -> ColumnElement[bool]:
    if not names:
        return false()
    return or_(*(table.c[n].is_distinct_from(excluded[n]) for n in names))
