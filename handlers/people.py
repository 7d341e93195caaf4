"""Which language each Slack user reads: users.info's locale, cached."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.i18n import Translator, translator

log = logging.getLogger(__name__)


class Locales:
    """Caches each user's locale for ``ttl`` seconds; falls back to English when Slack can't say."""

    def __init__(self, client: WebClient, ttl: float = 3600.0) -> None:
        self._client = client
        self._ttl = ttl
        self._cache: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    def of(self, user_id: str) -> Translator:
        return translator(self.locale(user_id))

    def known(self, user_id: str) -> Translator | None:
        """The user's translator if their locale is cached; never calls Slack (for work that
        must be done within a trigger id's 3 seconds)."""
        with self._lock:
            cached = self._cache.get(user_id)
        return translator(cached[0]) if cached and cached[1] > time.monotonic() else None

    def locale(self, user_id: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and cached[1] > now:
            return cached[0]
        try:
            user = self._client.users_info(user=user_id, include_locale=True).get("user") or {}
            locale = user.get("locale")
        except (SlackApiError, OSError):
            log.warning("locale of user %s unavailable; using English", user_id)
            return None
        with self._lock:
            self._cache[user_id] = (locale, now + self._ttl)
        return locale if isinstance(locale, str) else None
