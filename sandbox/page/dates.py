"""Slack's ``<!date^EPOCH^FORMAT|fallback>`` tokens and message times, in the viewer's zone.

Slack fills the format's ``{date_short_pretty}``, ``{time}``... tokens in each reader's own
time zone and language; unknown tokens are left as they are, and a malformed date shows the
fallback text, as Slack does.
"""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date, format_time, format_timedelta

from sandbox.page.viewer import Viewer

_PART = re.compile(r"\{(date_num|date_slash|date_long_pretty|date_long|date_pretty|date_short_pretty"
                   r"|date_short|date|time_secs|time|ago)\}")  # fmt: skip
_RELATIVE = {
    "en": {-1: "Yesterday", 0: "Today", 1: "Tomorrow"},
    "zh": {-1: "昨天", 0: "今天", 1: "明天"},
}
_DATE_STYLES = {"date_slash": "short", "date_short": "medium", "date": "long", "date_long": "full"}


def message_time(ts: str, viewer: Viewer) -> str:
    """A message's time as Slack shows it beside the author ("2:30 PM", "14:30")."""
    try:
        moment = viewer.local(float(ts))
    except (ValueError, OverflowError, OSError):
        return ""
    return format_time(moment, "short", tzinfo=viewer.tz, locale=viewer.babel_locale)


def format_date_token(epoch: str, template: str, viewer: Viewer) -> str | None:
    """The text of a date token, or None when the epoch is not a valid time (use the fallback)."""
    try:
        moment = viewer.local(int(epoch))
    except (ValueError, OverflowError, OSError):
        return None
    return _PART.sub(lambda match: _part(match.group(1), moment, viewer), template)


def _part(name: str, moment: dt.datetime, viewer: Viewer) -> str:
    locale = viewer.babel_locale
    if name == "date_num":
        return moment.date().isoformat()
    if name in ("time", "time_secs"):
        style = "short" if name == "time" else "medium"
        return format_time(moment, style, tzinfo=viewer.tz, locale=locale)
    if name == "ago":
        return format_timedelta(moment - viewer.now, add_direction=True, locale=locale)
    pretty = name.endswith("_pretty")
    base = name.removesuffix("_pretty")
    if pretty:
        word = _relative_day(moment, viewer)
        if word is not None:
            return word
    return format_date(moment.date(), _DATE_STYLES[base], locale=locale)


def _relative_day(moment: dt.datetime, viewer: Viewer) -> str | None:
    today = viewer.now.astimezone(viewer.tz).date()
    offset = (moment.date() - today).days
    words = _RELATIVE["zh" if viewer.is_chinese else "en"]
    return words.get(offset)
