"""The system clock, with "today" taken in the business time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


class SystemClock:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(self.zone).date()


class FixedClock:
    """A clock stopped at one instant: ``settlebot scan --at``."""

    def __init__(self, at: dt.datetime, zone: ZoneInfo) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=zone)
        self.zone = zone

    def now(self) -> dt.datetime:
        return self.at.astimezone(dt.UTC)

    def today(self) -> dt.date:
        return self.at.astimezone(self.zone).date()
