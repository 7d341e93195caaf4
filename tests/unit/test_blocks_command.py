"""Replies to ``/settle``: the past-due list, nothing due, help, refusal, receipt, errors."""

from __future__ import annotations

import pytest

from domain.model import Account, Subscription
from domain.records import Outcome
from handlers import ids
from handlers.blocks import (
    error_message,
    help_message,
    nothing_due,
    past_due_list,
    receipt_message,
    refusal,
)
from tests.unit.test_blocks_data import (
    ACCOUNT,
    BALANCE,
    LOCALES,
    SUBSCRIPTION,
    buttons,
    line,
    message_payload,
    result,
    texts,
    tr,
)

READ_ONLY = Account("acc_readonly", "Northwind", "USD")


def items(n: int, account: Account = ACCOUNT) -> list[tuple[Account, object]]:
    return [
        (account, line(Subscription(f"sub_{i:03d}", account.id, f"Product {i:03d}", None), BALANCE))
        for i in range(n)
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_past_due_list_has_a_settle_button_where_the_actor_may_settle(locale) -> None:
    listed = [(ACCOUNT, line(SUBSCRIPTION, BALANCE)), *items(1, READ_ONLY)]
    payload = message_payload(
        past_due_list(listed, tr(locale), may_settle={ACCOUNT.id: True, READ_ONLY.id: False})
    )
    [button] = buttons(payload)
    assert (button["action_id"], button["value"]) == (ids.SETTLE_OPEN, SUBSCRIPTION.id)
    body = texts(payload)
    assert tr(locale).money(BALANCE.amount) in body and tr(locale).days(12) in body
    assert tr(locale)("command.read_only") in body
    assert "Contoso Ltd" in body and "Northwind" in body


def test_past_due_list_in_english_and_chinese() -> None:
    listed = [(ACCOUNT, line(SUBSCRIPTION, BALANCE))]
    en = message_payload(past_due_list(listed, tr("en"), may_settle={ACCOUNT.id: True}))
    zh = message_payload(past_due_list(listed, tr("zh-CN"), may_settle={ACCOUNT.id: True}))
    assert "$1,234.50 · 12 days past due" in texts(en)
    assert "US$1,234.50 · 已逾期 12 天" in texts(zh) and "逾期订阅" in texts(zh)


def test_an_account_missing_from_may_settle_gets_no_button() -> None:
    payload = message_payload(past_due_list(items(3), tr("en"), may_settle={}))
    assert buttons(payload) == []


def test_past_due_list_is_capped_at_45_within_50_blocks() -> None:
    payload = message_payload(past_due_list(items(60), tr("en"), may_settle={ACCOUNT.id: True}))
    assert len(buttons(payload)) == 45
    assert len(payload["blocks"]) == 47
    assert "…and 15 more" in texts(payload)
    assert payload["text"] == "Past-due subscriptions: 60"


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_due_help_and_refusal_render(locale) -> None:
    t = tr(locale)
    assert t("command.nothing_due") in texts(message_payload(nothing_due(t)))
    help_text = texts(message_payload(help_message(t)))
    assert "`/settle`" in help_text and "`/settle help`" in help_text
    assert "`/settle &lt;" in help_text  # escaped, so Slack does not read it as a link
    assert t("help.home") in help_text
    assert message_payload(refusal(t))["text"] == t("no_role")


def test_refusal_reveals_nothing_about_any_account() -> None:
    payload = message_payload(refusal(tr("en")))
    assert "Contoso" not in texts(payload) and buttons(payload) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_receipt_after_success(locale) -> None:
    t = tr(locale)
    payload = message_payload(receipt_message(result(), t))
    body = texts(payload)
    assert t.money(BALANCE.amount) in body and "Visa •••• 4242" in body
    assert "ch_sandbox_123" in body and SUBSCRIPTION.product in body
    assert buttons(payload) == []


def test_receipt_in_english() -> None:
    payload = message_payload(receipt_message(result(), tr("en")))
    assert payload["text"] == "Paid $1,234.50 for Microsoft 365 Business Premium."
    assert "Invoices paid: 2" in texts(payload)


def test_receipt_for_a_decline_explains_it() -> None:
    payload = message_payload(receipt_message(result(Outcome.DECLINED, "expired_card"), tr("en")))
    assert "issuer reports that this card has expired" in payload["text"]


def test_error_message_wraps_translated_text() -> None:
    payload = message_payload(error_message("We couldn't find that."))
    assert payload == {
        "text": "We couldn't find that.",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "We couldn't find that."}}
        ],
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_the_payer_of_a_superseded_attempt_is_told_nothing_was_charged(locale) -> None:
    t = tr(locale)
    payload = message_payload(receipt_message(result(Outcome.SUPERSEDED, "balance_changed"), t))
    assert t.money(BALANCE.amount) in payload["text"] and SUBSCRIPTION.product in payload["text"]
    assert buttons(payload) == []


def test_a_superseded_attempt_reads_as_no_charge_in_english() -> None:
    payload = message_payload(receipt_message(result(Outcome.SUPERSEDED, "balance_changed"), tr("en")))
    assert "Nothing was charged" in payload["text"] and "invoices changed" in payload["text"]
