"""The alert as Stripe's events leave it: attempts and next retry, the subscription's status, and
closed by Stripe (paid by its retry, paid in Stripe, voided, written off); parsed by slack_sdk."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from domain.alert_views import BillingNote, Closed
from domain.records import ClosedReason
from handlers.blocks import alert_message
from handlers.blocks.cards import card_block
from handlers.ids import EDIT_EXPIRY
from tests.unit.test_blocks_data import LOCALES, NOW, VISA, alert_view, buttons, message_payload, plan, texts, tr

RETRY = dt.datetime(2026, 11, 4, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_alert_shows_stripes_attempt_count_and_next_retry(locale) -> None:
    view = replace(alert_view(), billing=BillingNote(2, RETRY, "past_due"))

    payload = message_payload(alert_message(view, tr(locale)))

    body = texts(payload)
    assert f"<!date^{int(RETRY.timestamp())}^" in body
    assert tr(locale)("alert.attempts", count="2", when="").split("2")[0] in body
    assert tr(locale)("billing_status.past_due") in body
    assert len(buttons(payload)) == 1


def test_the_attempts_line_in_english_and_chinese() -> None:
    view = replace(alert_view(), billing=BillingNote(3, None, "unpaid"))
    english = texts(message_payload(alert_message(view, tr("en"))))
    chinese = texts(message_payload(alert_message(view, tr("zh-CN"))))
    assert "Stripe's automatic payment attempts: 3. No automatic retry is scheduled." in english
    assert "*unpaid*" in english
    assert "Stripe 自动扣款已尝试 3 次" in chinese and "未付款" in chinese


def test_an_active_subscription_without_attempts_adds_no_line() -> None:
    plain_view = message_payload(alert_message(alert_view(), tr("en")))
    view = replace(alert_view(), billing=BillingNote(0, None, "active"))
    assert message_payload(alert_message(view, tr("en"))) == plain_view


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("reason", list(ClosedReason))
def test_an_alert_closed_by_stripe_says_why_and_has_no_button(locale, reason) -> None:
    view = replace(alert_view(), closed=Closed(reason.value, NOW))

    payload = message_payload(alert_message(view, tr(locale)))

    assert buttons(payload) == []
    assert tr(locale)(f"alert.closed.{reason.value}", when="X").split("X")[0] in texts(payload)
    assert "Contoso Ltd" in texts(payload)


def test_closed_texts_in_english() -> None:
    def said(reason: ClosedReason) -> str:
        return texts(message_payload(alert_message(replace(alert_view(), closed=Closed(reason, NOW)), tr("en"))))

    assert "Paid by Stripe's automatic retry" in said(ClosedReason.PAID_BY_RETRY)
    assert "Paid in Stripe" in said(ClosedReason.PAID_IN_STRIPE)
    assert "voided in Stripe" in said(ClosedReason.VOIDED)
    assert "marked uncollectible" in said(ClosedReason.UNCOLLECTIBLE)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_card_nobody_in_slack_owns_says_so_instead_of_an_empty_mention(locale) -> None:
    nobodys = replace(VISA, owner_slack_user_id="")
    shown = plan("", cards=(nobodys,))  # even someone with no Slack id of their own
    block = card_block(shown.cards[0], shown, tr(locale), actor="", selected=None)

    body = texts(block.to_dict())
    assert "<@>" not in body and tr(locale)("card.no_owner") in body
    assert EDIT_EXPIRY not in body  # nobody edits its expiry in Slack
