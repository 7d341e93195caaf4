"""One-time add-card links: counted attempts, spent once, never after they expire."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.card_links import CardLink, CardLinkStore
from storage.errors import ConflictError
from storage.models import CardTokenizationRow
from storage.uow import SqlUnitOfWork
from tests.storage.builders import NOW, account
from tests.storage.concurrently import run_together

EXPIRES = NOW + dt.timedelta(minutes=15)


@pytest.fixture
def links(engine: Engine, sessions: sessionmaker[Session]) -> CardLinkStore:
    with SqlUnitOfWork(sessions) as uow:
        uow.accounts.save(account())
        uow.commit()
    store = CardLinkStore(engine)
    store.create("nonce_1", "acc_1", "U0OWNER01", "V0VIEW001", EXPIRES)
    return store


def test_a_created_link_reads_back_unused(links: CardLinkStore) -> None:
    assert links.get("nonce_1") == CardLink("nonce_1", "acc_1", "U0OWNER01", "V0VIEW001", EXPIRES, None, 0)
    assert links.get("nonce_missing") is None


def test_a_nonce_cannot_be_created_twice(links: CardLinkStore) -> None:
    with pytest.raises(ConflictError):
        links.create("nonce_1", "acc_1", "U0OTHER05", None, EXPIRES)


def test_each_attempt_is_counted(links: CardLinkStore) -> None:
    assert [links.count_attempt("nonce_1") for _ in range(3)] == [1, 2, 3]
    assert links.count_attempt("nonce_missing") == 0
    link = links.get("nonce_1")
    assert link is not None and link.attempts == 3


def test_concurrent_attempts_are_all_counted(links: CardLinkStore) -> None:
    counts = run_together(8, lambda _: links.count_attempt("nonce_1"))
    assert sorted(c for c in counts if isinstance(c, int)) == list(range(1, 9))


def test_a_link_is_consumed_once(links: CardLinkStore) -> None:
    assert links.consume("nonce_1", NOW) is True
    assert links.consume("nonce_1", NOW) is False
    link = links.get("nonce_1")
    assert link is not None and link.used_at == NOW


def test_an_expired_link_cannot_be_consumed(links: CardLinkStore) -> None:
    assert links.consume("nonce_1", EXPIRES) is False
    assert links.consume("nonce_1", EXPIRES + dt.timedelta(seconds=1)) is False
    assert links.consume("nonce_missing", NOW) is False
    link = links.get("nonce_1")
    assert link is not None and link.used_at is None


def test_concurrent_consumers_get_one_success(links: CardLinkStore) -> None:
    results = run_together(8, lambda _: links.consume("nonce_1", NOW))
    assert results.count(True) == 1 and results.count(False) == 7


# -- spent with the card, in one transaction ----------------------------------------------------


def test_a_link_spent_in_a_transaction_that_rolls_back_stays_unspent(
    links: CardLinkStore, sessions: sessionmaker[Session]
) -> None:
    uow = SqlUnitOfWork(sessions)
    with uow:
        assert uow.card_links.spend("nonce_1", NOW) is True
        # leaving without commit(): as when saving the card fails
    with uow:
        assert uow.card_links.spend("nonce_1", NOW) is True
        uow.commit()
    assert links.consume("nonce_1", NOW) is False


# -- tokenizations per person per hour --------------------------------------------------------


def test_a_person_gets_as_many_tokenizations_an_hour_as_the_limit(links: CardLinkStore) -> None:
    tries = [links.reserve_tokenization("U0OWNER01", NOW + dt.timedelta(minutes=n), 3) for n in range(5)]
    assert tries == [True, True, True, False, False]
    assert links.reserve_tokenization("U0OTHER05", NOW, 3) is True  # per person
    assert links.reserve_tokenization("U0OWNER01", NOW + dt.timedelta(minutes=60), 3) is True  # the first left the hour
    assert links.reserve_tokenization("U0OWNER01", NOW + dt.timedelta(minutes=60, seconds=30), 3) is False


def test_refused_tokenizations_are_not_counted(links: CardLinkStore, engine: Engine) -> None:
    for n in range(10):
        links.reserve_tokenization("U0OWNER01", NOW + dt.timedelta(seconds=n), 2)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(CardTokenizationRow)) == 2


def test_concurrent_tokenizations_never_pass_the_limit(links: CardLinkStore) -> None:
    results = run_together(8, lambda n: links.reserve_tokenization("U0OWNER01", NOW, 3))
    assert results.count(True) <= 3, results  # racing ones may all be refused (documented), never too many
    later = NOW + dt.timedelta(seconds=1)
    assert links.reserve_tokenization("U0OWNER01", later, 3) is (results.count(True) < 3)  # refusals left no count


# -- purge ------------------------------------------------------------------------------------


def test_purging_deletes_expired_links_and_tokenizations_older_than_the_hour(
    links: CardLinkStore, engine: Engine
) -> None:
    links.create("nonce_spent", "acc_1", "U0OWNER01", None, NOW + dt.timedelta(minutes=1))
    assert links.consume("nonce_spent", NOW)
    links.create("nonce_later", "acc_1", "U0OWNER01", None, NOW + dt.timedelta(hours=2))
    links.reserve_tokenization("U0OWNER01", NOW - dt.timedelta(minutes=61), 10)
    links.reserve_tokenization("U0OWNER01", NOW + dt.timedelta(minutes=10), 10)
    assert links.purge(NOW + dt.timedelta(minutes=15)) == (2, 1)  # nonce_1 and nonce_spent; the old count
    assert [links.get(n) is not None for n in ("nonce_1", "nonce_spent", "nonce_later")] == [False, False, True]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(CardTokenizationRow)) == 1
    assert links.purge(NOW + dt.timedelta(minutes=15)) == (0, 0)


def test_the_scheduler_purges_expired_links(links: CardLinkStore, db_url: str) -> None:
    from bot.bootstrap import build_services
    from bot.scheduler import Jobs
    from bot.settings import load_settings

    services = build_services(load_settings(database_url=db_url), with_slack=False)
    try:
        now = services.clock.now()
        links.create("nonce_past", "acc_1", "U0OWNER01", None, now - dt.timedelta(seconds=1))
        links.create("nonce_live", "acc_1", "U0OWNER01", None, now + dt.timedelta(minutes=5))
        Jobs(services, notifier=None).purge_if_leading()  # type: ignore[arg-type]  (purging notifies no one)
    finally:
        services.close()
    assert links.get("nonce_past") is None and links.get("nonce_live") is not None
