"""Whether the app's installation in its workspace is gone (uninstalled, or its bot token
revoked), as Slack told it; while it is, nothing is posted there. Kept apart from
``storage.models`` like the replay record; ``storage.models`` imports it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from storage.models import Base

REASONS = ("app_uninstalled", "tokens_revoked")


class InstallationGoneRow(Base):
    """A workspace whose installation is gone: since when, and which event said so."""

    __tablename__ = "installation_gone"
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    since: Mapped[dt.datetime]


class InstallationRecord:
    """The one-workspace app's record of its installation: gone, or (no row) present."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine)

    def mark_gone(self, team_id: str, reason: str, at: dt.datetime) -> None:
        """Record that Slack said the installation is gone (the first time it said so is kept)."""
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        with self._sessions.begin() as session:
            if session.get(InstallationGoneRow, team_id[:32]) is None:
                session.add(InstallationGoneRow(team_id=team_id[:32], reason=reason, since=at))

    def gone(self) -> InstallationGoneRow | None:
        """The earliest record of an installation gone, or None while the app is installed."""
        with self._sessions() as session:
            return session.scalars(select(InstallationGoneRow).order_by(InstallationGoneRow.since).limit(1)).first()

    def clear(self) -> int:
        """The configured token works again (``auth.test``): forget every record; how many there were."""
        with self._sessions.begin() as session:
            gone = len(session.scalars(select(InstallationGoneRow.team_id)).all())
            session.execute(delete(InstallationGoneRow))
            return gone
