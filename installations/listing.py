"""The installations the store holds, as ``domain.workspaces.Installed`` (never a token)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, select

from domain.workspaces import Installed
from storage.slack_tables import BOTS


def installations(engine: Engine, client_id: str) -> list[Installed]:
    """Each workspace's (or org-wide) latest bot installation with a token, oldest first."""
    c = BOTS.c
    query = (
        select(c.team_id, c.enterprise_id, c.team_name, c.enterprise_name, c.bot_scopes, c.installed_at,
               c.bot_token_expires_at)
        .where(and_(c.client_id == client_id, c.bot_token.is_not(None)))
        .order_by(c.installed_at, c.id)
    )  # fmt: skip
    latest: dict[tuple[str | None, str | None], Installed] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            latest[(row.team_id, row.enterprise_id)] = Installed(
                row.team_id, row.enterprise_id, row.team_name or row.enterprise_name or "",
                tuple(s for s in (row.bot_scopes or "").split(",") if s),
                _utc(row.installed_at), _utc(row.bot_token_expires_at),
            )  # fmt: skip
    return list(latest.values())


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """slack_sdk's store keeps naive UTC times."""
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value
