"""The workspace's people, and the user objects `users.info` returns for them."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.ids import Identity

DEFAULT_USERS: dict[str, dict[str, Any]] = {
    "U0ALICE001": {"name": "alice", "real_name": "Alice Martin", "locale": "en-US",
                   "tz": "America/New_York"},
    "U0BORIS001": {"name": "boris", "real_name": "Boris Chen", "locale": "zh-CN",
                   "tz": "Asia/Shanghai"},
}  # fmt: skip
"""Used when `FakeSlack(users=...)` is not given."""


def _tz_fields(tz: str, now: float) -> dict[str, Any]:
    moment = dt.datetime.fromtimestamp(now, ZoneInfo(tz))
    offset = moment.utcoffset() or dt.timedelta(0)
    return {"tz": tz, "tz_label": moment.tzname() or tz, "tz_offset": int(offset.total_seconds())}


def email_of(fields: Mapping[str, Any]) -> str:
    return str(fields.get("email", f"{fields['name']}@example.com"))


def _profile(user_id: str, fields: Mapping[str, Any], team_id: str) -> dict[str, Any]:
    real = fields.get("real_name", fields["name"])
    return {
        "real_name": real, "real_name_normalized": real,
        "display_name": fields.get("display_name", fields["name"]),
        "display_name_normalized": fields.get("display_name", fields["name"]),
        "email": email_of(fields),
        "image_48": f"https://avatars.example.com/{user_id}_48.png",
        "status_text": "", "status_emoji": "", "team": team_id,
    }  # fmt: skip


def user_object(
    user_id: str, fields: Mapping[str, Any], identity: Identity, now: float, locale: bool
) -> dict[str, Any]:
    """The `user` of a `users.info` answer; `locale` only when `include_locale` was asked."""
    team_id = fields.get("team_id") or identity.team_id  # a person of another workspace has their own
    user = {
        "id": user_id, "team_id": team_id, "name": fields["name"], "deleted": False,
        "color": "9f69e7", "real_name": fields.get("real_name", fields["name"]),
        **_tz_fields(fields.get("tz", "America/Los_Angeles"), now),
        "profile": _profile(user_id, fields, team_id),
        "is_admin": bool(fields.get("is_admin", False)), "is_owner": False,
        "is_primary_owner": False, "is_restricted": False, "is_ultra_restricted": False,
        "is_bot": bool(fields.get("is_bot", False)), "is_app_user": False,
        "updated": int(now), "is_email_confirmed": True,
    }  # fmt: skip
    if locale:
        user["locale"] = fields.get("locale", "en-US")
    return user


class Directory:
    """The people in the workspace (the app's bot user included), by user id."""

    def __init__(self, identity: Identity, users: Mapping[str, Mapping[str, Any]] | None) -> None:
        self._lock = threading.Lock()
        chosen = DEFAULT_USERS if users is None else users
        self._users = {uid: {"name": uid.lower(), **dict(f)} for uid, f in chosen.items()}
        self._users[identity.bot_user_id] = {"name": identity.bot_name, "is_bot": True}

    def add(self, user_id: str, **fields: Any) -> None:
        """Add (or change) a person: name, real_name, locale, tz, email, is_admin..."""
        with self._lock:
            self._users[user_id] = {"name": user_id.lower(), **self._users.get(user_id, {}),
                                    **fields}  # fmt: skip

    def get(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._users.get(user_id)
            return dict(found) if found is not None else None

    def team_of(self, user_id: str | None) -> str | None:
        """The workspace of a person given one (``team_id``), else None (the fake's own)."""
        found = self.get(user_id) if user_id else None
        team = found.get("team_id") if found else None
        return team if isinstance(team, str) else None

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._users)
