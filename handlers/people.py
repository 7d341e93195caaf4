"""Slack's people: the language each reads (users.info's locale) and who has an email (a card's
owner), both cached."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.card_owners import PeopleUnavailable
from domain.tenancy import Tenant, tenant_of
from handlers.i18n import Translator, translator
from handlers.workspaces import SlackClients, WorkspaceGone

log = logging.getLogger(__name__)


class Locales:
    """Caches each user's locale for ``ttl`` seconds; falls back to English when Slack can't say.
    An ``Actor`` is asked about in its own workspace (``client_for``), and cached as its
    workspace's: a user id is unique only within a workspace."""

    def __init__(self, client: WebClient, ttl: float = 3600.0,
                 client_for: Callable[[str | None, str | None], WebClient] | None = None) -> None:  # fmt: skip
        self._client = client
        self._client_for = client_for
        self._ttl = ttl
        self._cache: dict[tuple[Tenant, str], tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    def of(self, user_id: str) -> Translator:
        return translator(self.locale(user_id))

    def known(self, user_id: str) -> Translator | None:
        """The user's translator if their locale is cached; never calls Slack (for work that
        must be done within a trigger id's 3 seconds)."""
        with self._lock:
            cached = self._cache.get((tenant_of(user_id), user_id))
        return translator(cached[0]) if cached and cached[1] > time.monotonic() else None

    def locale(self, user_id: str) -> str | None:
        now, key = time.monotonic(), (tenant_of(user_id), str(user_id))
        with self._lock:
            cached = self._cache.get(key)
        if cached and cached[1] > now:
            return cached[0]
        try:
            user = self._client_of(key[0]).users_info(user=key[1], include_locale=True).get("user") or {}
            locale = user.get("locale")
        except (SlackApiError, OSError, WorkspaceGone):
            log.warning("locale of user %s unavailable; using English", user_id)
            return None
        with self._lock:
            self._cache[key] = (locale, now + self._ttl)
        return locale if isinstance(locale, str) else None

    def _client_of(self, tenant: Tenant) -> WebClient:
        if self._client_for is None or (tenant.team_id is None and tenant.enterprise_id is None):
            return self._client
        return self._client_for(tenant.team_id, tenant.enterprise_id)


class SlackPeople:
    """``domain.card_owners.People`` on Slack: ``users.lookupByEmail`` (scope ``users:read.email``)
    in the tenant's workspace, with that workspace's client (``SlackClients.client_for``), each
    answer (someone, or nobody) cached per workspace for ``ttl`` seconds: an email found in one
    workspace never answers for another's. A failure is not cached; a workspace settlebot cannot
    reach (not installed, or none: an account linked to no workspace when installed in many) is
    unavailable, so whom settlebot knew stays."""

    def __init__(self, clients: SlackClients, ttl: float = 3600.0) -> None:
        self._clients, self._ttl = clients, ttl
        self._cache: dict[tuple[str | None, str | None, str], tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    def user_by_email(self, email: str, tenant: Tenant) -> str | None:
        key = (tenant.team_id, tenant.enterprise_id, email.strip().lower())
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached and cached[1] > now:
            return cached[0]
        found = self._ask(tenant, key[2])
        with self._lock:
            self._cache[key] = (found, now + self._ttl)
        return found

    def _ask(self, tenant: Tenant, email: str) -> str | None:
        try:
            client = self._clients.client_for(tenant.team_id, tenant.enterprise_id)
            user = client.users_lookupByEmail(email=email).get("user") or {}
        except WorkspaceGone:
            log.warning("card owner lookup by email: no installation for team %s, enterprise %s",
                        tenant.team_id, tenant.enterprise_id)  # fmt: skip
            raise PeopleUnavailable("workspace_gone") from None
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "users_not_found":
                return None
            log.warning("card owner lookup by email unavailable: %s", error)  # never the address
            raise PeopleUnavailable(str(error)) from None
        except OSError as exc:
            log.warning("card owner lookup by email unavailable: %s", type(exc).__name__)
            raise PeopleUnavailable(type(exc).__name__) from None
        user_id = user.get("id")
        return user_id if isinstance(user_id, str) and not user.get("deleted") else None
