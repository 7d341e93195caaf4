"""The table of Slack request signatures already accepted (replay protection).

Kept apart from ``storage.models`` so that its owner can change it alone; ``storage.models``
imports it, so ``Base.metadata`` always holds it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class SeenRequestRow(Base):
    """One accepted request: the SHA-256 of its signature, kept until the signature goes stale."""

    __tablename__ = "seen_requests"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
