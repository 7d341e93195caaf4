"""One-time links to the add-card page: created with the modal, spent once by the page, in
the transaction that saves the card; and the count of a person's card tokenizations."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import ConflictError, unique_violation
from storage.models import CardLinkRow, CardTokenizationRow

TOKENIZATION_WINDOW = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CardLink:
    nonce: str
    account_id: str
    slack_user_id: str
    view_id: str | None
    expires_at: dt.datetime
    used_at: dt.datetime | None
    attempts: int


class SqlCardLinks:
    """Implements ``domain.ports.CardLinkRepository`` inside a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def spend(self, nonce: str, at: dt.datetime) -> bool:
        """Mark the link used at ``at``: True for the one transaction that did (the row stays
        locked until it ends), False if it was already spent, has expired, or does not exist."""
        stmt = (
            update(CardLinkRow)
            .where(CardLinkRow.nonce == nonce, CardLinkRow.used_at.is_(None), CardLinkRow.expires_at > at)
            .values(used_at=at).returning(CardLinkRow.nonce)
        )  # fmt: skip
        return self._session.scalar(stmt) is not None


class CardLinkStore:
    """Each call is its own short transaction, apart from any unit of work."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine)

    def create(
        self, nonce: str, account_id: str, slack_user_id: str, view_id: str | None,
        expires_at: dt.datetime,
    ) -> None:  # fmt: skip
        """Record a new link; a nonce already used raises ConflictError."""
        values = {"nonce": nonce, "account_id": account_id, "slack_user_id": slack_user_id,
                  "view_id": view_id, "expires_at": expires_at, "attempts": 0}  # fmt: skip
        try:
            with self._sessions.begin() as session:
                session.execute(insert(CardLinkRow), [values])
        except IntegrityError as exc:
            what = unique_violation(exc)
            if what is None:
                raise
            raise ConflictError(what) from exc

    def get(self, nonce: str) -> CardLink | None:
        with self._sessions.begin() as session:
            row = session.get(CardLinkRow, nonce)
            return None if row is None else _link(row)

    def count_attempt(self, nonce: str) -> int:
        """Count one more form submission on the link; the new count (0: no such link)."""
        stmt = (
            update(CardLinkRow).where(CardLinkRow.nonce == nonce)
            .values(attempts=CardLinkRow.attempts + 1).returning(CardLinkRow.attempts)
        )  # fmt: skip
        with self._sessions.begin() as session:
            return session.scalar(stmt) or 0

    def consume(self, nonce: str, at: dt.datetime) -> bool:
        """Spend the link at ``at`` on its own (see ``SqlCardLinks.spend``)."""
        with self._sessions.begin() as session:
            return SqlCardLinks(session).spend(nonce, at)

    def reserve_tokenization(self, slack_user_id: str, now: dt.datetime, limit: int) -> bool:
        """Count one tokenization by the person if they have had fewer than ``limit`` in the hour
        before ``now``; False (nothing counted) when they have not.

        The row is committed before the count, so of concurrent reservations none is missed:
        at the limit, racing ones may all be refused, never all accepted."""
        row_id = uuid.uuid4().hex
        row = {"id": row_id, "slack_user_id": slack_user_id, "created_at": now}
        with self._sessions.begin() as session:
            session.execute(insert(CardTokenizationRow), [row])
        since = now - TOKENIZATION_WINDOW
        count = select(func.count()).where(
            CardTokenizationRow.slack_user_id == slack_user_id, CardTokenizationRow.created_at > since
        )
        with self._sessions.begin() as session:
            if (session.scalar(count) or 0) <= limit:
                return True
            session.execute(delete(CardTokenizationRow).where(CardTokenizationRow.id == row_id))
        return False

    def purge(self, now: dt.datetime) -> tuple[int, int]:
        """Delete links expired by ``now`` (spent or not) and tokenizations older than the
        counting window; (links, tokenizations) deleted."""
        with self._sessions.begin() as session:
            links = session.execute(delete(CardLinkRow).where(CardLinkRow.expires_at <= now))
            old = session.execute(
                delete(CardTokenizationRow).where(CardTokenizationRow.created_at <= now - TOKENIZATION_WINDOW)
            )
            return links.rowcount, old.rowcount  # type: ignore[attr-defined]


def _link(row: CardLinkRow) -> CardLink:
    return CardLink(
        row.nonce, row.account_id, row.slack_user_id, row.view_id, row.expires_at, row.used_at,
        row.attempts,
    )  # fmt: skip
