"""Who is looking at the sandbox page: their locale, time zone and the names they see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError


@dataclass(frozen=True)
class Person:
    """Someone of the demo, as the sandbox shows them in its user switcher.

    Attributes:
        id: the Slack user id.
        name: the display name shown for mentions (``@Alex Global``).
        title: what they are in the demo ("global admin, owns the cards").
        locale: their Slack locale (``en-US``, ``zh-CN``...).
        tz: their IANA time zone, in which Slack shows them times.
        team_id: their workspace ("": the sandbox's first).
    """

    id: str
    name: str
    title: str
    locale: str = "en-US"
    tz: str = "UTC"
    team_id: str = ""

    @property
    def initials(self) -> str:
        """``AG`` for Alex Global; one character for a name that starts in CJK (``王``)."""
        words = [w for w in self.name.split() if w[:1].isalpha()]
        if words and not words[0].isascii():
            return words[0][0]
        return "".join(w[0] for w in words[:2]).upper() or self.name[:1]

    def slack_fields(self) -> dict[str, str]:
        """The fields `FakeSlack(users=...)` takes for this person."""
        handle = self.name.split()[0].lower() if self.name.isascii() else self.id.lower()
        fields = {"name": handle, "real_name": self.name, "display_name": self.name,
                  "locale": self.locale, "tz": self.tz}  # fmt: skip
        return {**fields, "team_id": self.team_id} if self.team_id else fields


@dataclass(frozen=True)
class Viewer:
    """How text is shown to one person: their locale and zone, and names for ids.

    Attributes:
        user_id: the person looking.
        locale: their Slack locale.
        tz: their time zone.
        names: display names by user id (for ``<@U…>`` mentions).
        channels: channel names by id (for ``<#C…>`` links).
        now: the current time (for "today" and "3 minutes ago").
    """

    user_id: str
    locale: str = "en-US"
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    names: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def babel_locale(self) -> str:
        """The Babel id of the locale (``en_US``, ``zh_CN``), English when unknown."""
        try:
            return str(Locale.parse(self.locale.replace("-", "_")))
        except (UnknownLocaleError, ValueError, TypeError):
            return "en_US"

    @property
    def is_chinese(self) -> bool:
        return self.babel_locale.startswith("zh")

    def local(self, epoch: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(epoch, self.tz)

    def name_of(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)
