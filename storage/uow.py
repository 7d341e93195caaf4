"""The SQL unit of work: one Session per ``with`` block; only ``commit()`` persists."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from domain.billing import LinkRepository
from domain.ports import (
    AccountRepository,
    AlertRepository,
    AttemptRepository,
    CardLinkRepository,
    CardRepository,
    InstallationRepository,
    InvoiceRepository,
    PaymentRepository,
    StorageUnavailable,
    SubscriptionRepository,
)
from storage.card_links import SqlCardLinks
from storage.repositories import (
    SqlAccounts,
    SqlAlerts,
    SqlAttempts,
    SqlCards,
    SqlInstallation,
    SqlInvoices,
    SqlLinks,
    SqlPayments,
    SqlSubscriptions,
)


class SqlUnitOfWork:
    """Implements ``domain.ports.UnitOfWork``.

    Each ``with`` block opens a fresh Session (so one instance serves the two
    transactions of a settlement); leaving the block always rolls back and closes.
    An instance holds one session at a time: give each thread (request) its own.
    Unique-constraint races surface as domain errors from the repositories:
    ``SettlementInProgress`` for a second pending attempt, ``storage.errors.ConflictError``
    for a second open alert or reminder stage.
    """

    accounts: AccountRepository
    cards: CardRepository
    subscriptions: SubscriptionRepository
    invoices: InvoiceRepository
    attempts: AttemptRepository
    payments: PaymentRepository
    alerts: AlertRepository
    card_links: CardLinkRepository
    installation: InstallationRepository
    links: LinkRepository

    def __init__(self, session_factory: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._factory = session_factory
        self._session: Session | None = None
        self.read_only = read_only

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work already in a transaction; blocks do not nest")
        session = self._session = self._factory()
        self.accounts = SqlAccounts(session)
        self.cards = SqlCards(session)
        self.subscriptions = SqlSubscriptions(session)
        self.invoices = SqlInvoices(session)
        self.attempts = SqlAttempts(session)
        self.payments = SqlPayments(session)
        self.alerts = SqlAlerts(session)
        self.card_links = SqlCardLinks(session)
        self.installation = SqlInstallation(session)
        self.links = SqlLinks(session)
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                session.rollback()
            except (OperationalError, InterfaceError):
                session.invalidate()  # the connection is gone; the pool will open a new one
            finally:
                session.close()
        if _is_outage(e):
            raise StorageUnavailable(type(e).__name__) from e

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


def _is_outage(error: BaseException | None) -> bool:
    """A connection-level failure (server down, restarting, unreachable), not a bad statement."""
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    message = str(error.orig).lower() if error.orig is not None else ""
    return error.connection_invalidated or any(
        words in message for words in ("connection", "terminating", "shutting down", "server closed", "refused")
    )
