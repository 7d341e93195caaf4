"""Slack text to safe HTML: ``mrkdwn`` (bold, italic, strike, code, links, mentions, dates,
quotes, emoji) and ``plain_text``.

Everything is HTML-escaped before any tag is added, so no text the app (or a user) sends can
inject markup. Slack's own escapes (``&lt;`` ``&gt;`` ``&amp;``) are undone first, so they show
as the characters they stand for, as in Slack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from markupsafe import Markup, escape

from sandbox.page.dates import format_date_token
from sandbox.page.viewer import Viewer

_CODE_BLOCK = re.compile(r"```(.+?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"<([^<>\n]+)>")
_SLOT = re.compile(r"\x00(\d+)\x00")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.I)
_BROADCASTS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
EMOJI = {
    "warning": "⚠️", "white_check_mark": "✅", "heavy_check_mark": "✔️", "x": "❌",
    "credit_card": "💳", "moneybag": "💰", "money_with_wings": "💸", "bank": "🏦",
    "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "bell": "🔔", "information_source": "\u2139\ufe0f",
    "lock": "🔒", "tada": "🎉", "wave": "👋", "calendar": "📅", "receipt": "🧾",
    "rotating_light": "🚨", "red_circle": "🔴", "large_green_circle": "🟢", "memo": "📝",
    "no_entry": "⛔", "no_entry_sign": "🚫", "point_right": "👉", "eyes": "👀", "bulb": "💡",
    "+1": "👍", "thumbsup": "👍", "sparkles": "✨", "repeat": "🔁", "zap": "⚡", "email": "✉️",
    "heavy_plus_sign": "\u2795", "gear": "⚙️", "robot_face": "🤖", "clock3": "🕒", "key": "🔑",
    "test_tube": "🧪",
}  # fmt: skip


def unescape_slack(text: str) -> str:
    """Undo Slack's three escapes (the only ones Slack defines)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


IMAGES = frozenset({"warning", "white_check_mark", "heavy_check_mark", "x", "information_source", "no_entry",
                    "test_tube"})
"""Emoji drawn as images (as Slack does), so they show without an emoji font."""


def _emoji(name: str, typed: str) -> str:
    if name in IMAGES:
        return (f'<img class="emoji" src="/static/emoji-{name}.svg" alt="{EMOJI[name]}" '
                f'title=":{name}:">')  # fmt: skip
    return EMOJI.get(name, typed)


def emoji(html: str) -> str:
    """``:warning:`` as the emoji (known short names only; others stay as typed)."""
    return _EMOJI_CODE.sub(lambda m: _emoji(m.group(1), m.group(0)), html)


def plain(text: str, *, with_emoji: bool = True) -> Markup:
    """A ``plain_text`` object's text: escaped, line breaks kept, emoji names shown as emoji."""
    html = str(escape(text.replace("\x00", "")))
    html = emoji(html) if with_emoji else html
    return Markup(html.replace("\n", "<br>"))


def mrkdwn(text: str, viewer: Viewer) -> Markup:
    """A ``mrkdwn`` text as Slack shows it to ``viewer``."""
    slots: list[str] = []

    def keep(html: str) -> str:
        slots.append(html)
        return f"\x00{len(slots) - 1}\x00"

    text = text.replace("\x00", "")
    text = _CODE_BLOCK.sub(lambda m: keep(f'<pre class="mk-pre">{_literal(m.group(1))}</pre>'), text)
    text = _CODE.sub(lambda m: keep(f'<code class="mk-code">{_literal(m.group(1))}</code>'), text)
    text = _TOKEN.sub(lambda m: keep(token(m.group(1), viewer)), text)
    html = _lines(text.split("\n"))
    return Markup(_SLOT.sub(lambda m: slots[int(m.group(1))], html))


def text_object(obj: Any, viewer: Viewer) -> Markup:
    """A text object (``{"type": "mrkdwn" | "plain_text", "text": ...}``) or a bare string."""
    if isinstance(obj, str):
        return mrkdwn(obj, viewer)
    if not isinstance(obj, Mapping):
        return Markup("")
    text = str(obj.get("text", ""))
    if obj.get("type") == "plain_text":
        return plain(text, with_emoji=obj.get("emoji", True) is not False)
    return mrkdwn(text, viewer)


def _literal(text: str) -> str:
    return str(escape(unescape_slack(text)))


def _wrap(tag: str, match: re.Match[str]) -> str:
    return f"<{tag}>{match.group(1)}</{tag}>"


def _styled(html: str) -> str:
    for pattern, tag in _STYLES:
        html = pattern.sub(partial(_wrap, tag), html)
    return emoji(html)


def _lines(lines: list[str]) -> str:
    """Lines joined with breaks; consecutive ``>`` lines become one quote."""
    out: list[str] = []
    quote: list[str] = []
    for line in lines:
        if line.startswith(">"):
            quote.append(_styled(_literal(line[1:].lstrip(" "))))
            continue
        if quote:
            out.append(f'<blockquote class="mk-quote">{"<br>".join(quote)}</blockquote>')
            quote = []
        out.append(_styled(_literal(line)))
    if quote:
        out.append(f'<blockquote class="mk-quote">{"<br>".join(quote)}</blockquote>')
    return _join(out)


def _join(parts: list[str]) -> str:
    html = ""
    for i, part in enumerate(parts):
        after_block = i > 0 and parts[i - 1].endswith("</blockquote>")
        html += part if i == 0 or after_block or part.startswith("<blockquote") else "<br>" + part
    return html


def token(body: str, viewer: Viewer) -> str:
    """One ``<...>`` token: a user or channel mention, a special command, or a link."""
    target, _, label = body.partition("|")
    kind = _KINDS.get(target[:1], _link)
    return kind(target, label, viewer)


def _user(target: str, label: str, viewer: Viewer) -> str:
    user_id = target[1:]
    name = viewer.names.get(user_id) or unescape_slack(label) or user_id
    me = " mk-me" if user_id == viewer.user_id else ""
    return f'<span class="mk-mention{me}" data-user="{escape(user_id)}">@{escape(name)}</span>'


def _channel(target: str, label: str, viewer: Viewer) -> str:
    name = viewer.channels.get(target[1:]) or unescape_slack(label) or target[1:]
    return f'<span class="mk-mention">#{escape(name)}</span>'


def _special(target: str, label: str, viewer: Viewer) -> str:
    parts = target[1:].split("^")
    if parts[0] == "date" and len(parts) >= 3:
        shown = format_date_token(parts[1], parts[2], viewer)
        text = _literal(shown if shown is not None else label)
        if len(parts) > 3 and _SAFE_URL.match(unescape_slack(parts[3])):
            return _anchor(unescape_slack(parts[3]), text)
        return f'<time class="mk-date">{text}</time>'
    if parts[0] in _BROADCASTS:
        return f'<span class="mk-mention mk-broadcast">{_BROADCASTS[parts[0]]}</span>'
    if parts[0] == "subteam":
        return f'<span class="mk-mention">{_literal(label or "@group")}</span>'
    return _literal(label or target)


def _link(target: str, label: str, viewer: Viewer) -> str:
    url = unescape_slack(target)
    text = _literal(label) if label else str(escape(url))
    if not _SAFE_URL.match(url):
        return text
    return _anchor(url, text)


def _anchor(url: str, html: str) -> str:
    return f'<a class="mk-link" href="{escape(url)}" target="_blank" rel="noopener noreferrer">{html}</a>'


_KINDS: dict[str, Callable[[str, str, Viewer], str]] = {"@": _user, "#": _channel, "!": _special}
