"""slack_sdk's SQLAlchemy stores on settlebot's engine; their tables come from migration 0013
(never from the stores' ``create_tables``)."""

from __future__ import annotations

import datetime as dt
import logging

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, and_, delete

from storage.slack_tables import OAUTH_STATES

log = logging.getLogger(__name__)
STATE_LIFETIME_SECONDS = 600  # an "Add to Slack" click must come back from Slack within 10 minutes


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)


class SingleUseStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's state store, with ``consume`` true for one caller only: the state's row is
    deleted and only the request whose delete took it succeeds (slack_sdk's own reads, then
    deletes, so two concurrent replays could both pass)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(expiration_seconds=STATE_LIFETIME_SECONDS, engine=engine, logger=log)

    def consume(self, state: str) -> bool:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        column = OAUTH_STATES.c
        with self.engine.begin() as conn:
            taken = conn.execute(delete(OAUTH_STATES).where(and_(column.state == state, column.expire_at > now)))
            conn.execute(delete(OAUTH_STATES).where(column.expire_at <= now))  # expired states go too
        return bool(taken.rowcount == 1)
