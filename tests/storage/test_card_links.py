"""One-time add-card links: counted attempts, spent once, never after they expire."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.card_links import CardLink, CardLinkStore
from storage.errors import ConflictError
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
