"""The channel alert and its reminder replies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers import ids
from handlers.blocks import alert_message, reminder_message
from tests.unit.test_blocks_data import (
    LOCALES,
    MASTERCARD,
    OWNER,
    SETTLED,
    SUBSCRIPTION,
    alert_view,
    blocks_of,
    buttons,
    message_payload,
    texts,
    tr,
)


@pytest.mark.parametrize("locale", LOCALES)
def test_open_alert_has_the_facts_and_one_settle_button(locale) -> None:
    payload = message_payload(alert_message(alert_view(), tr(locale)))
    body = texts(payload)
    assert SUBSCRIPTION.product in blocks_of(payload, "header")[0]["text"]["text"]
    assert "Contoso Ltd" in body and "4242" in body and "08/2027" in body
    [button] = buttons(payload)
    assert button["action_id"] == ids.SETTLE_OPEN
    assert button["value"] == SUBSCRIPTION.id
    assert button["style"] == "primary"


def test_open_alert_in_english() -> None:
    payload = message_payload(alert_message(alert_view(), tr("en")))
    body = texts(payload)
    assert "Past-due payment: Microsoft 365 Business Premium" in body
    assert "$1,234.50" in body and "12 days" in body and "Visa •••• 4242" in body
    assert buttons(payload)[0]["text"]["text"] == "Settle balance"
    assert payload["text"].startswith("Microsoft 365 Business Premium (Contoso Ltd) is 12 days")


def test_open_alert_in_chinese_has_chinese_text_and_amount() -> None:
    payload = message_payload(alert_message(alert_view(), tr("zh-CN")))
    body = texts(payload)
    assert "逾期付款" in body and "US$1,234.50" in body and "12 天" in body
    assert buttons(payload)[0]["text"]["text"] == "结清余额"


@pytest.mark.parametrize("locale", LOCALES)
def test_an_expired_default_card_is_flagged(locale) -> None:
    payload = message_payload(alert_message(alert_view(card_=MASTERCARD), tr(locale)))
    body = texts(payload)
    assert ":warning:" in body and "01/2025" in body
    assert len(blocks_of(payload, "context")) == 1  # the "choose or add another card" line
    assert len(buttons(payload)) == 1


def test_expired_flag_reads_expired() -> None:
    body = texts(message_payload(alert_message(alert_view(card_=MASTERCARD), tr("en"))))
    assert "Expired 01/2025" in body
    body = texts(message_payload(alert_message(alert_view(card_=MASTERCARD), tr("zh-CN"))))
    assert "已于 01/2025 过期" in body


@pytest.mark.parametrize("locale", LOCALES)
def test_alert_without_a_card_says_so(locale) -> None:
    payload = message_payload(alert_message(alert_view(card_=None), tr(locale)))
    assert tr(locale)("card.none") in texts(payload)


@pytest.mark.parametrize("locale", LOCALES)
def test_settled_alert_names_who_how_much_which_card_and_when_and_has_no_button(locale) -> None:
    payload = message_payload(alert_message(alert_view(settled=SETTLED), tr(locale)))
    body = texts(payload)
    assert buttons(payload) == []
    assert blocks_of(payload, "actions") == []
    assert f"<@{OWNER}>" in body
    assert "Visa •••• 4242" in body
    assert "<!date^1773585000^{date_short_pretty} {time}|" in body
    assert tr(locale).money(SETTLED.amount) in body


def test_settled_alert_in_english() -> None:
    payload = message_payload(alert_message(alert_view(settled=SETTLED), tr("en")))
    assert "Settled: Microsoft 365 Business Premium" in texts(payload)
    assert "Settled by <@U0OWNER01>: $1,234.50 charged to Visa •••• 4242" in texts(payload)


@pytest.mark.parametrize("locale", LOCALES)
def test_reminder_mentions_the_card_owner_with_days_amount_and_button(locale) -> None:
    payload = message_payload(reminder_message(alert_view(), 7, OWNER, tr(locale)))
    body = texts(payload)
    assert f"<@{OWNER}>" in body
    assert tr(locale).days(12) in body and tr(locale).money(alert_view().amount) in body
    [button] = buttons(payload)
    assert (button["action_id"], button["value"]) == (ids.SETTLE_OPEN, SUBSCRIPTION.id)


def test_reminder_without_an_owner_mentions_nobody() -> None:
    payload = message_payload(reminder_message(alert_view(card_=None), 3, None, tr("en")))
    assert "<@" not in texts(payload)
    assert texts(payload).count("Reminder:") == 2  # fallback text and the section


def test_reminder_after_settlement_has_no_button() -> None:
    payload = message_payload(reminder_message(alert_view(settled=SETTLED), 7, OWNER, tr("en")))
    assert buttons(payload) == []
    assert "already been settled" in texts(payload)


def test_product_names_cannot_inject_mentions_into_mrkdwn() -> None:
    view = replace(alert_view(), product="<!channel> Teams")
    for message in (alert_message(view, tr("en")), reminder_message(view, 7, OWNER, tr("en"))):
        payload = message_payload(message)
        objects = [
            o for b in payload["blocks"] for o in [b.get("text") or {}, *b.get("fields", [])]
        ]
        mrkdwn = [payload["text"]] + [o["text"] for o in objects if o.get("type") == "mrkdwn"]
        assert not any("<!channel>" in t for t in mrkdwn)
        assert any("&lt;!channel&gt; Teams" in t for t in mrkdwn)
