"""Generated billing data for the benchmarks, loaded in bulk (not timed).

SQLite gets SQLAlchemy Core ``insert()`` with executemany in large batches; PostgreSQL gets
``COPY ... FROM STDIN`` through psycopg. The schema comes from the migrations, so the
indexes are the application's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from psycopg import sql
from sqlalchemy import Engine, Table, create_engine, insert, text
from sqlalchemy.engine import make_url

from storage.db import upgrade
from storage.models import AccountRow, AdminRow, AlertRow, Base, CardRow, InvoiceRow, SubscriptionRow

BATCH = 20_000
PRODUCTS = ("Microsoft 365 E3", "Business Premium", "Teams Essentials", "Exchange Online", "Visio Plan 2")
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Shape:
    """Who owes what. Subscription ``i`` is past due when ``i % past_due_every == 0``; every
    other past-due one already has an alert (stage 1, posted), so the scan reminds it."""

    subscriptions: int
    today: dt.date
    subs_per_account: int = 10
    past_due_every: int = 10
    alerted: bool = True  # half of the past-due ones already alerted
    channel_every: int = 4  # 1 account in 4 has its own alert channel
    channels: int = 500
    users: tuple[str, ...] = ()  # account j is administered by users[j % len(users)]
    workspaces: int = 0  # account j belongs to workspace j % workspaces (0: to none, the one-token mode)

    @property
    def accounts(self) -> int:
        return -(-self.subscriptions // self.subs_per_account)

    @property
    def past_due(self) -> int:
        return -(-self.subscriptions // self.past_due_every)

    def channel_of(self, account: int) -> str | None:
        if self.channel_every <= 0 or account % self.channel_every:
            return None
        return f"C0BENCH{account // self.channel_every % self.channels:05d}"

    def is_past_due(self, sub: int) -> bool:
        return sub % self.past_due_every == 0

    def is_alerted(self, sub: int) -> bool:
        return self.alerted and self.is_past_due(sub) and (sub // self.past_due_every) % 2 == 1


def account_id(j: int) -> str:
    return f"acc_{j:07d}"


def sub_id(i: int) -> str:
    return f"sub_{i:08d}"


def _accounts(shape: Shape) -> Iterator[Row]:
    for j in range(shape.accounts):
        yield account_id(j), f"Account {j}", "USD", shape.channel_of(j), "en", team_of(j, shape), None


def team_of(account: int, shape: Shape) -> str | None:
    return f"T{account % shape.workspaces:08d}" if shape.workspaces else None


def _admins(shape: Shape) -> Iterator[Row]:
    for j in range(shape.accounts if shape.users else 0):
        yield account_id(j), shape.users[j % len(shape.users)], "billing_admin"


def _cards(shape: Shape) -> Iterator[Row]:
    year = shape.today.year + 3
    for j in range(shape.accounts):
        owner = shape.users[j % len(shape.users)] if shape.users else "U0OWNER01"
        yield f"card_{j:07d}", account_id(j), "visa", "4242", 8, year, owner, "tok_visa"


def _subscriptions(shape: Shape) -> Iterator[Row]:
    for i in range(shape.subscriptions):
        j = i // shape.subs_per_account
        status = "past_due" if shape.is_alerted(i) else "active"
        yield sub_id(i), account_id(j), PRODUCTS[i % len(PRODUCTS)], f"card_{j:07d}", status, None


def days_past_due(i: int) -> int:
    """3 to 40 days: every alerted one has passed a reminder stage since its stage-1 alert."""
    return 3 + i // 10 % 38


def _invoices(shape: Shape) -> Iterator[Row]:
    day = dt.timedelta(days=1)
    for i in range(shape.subscriptions):
        amount = 1_000 + (i * 7919) % 90_000
        if not shape.is_past_due(i):
            paid = i % 2 == 0
            due = shape.today - 20 * day if paid else shape.today + (1 + i % 25) * day
            yield f"inv_{i:08d}_a", sub_id(i), amount, "USD", due, "paid" if paid else "open", 0, None
            continue
        yield f"inv_{i:08d}_a", sub_id(i), amount, "USD", shape.today - days_past_due(i) * day, "open", 0, None
        if i // shape.past_due_every % 5 == 0:  # some owe two overdue invoices
            yield f"inv_{i:08d}_b", sub_id(i), amount // 3, "USD", shape.today - day, "open", 0, None


def _alerts(shape: Shape) -> Iterator[Row]:
    for i in range(0, shape.subscriptions, shape.past_due_every):
        if not shape.is_alerted(i):
            continue
        j = i // shape.subs_per_account
        created = dt.datetime.combine(shape.today, dt.time(9), dt.UTC) - dt.timedelta(days=days_past_due(i) - 1)
        channel = shape.channel_of(j) or "C0BILLING1"
        yield (f"alert_{i:08d}", sub_id(i), f"inv_{i:08d}_a", channel, created, 1, 1, 1,
               f"1700000000.{i:08d}", None, 0, None, None, None)  # fmt: skip


TABLES: tuple[tuple[type[Base], Any], ...] = (
    (AccountRow, _accounts), (AdminRow, _admins), (CardRow, _cards),
    (SubscriptionRow, _subscriptions), (InvoiceRow, _invoices), (AlertRow, _alerts),
)  # fmt: skip


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def load(url: str, shape: Shape) -> None:
    """Migrate an empty database at ``url`` and fill it with ``shape``."""
    upgrade(url)
    engine = create_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            _copy_all(engine, shape)
        else:
            _insert_all(engine, shape)
    finally:
        engine.dispose()


def _batches(rows: Iterable[Row], size: int = BATCH) -> Iterator[list[Row]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _insert_all(engine: Engine, shape: Shape) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")  # bulk load only; no construct for it
        for model, rows in TABLES:
            table = _table(model)
            names = [c.name for c in table.columns]
            for batch in _batches(rows(shape)):  # the columns generated; the later ones take their defaults
                conn.execute(insert(table), [dict(zip(names[: len(row)], row, strict=True)) for row in batch])


def _copy_all(engine: Engine, shape: Shape) -> None:
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        with conn.cursor() as cur:
            for model, rows in TABLES:
                table = _table(model)
                generated = list(rows(shape))
                if not generated:
                    continue
                columns = list(table.columns)[: len(generated[0])]  # the later ones take their defaults
                stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
                )
                with cur.copy(stmt) as copy:
                    for row in generated:
                        copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # as autovacuum would soon after a bulk load
            cur.execute("CHECKPOINT")  # so the load's writes are not flushed during a measurement
        conn.autocommit = False
    finally:
        raw.close()


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def recreate_postgres(admin_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``admin_url``; its URL."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def copy_postgres(admin_url: str, name: str, copy: str) -> str:
    """A copy of database ``name`` (CREATE DATABASE ... TEMPLATE); its URL."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=copy).render_as_string(hide_password=False)


def drop_postgres(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
