"""The sandbox's Block Kit renderer: every payload settlebot sends, mrkdwn, dates, escaping."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import handlers
import handlers.blocks
from sandbox.page import mrkdwn as mrkdwn_module
from sandbox.page.blockkit import render_blocks
from sandbox.page.elements import Inputs
from sandbox.page.mrkdwn import IMAGES, mrkdwn, plain
from sandbox.page.viewer import Viewer
from tests.sandbox_page.app_payloads import COVERED, every_payload

NOW = dt.datetime(2026, 3, 15, 14, 30, tzinfo=dt.UTC)
NAMES = {"U0ANA": "Ana", "U0BO": "Bo <b>"}
ANA = Viewer("U0ANA", "en-US", ZoneInfo("America/New_York"), NAMES, {"C0B": "billing"}, NOW)
WANG = Viewer("U0WANG", "zh-CN", ZoneInfo("Asia/Shanghai"), {}, {}, NOW)
PAYLOADS = list(every_payload())


def test_every_builder_in_handlers_blocks_is_exercised() -> None:
    assert set(handlers.blocks.__all__) - {"Message"} <= COVERED


@pytest.mark.parametrize(("locale", "variant", "payload"), PAYLOADS, ids=[f"{lo}-{v}" for lo, v, _ in PAYLOADS])
def test_every_payload_the_app_sends_renders_with_no_unsupported_block(locale, variant, payload) -> None:
    html = render_blocks(payload["blocks"], WANG if locale == "zh-CN" else ANA)
    assert "bk-unsupported" not in html
    assert html.count('class="bk-block ') == len(payload["blocks"])
    for block in payload["blocks"]:
        assert f'class="bk-block bk-{block["type"]}"' in html
    for action_id in re.findall(r'"action_id": "([^"]+)"', str(payload).replace("'", '"')):
        assert action_id in html  # every interactive element can be clicked or read
    assert "<!date" not in html and "&lt;!date" not in html  # date tokens are shown as dates


def test_the_paid_result_and_settled_alert_show_their_amounts() -> None:
    texts = {v: str(render_blocks(p["blocks"], ANA)) for lo, v, p in PAYLOADS if lo == "en"}
    assert "$1,234.50" in texts["alert settled"] and "@U0OWNER01" in texts["alert settled"]
    assert "bk-alert-success" in texts["result succeeded None"]
    assert 'type="radio"' in texts["settle billing_admin U0OWNER01"]
    assert "<select" in texts["settle 25 cards"] and "<select" in texts["settle editing expiry"]


def test_an_unknown_block_or_element_is_shown_as_an_unsupported_box() -> None:
    html = render_blocks([
        {"type": "rich_text", "block_id": "r1", "elements": []},
        {"type": "actions", "elements": [{"type": "datepicker", "action_id": "d"}]},
        {"type": "input", "label": {"type": "plain_text", "text": "When"},
         "element": {"type": "timepicker", "action_id": "t"}},
        "not a block",
    ], ANA)  # fmt: skip
    assert html.count("bk-unsupported") == 4
    for kind in ("rich_text", "datepicker", "timepicker", "str"):
        assert f"<code>{kind}</code>" in html


def test_text_is_escaped_everywhere_so_nothing_can_inject_markup() -> None:
    evil = "<script>alert(1)</script>"
    html = str(render_blocks([
        {"type": "header", "text": {"type": "plain_text", "text": evil}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "&lt;img src=x onerror=alert(1)&gt; " + evil},
         "accessory": {"type": "button", "action_id": "a\"><b", "value": "\"'><i>",
                       "text": {"type": "plain_text", "text": evil}, "url": "javascript:alert(1)"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "<javascript:alert(1)|click> <@U0BO>"}},
    ], ANA))  # fmt: skip
    assert "<script" not in html and "<img" not in html and "<i>" not in html and "<b>" not in html
    assert "javascript:" not in html.replace("javascript:alert(1)</", "")  # never an href
    assert 'href="javascript' not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "@Bo &lt;b&gt;" in html


@pytest.mark.parametrize(("source", "expected"), [
    ("*bold* _italic_ ~gone~ `co*de*`", "<b>bold</b> <i>italic</i> <s>gone</s> <code class=\"mk-code\">co*de*</code>"),
    ("a &lt;b&gt; &amp; c", "a &lt;b&gt; &amp; c"),  # Slack's escapes shown as the characters, re-escaped
    ("&amp;lt;", "&amp;lt;"),  # an escaped "&" followed by "lt;" stays that text
    ("line one\nline two", "line one<br>line two"),
    ("<https://example.com/x?a=1&amp;b=2|the docs>", 'href="https://example.com/x?a=1&amp;b=2"'),
    ("<https://example.com>", ">https://example.com</a>"),
    ("hi <@U0ANA> and <@U0NOBODY>", "@Ana</span> and <span class=\"mk-mention\" data-user=\"U0NOBODY\">@U0NOBODY"),
    ("in <#C0B>, <!here>", "#billing</span>, <span class=\"mk-mention mk-broadcast\">@here"),
    ("sub_m365_e3 and snake_case_name", "sub_m365_e3 and snake_case_name"),
    (":warning: *Expired 03/2024*", 'alt="⚠️" title=":warning:"> <b>Expired 03/2024</b>'),
    (":tada: :no_such_emoji:", "🎉 :no_such_emoji:"),
    ("> quoted\nafter", '<blockquote class="mk-quote">quoted</blockquote>after'),
])  # fmt: skip
def test_mrkdwn_basics(source, expected) -> None:
    assert expected in str(mrkdwn(source, ANA))


def test_a_mention_of_the_viewer_is_highlighted() -> None:
    assert "mk-mention mk-me" in mrkdwn("<@U0ANA>", ANA) and 'mk-me"' not in mrkdwn("<@U0BO>", ANA)


def test_date_tokens_are_shown_in_the_viewers_zone_and_language() -> None:
    epoch = int(dt.datetime(2026, 3, 15, 23, 30, tzinfo=dt.UTC).timestamp())
    token = f"<!date^{epoch}^{{date_short_pretty}} {{time}}|Mar 15, 2026 11:30 PM UTC>"
    shown = str(mrkdwn(token, ANA))  # 7:30 PM in New York, the same day
    assert shown.startswith('<time class="mk-date">Today 7:30') and shown.endswith("PM</time>")
    assert "明天" in mrkdwn(token, WANG) and "07:30" in mrkdwn(token, WANG)  # already the 16th in Shanghai
    assert "2026-03-15" in mrkdwn(f"<!date^{epoch}^{{date_num}}|x>", ANA)
    assert "Mar 15, 2026 11:30 PM UTC" in mrkdwn("<!date^notanumber^{date}|Mar 15, 2026 11:30 PM UTC>", ANA)
    linked = str(mrkdwn(f"<!date^{epoch}^{{date}}^https://example.com/|x>", ANA))
    assert 'href="https://example.com/"' in linked and "March 15, 2026" in linked


def test_every_emoji_the_catalogs_use_is_drawn_as_an_image() -> None:
    catalogs = Path(handlers.__file__).parent / "locales"
    used = {name for po in catalogs.glob("*.po") for name in re.findall(r":([a-z0-9_+-]+):", po.read_text("utf-8"))}
    assert used and used <= IMAGES, sorted(used - IMAGES)  # never a raw ":name:" on the sandbox page
    for name in used:
        assert (Path(mrkdwn_module.__file__).parent / "static" / f"emoji-{name}.svg").is_file()


def test_plain_text_keeps_line_breaks_and_shows_emoji_names_as_emoji() -> None:
    html = str(plain("a\n:white_check_mark: <b> :tada:"))
    assert html.startswith('a<br><img class="emoji" src="/static/emoji-white_check_mark.svg"')
    assert html.endswith("&lt;b&gt; 🎉")


def test_inputs_show_inline_errors_and_the_values_a_refused_submission_kept() -> None:
    block = {"type": "input", "block_id": "pay", "label": {"type": "plain_text", "text": "Pay with"},
             "element": {"type": "radio_buttons", "action_id": "card", "options": [
                 {"text": {"type": "plain_text", "text": "Visa"}, "value": "v"},
                 {"text": {"type": "plain_text", "text": "Amex"}, "value": "a"}],
                 "initial_option": {"text": {"type": "plain_text", "text": "Visa"}, "value": "v"}}}  # fmt: skip
    html = str(render_blocks([block], ANA, Inputs({"card": "a"}, {"pay": "That card expired"})))
    assert 'value="a" checked' in html and 'value="v" checked' not in html
    assert 'class="bk-error" role="alert">That card expired' in html


def test_buttons_show_their_style_and_url_buttons_open_a_new_tab() -> None:
    html = str(render_blocks([{"type": "actions", "elements": [
        {"type": "button", "action_id": "p", "style": "primary", "text": {"type": "plain_text", "text": "Pay"}},
        {"type": "button", "action_id": "d", "style": "danger", "text": {"type": "plain_text", "text": "Drop"},
         "confirm": {"title": {"type": "plain_text", "text": "Sure?"}, "text": {"type": "plain_text", "text": "Gone"}}},
        {"type": "button", "action_id": "u", "url": "https://x.example/", "text": {"type": "plain_text", "text": "Go"}},
        {"type": "static_select", "action_id": "s", "options": [
            {"text": {"type": "plain_text", "text": "One"}, "value": "1"}]},
    ]}], ANA))  # fmt: skip
    assert "bk-button bk-primary" in html and "bk-button bk-danger" in html and 'data-confirm="Sure?\nGone"' in html
    assert '<a class="bk-button" href="https://x.example/" target="_blank"' in html
    assert 'data-dispatch="1"' in html and "bk-unsupported" not in html


def test_text_and_number_inputs() -> None:
    html = str(render_blocks([
        {"type": "input", "block_id": "n", "optional": True, "label": {"type": "plain_text", "text": "Note"},
         "element": {"type": "plain_text_input", "action_id": "note", "multiline": True, "initial_value": "<hi>"}},
        {"type": "input", "block_id": "q", "label": {"type": "plain_text", "text": "Seats"},
         "element": {"type": "number_input", "action_id": "seats", "is_decimal_allowed": False, "min_value": "1"}},
    ], ANA))  # fmt: skip
    assert "<textarea" in html and "&lt;hi&gt;</textarea>" in html and "(optional)" in html
    assert 'type="number"' in html and 'min="1"' in html and 'step="1"' in html


def test_alert_levels_and_card_parts() -> None:
    blocks = [{"type": "alert", "level": level, "text": {"type": "mrkdwn", "text": level}}
              for level in ("default", "info", "warning", "error", "success", None)]  # fmt: skip
    blocks.append(
        {
            "type": "card",
            "title": {"type": "mrkdwn", "text": "*Visa*"},
            "subtitle": {"type": "mrkdwn", "text": "Expires"},
            "body": {"type": "mrkdwn", "text": "Owner"},
            "actions": [{"type": "button", "action_id": "use", "text": {"type": "plain_text", "text": "Use"}}],
        }
    )
    html = str(render_blocks(blocks, ANA))
    for level in ("default", "info", "warning", "error", "success"):
        assert f"bk-alert-{level}" in html
    assert 'bk-card-title"><b>Visa</b>' in html and "bk-card-subtitle" in html and "bk-card-body" in html
    assert 'data-action="use"' in html
