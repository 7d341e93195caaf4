"""One-time links to the add-card page: created with the modal, spent once by the page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from storage.errors import ConflictError, unique_violation
from storage.models import CardLinkRow


@dataclass(frozen=True, slots=True)
class CardLink:
    nonce: str
    account_id: str
    slack_user_id: str
    view_id: str | None
    expires_at: dt.datetime
    used_at: dt.datetime | None
    attempts: int


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
        """Spend the link at ``at``: True for the one caller that did, False if it was
        already spent, has expired, or does not exist."""
        stmt = (
            update(CardLinkRow)
            .where(CardLinkRow.nonce == nonce, CardLinkRow.used_at.is_(None),
                   CardLinkRow.expires_at > at)
            .values(used_at=at).returning(CardLinkRow.nonce)
        )  # fmt: skip
        with self._sessions.begin() as session:
            return session.scalar(stmt) is not None


def _link(row: CardLinkRow) -> CardLink:
    return CardLink(
        row.nonce, row.account_id, row.slack_user_id, row.view_id, row.expires_at, row.used_at,
        row.attempts,
    )  # fmt: skip
