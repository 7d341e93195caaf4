"""Bot tokens by workspace, refreshed before they expire when Slack rotates them
(``token_rotation_enabled``): one refresh per workspace at a time across processes, since a
refresh token works once; the installation is read again once the lock is held."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, and_, desc, update

from storage.db import read_only_engine
from storage.locks import RefreshLock
from storage.slack_tables import BOTS, INSTALLATIONS

log = logging.getLogger(__name__)
REFRESH_MINUTES_BEFORE_EXPIRY = 120  # as Bolt: Slack's rotating tokens live 12 hours
LOCK_TIMEOUT_SECONDS = 30.0


class BotTokens:
    """The latest bot installation of a workspace (or of its Enterprise Grid org), current."""

    def __init__(self, store: SQLAlchemyInstallationStore, rotator: TokenRotator, engine: Engine) -> None:
        self._store, self._rotator, self._engine = store, rotator, engine
        self._lock = RefreshLock(engine)

    def bot(self, team_id: str | None, enterprise_id: str | None) -> Bot | None:
        """None when the app is not installed there. Raises slack_sdk's SlackTokenRotationError
        when Slack refuses the refresh (a revoked installation)."""
        found = self.find(team_id, enterprise_id)
        if found is None or not expiring(found):
            return found
        return self._refresh(found)

    def find(self, team_id: str | None, enterprise_id: str | None) -> Bot | None:
        """The workspace's own installation, else its org's org-wide one."""
        found = self._store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if found is None and enterprise_id is not None and team_id is not None:
            found = self._store.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
        return found

    def latest(self) -> dict[tuple[str | None, str | None], Bot]:
        """Every installation's bot as ``find`` reads it for its own workspace (the latest with a
        token), all in one query (a read: on SQLite it takes no write lock), by (team_id,
        enterprise_id); none refreshed."""
        column = self._store.bots.c
        query = (
            self._store.bots.select()
            .where(and_(column.client_id == self._store.client_id, column.bot_token.is_not(None)))
            .order_by(desc(column.installed_at))
        )
        rows: dict[tuple[str | None, str | None], Any] = {}
        with read_only_engine(self._engine).connect() as conn:
            for row in conn.execute(query).mappings():
                rows.setdefault((row["team_id"], row["enterprise_id"]), row)
        return {key: self._store.build_bot_entity(row) for key, row in rows.items()}

    def _refresh(self, stale: Bot) -> Bot | None:
        key = f"{stale.enterprise_id or '-'}:{stale.team_id or '-'}"
        with self._lock.hold(key, LOCK_TIMEOUT_SECONDS) as held:
            if not held:
                log.warning("token refresh of %s: another process still holds its lock; using the token as is", key)
                return stale
            current = self.find(stale.team_id, stale.enterprise_id)  # another process may have refreshed it
            if current is None:
                return None
            fresh = self._rotator.perform_bot_token_rotation(
                bot=current, minutes_before_expiration=REFRESH_MINUTES_BEFORE_EXPIRY
            )
            if fresh is None:
                return current
            self._replace(current, fresh)
            lifetime = (fresh.bot_token_expires_at or 0) - time.time()
            log.info("refreshed the bot token of %s (expires in %d s)", key, lifetime)
            return fresh

    def _replace(self, old: Bot, new: Bot) -> None:
        """Every stored row holding the old token gets the new one (the token is the row's identity
        here: slack_sdk's own ``save_bot`` matches rows on a rounded ``installed_at``)."""
        values = {
            "bot_token": new.bot_token,
            "bot_refresh_token": new.bot_refresh_token,
            "bot_token_expires_at": new.to_dict()["bot_token_expires_at"].replace(tzinfo=None),
        }
        with self._engine.begin() as conn:
            for table in (BOTS, INSTALLATIONS):
                same = and_(table.c.client_id == self._store.client_id, table.c.bot_token == old.bot_token)
                conn.execute(update(table).where(same).values(**values))


def expiring(found: Bot) -> bool:
    """Due for a refresh: it expires within REFRESH_MINUTES_BEFORE_EXPIRY."""
    expires = found.bot_token_expires_at
    return expires is not None and expires <= time.time() + REFRESH_MINUTES_BEFORE_EXPIRY * 60
