"""A full sync of an account large enough to be read account-wide, through the Stripe reader and
the fake Stripe (with a latency) into SQLite: it writes while it reads, and writes what reading
the same customers whole (the sync's other path) finds."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import ClassVar

from sqlalchemy.orm import Session, sessionmaker

from domain.billing_mirror import card_id_for
from domain.billing_sync import sync
from payments.stripe.config import ApiKey, StripeConfig, make_client
from payments.stripe.full_read import ACCOUNT_WIDE_FROM
from payments.stripe.sync_reader import StripeReader
from sandbox.fake_stripe.fake_stripe import FakeStripe
from storage.db import make_engine, make_session_factory, upgrade
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeClock

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
LINKED, OTHERS = ACCOUNT_WIDE_FROM + 70, 15


class TimedUnitOfWork(SqlUnitOfWork):
    """Notes when each commit happened (on the fake Stripe's clock, time.time)."""

    commits: ClassVar[list[float]] = []

    def commit(self) -> None:
        super().commit()
        self.commits.append(time.time())


def seed(fake: FakeStripe) -> list[str]:
    """LINKED customers linked by metadata (a card, a subscription, 2 open invoices each) and OTHERS
    not linked; the linked ones' ids."""
    linked = []
    for n in range(LINKED + OTHERS):
        metadata = {"settlebot_channel": "C0ALERTS"} if n % 9 or n >= LINKED + OTHERS - 1 else {}
        customer = fake.seed.customer(name=f"Customer {n}", **metadata)
        fake.seed.card(customer["id"], exp_year=2030)
        sub = fake.seed.subscription(customer["id"], 4200, status="past_due")
        fake.seed.backlog(sub, 2, first_due=1_700_000_000)
        if metadata:
            linked.append(customer["id"])
    return linked


def rows(sessions: sessionmaker[Session], customers: list[str]) -> tuple[set[str], set[str], dict[str, str]]:
    with SqlUnitOfWork(sessions) as uow:
        cards = {c.id for cid in customers for c in uow.cards.for_account(cid)}
        subs = uow.subscriptions.for_accounts(customers)
        invoices = {i.id: str(i.amount.amount) for found in uow.invoices.for_subscriptions(s.id for s in subs).values()
                    for i in found}  # fmt: skip
    return cards, {s.id for s in subs}, invoices


def test_a_full_sync_writes_while_reading_the_same_rows_as_reading_the_customers_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'settlebot.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with FakeStripe(seed=21, latency=0.01) as fake:
        linked = seed(fake)
        client = make_client(StripeConfig(ApiKey(fake.api_key), fake.url, per_second=200, endpoint_per_second=30))
        reader = StripeReader(client, dt.UTC)

        report = sync(TimedUnitOfWork(sessions), reader, FakeClock(NOW), full=True)
        card_lists = [r.at for r in fake.requests_to("payment_methods.list")]
        whole = reader.snapshot(linked)
    engine_rows = rows(sessions, linked)
    engine.dispose()

    assert report.customers == len(linked) == len(card_lists) and len(linked) >= ACCOUNT_WIDE_FROM
    assert sum(1 for at in TimedUnitOfWork.commits if at < max(card_lists)) >= 2  # written while reading
    assert engine_rows == (
        {card_id_for(c.id) for c in whole.cards},
        {s.id for s in whole.subscriptions},
        {i.id: str(i.remaining.amount) for i in whole.invoices},
    )
    assert len(engine_rows[2]) == 2 * len(linked)
