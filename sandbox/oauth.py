"""The fake's "Add to Slack": installations into several teams (and Enterprise Grid orgs).

An authorize URL (``GET /oauth/v2/authorize``) is approved by the team named in its ``team``
argument (or the one given to `OAuth.approve_as`) and redirects to the app's redirect URL with
a one-time code and the app's state. ``oauth.v2.access`` exchanges the code (client id and
secret as HTTP Basic auth, as slack_sdk sends them, or as arguments) for a bot token that
expires after `token_lifetime` seconds with a refresh token, or (``grant_type=refresh_token``)
a refresh token for a new pair: a refresh token works once. Every token has its own identity
(``auth.test`` answers with its team and org); ``auth.revoke`` and `OAuth.uninstall` end them.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from sandbox.clock import Clock
from sandbox.errors import ApiError
from sandbox.ids import Identity

CODE_LIFETIME = 600.0  # Slack: a code must be exchanged within 10 minutes
METHODS = frozenset({"oauth.v2.access", "auth.revoke"})


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    is_enterprise_install: bool = False  # an org-wide installation: the org's token serves every team of it


@dataclass(frozen=True)
class Grant:
    """What one bot token stands for."""

    team: Team
    scopes: str
    bot_id: str
    expires_at: float | None
    revoked: bool = False


@dataclass
class OAuth:
    """The app's OAuth credentials, the teams that may install it, and the tokens issued."""

    identity: Identity
    clock: Clock
    client_id: str = "1111.2222"
    client_secret: str = "fake-client-secret"
    token_lifetime: float | None = 43200.0  # token rotation on (12 hours); None: tokens never expire
    teams: dict[str, Team] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    refresh_grants: int = 0  # oauth.v2.access calls with grant_type=refresh_token that succeeded
    _codes: dict[str, tuple[Team, str, str, float]] = field(default_factory=dict)
    _refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> the token it renews
    _approver: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_team(self, team: Team) -> None:
        self.teams[team.id] = team

    def approve_as(self, team_id: str) -> None:
        """The team whose admin approves the next authorize URLs that name none."""
        self._approver = team_id

    # -- the authorize page ------------------------------------------------------------------

    def authorize(self, args: Mapping[str, str]) -> str:
        """Approve an authorize URL's request: the redirect URL (with code and state), or an
        ApiError if Slack would show an error page instead."""
        if args.get("client_id") != self.client_id:
            raise ApiError("invalid_client_id")
        redirect = args.get("redirect_uri") or ""
        team = self.teams.get(args.get("team") or self._approver or "")
        if not redirect.startswith(("http://", "https://")) or team is None:
            raise ApiError("bad_redirect_uri" if team else "invalid_team")
        code = f"{self.clock():.0f}.{secrets.token_hex(12)}"
        with self._lock:
            self._codes[code] = (team, args.get("scope", ""), redirect, self.clock() + CODE_LIFETIME)
        return redirect + ("&" if "?" in redirect else "?") + urlencode({"code": code, "state": args.get("state", "")})

    # -- Web API methods ---------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any], token: str | None, basic: str | None) -> dict[str, Any]:
        if method == "auth.revoke":
            return self._revoke(token)
        self._check_client(params, basic)
        if params.get("grant_type") == "refresh_token":
            return self._refreshed(str(params.get("refresh_token") or ""))
        if params.get("grant_type") not in (None, "authorization_code"):
            raise ApiError("invalid_grant_type")
        return self._exchanged(str(params.get("code") or ""), params.get("redirect_uri"))

    def _check_client(self, params: dict[str, Any], basic: str | None) -> None:
        client_id, secret = params.get("client_id"), params.get("client_secret")
        if basic:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if secret != self.client_secret:
            raise ApiError("bad_client_secret")

    def _exchanged(self, code: str, redirect_uri: object) -> dict[str, Any]:
        with self._lock:
            found = self._codes.pop(code, None)
        if found is None or found[3] < self.clock():
            raise ApiError("invalid_code")
        team, scopes, redirect, _ = found
        if redirect_uri is not None and redirect_uri != redirect:
            raise ApiError("bad_redirect_uri")
        return self._issue(Grant(team, scopes, "B" + team.id[1:], None))

    def _refreshed(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            old = self._refresh.pop(refresh_token, None)  # a refresh token works once
            grant = self.tokens.get(old) if old else None
            if grant is None or grant.revoked:
                raise ApiError("invalid_refresh_token")
            self.refresh_grants += 1
        return self._issue(grant)

    def _issue(self, grant: Grant) -> dict[str, Any]:
        token = f"xoxb-{grant.team.id}-{secrets.token_hex(8)}"
        lifetime = self.token_lifetime
        issued = replace(grant, expires_at=None if lifetime is None else self.clock() + lifetime)
        answer: dict[str, Any] = {
            "ok": True, "app_id": self.identity.app_id, "access_token": token, "token_type": "bot",
            "scope": grant.scopes, "bot_user_id": self.identity.bot_user_id,
            "team": None if grant.team.is_enterprise_install else {"id": grant.team.id, "name": grant.team.name},
            "enterprise": {"id": grant.team.enterprise_id, "name": grant.team.enterprise_name}
            if grant.team.enterprise_id else None,
            "is_enterprise_install": grant.team.is_enterprise_install,
            "authed_user": {"id": "U0INSTALLER"},
        }  # fmt: skip
        with self._lock:
            self.tokens[token] = issued
            if lifetime is not None:
                refresh = f"xoxe-1-{secrets.token_hex(16)}"
                self._refresh[refresh] = token
                answer.update(expires_in=int(lifetime), refresh_token=refresh)
        return answer

    def _revoke(self, token: str | None) -> dict[str, Any]:
        with self._lock:
            grant = self.tokens.get(token or "")
            if grant is None or grant.revoked:
                raise ApiError("invalid_auth")
            self.tokens[token or ""] = replace(grant, revoked=True)
        return {"ok": True, "revoked": True}

    # -- identity ----------------------------------------------------------------------------

    def knows(self, token: str) -> bool:
        return token in self.tokens

    def check(self, token: str) -> Grant:
        """The token's grant, if it may be used now (else Slack's error for it)."""
        grant = self.tokens[token]
        if grant.revoked:
            raise ApiError("token_revoked")
        if grant.expires_at is not None and grant.expires_at <= self.clock():
            raise ApiError("token_expired")
        return grant

    def auth_test(self, token: str) -> dict[str, Any]:
        grant, me = self.check(token), self.identity
        team = grant.team
        return {
            "ok": True, "url": f"https://{team.id.lower()}.slack.com/", "team": team.name, "user": me.bot_name,
            "team_id": team.id, "user_id": me.bot_user_id, "bot_id": grant.bot_id,
            "enterprise_id": team.enterprise_id, "is_enterprise_install": team.is_enterprise_install,
        }  # fmt: skip

    def uninstall(self, team_id: str) -> list[str]:
        """The app is removed from a team (or org): its tokens are revoked; those tokens."""
        with self._lock:
            ended = [t for t, g in self.tokens.items() if g.team.id == team_id and not g.revoked]
            for token in ended:
                self.tokens[token] = replace(self.tokens[token], revoked=True)
            self._refresh = {r: t for r, t in self._refresh.items() if t not in ended}
        return ended

    def events_for_uninstall(self, team_id: str) -> list[dict[str, Any]]:
        """The two events Slack sends when the app is uninstalled: tokens_revoked, app_uninstalled."""
        team = self.teams[team_id]
        base = {"token": "unused", "api_app_id": self.identity.app_id, "type": "event_callback",
                "event_time": int(self.clock()),
                "authorizations": [{"enterprise_id": team.enterprise_id, "team_id": team.id,
                                    "is_enterprise_install": team.is_enterprise_install}],
                "team_id": team.id, "enterprise_id": team.enterprise_id}  # fmt: skip
        revoked = {"type": "tokens_revoked", "tokens": {"bot": [self.identity.bot_user_id]}}
        return [
            {**base, "event": revoked, "event_id": f"Ev0R{secrets.token_hex(4).upper()}"},
            {**base, "event": {"type": "app_uninstalled"}, "event_id": f"Ev0U{secrets.token_hex(4).upper()}"},
        ]
