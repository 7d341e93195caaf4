"""The Home tab's "Your products"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.model import Account, Balance, Role, Subscription
from domain.money import Money
from handlers import ids
from handlers.blocks import home_view
from tests.unit.test_blocks_data import (
    ACCOUNT,
    BALANCE,
    LOCALES,
    MASTERCARD,
    OWNER,
    PAID_UP,
    READER,
    SUBSCRIPTION,
    TODAY,
    blocks_of,
    buttons,
    group,
    line,
    texts,
    tr,
    view_payload,
)

TEAMS = Subscription("sub_teams", ACCOUNT.id, "Microsoft Teams Essentials", "card_visa")
OTHER_ACCOUNT = Account("acc_fabrikam", "Fabrikam <Inc>", "CNY", None, "zh-CN")


def home(groups, locale="en", actor=OWNER):
    return view_payload(home_view(groups, tr(locale), actor=actor, today=TODAY))


def two_lines():
    return (line(SUBSCRIPTION, BALANCE), line(TEAMS, PAID_UP))


@pytest.mark.parametrize("locale", LOCALES)
def test_home_lists_accounts_roles_products_and_cards(locale) -> None:
    t = tr(locale)
    payload = home([group(Role.BILLING_ADMIN, two_lines())], locale)
    assert payload["type"] == "home" and "submit" not in payload and "close" not in payload
    assert blocks_of(payload, "header")[0]["text"]["text"] == t("home.header")
    body = texts(payload)
    assert "Contoso Ltd" in body and t("role.billing_admin") in body
    assert t("status.past_due") in body and t("status.active") in body
    assert t.money(BALANCE.amount) in body and t.days(12) in body
    assert "Visa •••• 4242" in body and "Mastercard •••• 5555" in body and ":warning:" in body


def test_past_due_subscriptions_get_a_settle_button_for_settlers() -> None:
    payload = home([group(Role.GLOBAL_ADMIN, two_lines())])
    [button] = buttons(payload)
    assert (button["action_id"], button["value"], button["style"]) == (
        ids.SETTLE_OPEN, SUBSCRIPTION.id, "primary",
    )  # fmt: skip


def test_billing_readers_get_no_buttons() -> None:
    payload = home([group(Role.BILLING_READER, two_lines())], actor=READER)
    assert buttons(payload) == []
    assert "Billing reader" in texts(payload)


def test_english_home_reads_naturally() -> None:
    body = texts(home([group(Role.BILLING_ADMIN, two_lines())]))
    assert "Your products" in body and "*Contoso Ltd*\\nYour role: Billing admin" in body
    assert "Subscription has a past due payment" in body and "12 days" in body
    assert "Expired 01/2025" in body
    assert "Expires 08/2027 (your card)" in body  # the actor owns the Visa


def test_chinese_home_has_chinese_text_and_amounts() -> None:
    cny = Balance(Money(Decimal("88.00"), "CNY"), ("inv_9",), dt.date(2026, 3, 1))
    sub = Subscription("sub_cn", OTHER_ACCOUNT.id, "Microsoft 365 商业版", None)
    groups = [
        group(Role.BILLING_ADMIN, two_lines()),
        group(Role.GLOBAL_ADMIN, (line(sub, cny, None),), (), OTHER_ACCOUNT),
    ]
    body = texts(home(groups, "zh-CN"))
    assert "你的产品" in body and "计费管理员" in body and "全局管理员" in body
    assert "US$1,234.50" in body and "¥88.00" in body and "14 天" in body
    assert "未绑定付款卡" in body
    assert "Fabrikam &lt;Inc&gt;" in body


@pytest.mark.parametrize("locale", LOCALES)
def test_empty_state_when_the_actor_administers_nothing(locale) -> None:
    payload = home([], locale)
    assert len(payload["blocks"]) == 2
    assert payload["blocks"][1]["text"]["text"] == tr(locale)("home.empty")


def test_an_account_without_subscriptions_says_so() -> None:
    body = texts(home([group(Role.BILLING_ADMIN, ())]))
    assert "No subscriptions on this account." in body


def test_many_products_are_truncated_under_100_blocks_with_a_count() -> None:
    lines = tuple(
        line(Subscription(f"sub_{n:03d}", ACCOUNT.id, f"Product {n:03d}", None), BALANCE, None)
        for n in range(150)
    )  # fmt: skip
    groups = [group(Role.BILLING_ADMIN, lines[:120]), group(Role.BILLING_ADMIN, lines[120:])]
    payload = home(groups)
    shown = [b for b in blocks_of(payload, "section") if "accessory" in b]
    assert len(payload["blocks"]) <= 100
    assert len(shown) == 100 - 5  # header, divider, account, cards line, closing context
    assert f"…and {150 - len(shown)} more subscriptions" in texts(payload)


def test_many_accounts_are_truncated_too() -> None:
    groups = [
        group(Role.BILLING_ADMIN, (line(SUBSCRIPTION, BALANCE),), (MASTERCARD,),
              Account(f"acc_{n}", f"Account {n}", "USD"))
        for n in range(40)
    ]  # fmt: skip
    payload = home(groups)
    assert len(payload["blocks"]) <= 100
    assert "more subscriptions" in texts(payload)
