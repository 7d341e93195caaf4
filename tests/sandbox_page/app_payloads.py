"""Every Block Kit payload settlebot's builders can produce, for every surface and variant."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.views import View

from domain.model import Account, Role, Subscription
from domain.records import Outcome
from handlers.blocks import (
    error_message,
    help_message,
    home_view,
    loading_modal,
    message_modal,
    nothing_due,
    past_due_list,
    processing_modal,
    receipt_message,
    refusal,
    reminder_message,
    result_modal,
    settle_modal,
)
from handlers.blocks.alert import alert_message
from handlers.metadata import ModalMeta
from tests.unit.test_blocks_data import (
    ACCOUNT,
    AMOUNT,
    BALANCE,
    LOCALES,
    MASTERCARD,
    OTHER,
    OWNER,
    PAID_UP,
    READER,
    SETTLED,
    SUBSCRIPTION,
    TODAY,
    VISA,
    alert_view,
    card,
    group,
    line,
    plan,
    result,
    tr,
)

URL = "https://settlebot.example/cards/new?t=nonce123"
META = ModalMeta(SUBSCRIPTION.id, None, None, "C0BILLING")
COVERED = {
    "alert_message", "reminder_message", "settle_modal", "loading_modal", "processing_modal", "result_modal",
    "message_modal", "home_view", "past_due_list", "nothing_due", "help_message", "refusal",
    "receipt_message", "error_message",
}  # fmt: skip
"""The builders this module calls; a new builder in handlers.blocks must be added here."""

Payload = tuple[str, dict[str, Any]]


def _message(message: Any) -> dict[str, Any]:
    return message.to_dict()


def _view(view: Any) -> dict[str, Any]:
    """A view's payload, validated by slack_sdk's models (a plain dict is parsed by them first)."""
    return view.to_dict() if isinstance(view, View) else View(**view).to_dict()


def alerts(locale: str) -> Iterator[Payload]:
    t = tr(locale)
    yield "alert open", _message(alert_message(alert_view(), t))
    yield "alert expired card", _message(alert_message(alert_view(card_=MASTERCARD), t))
    yield "alert no card", _message(alert_message(alert_view(card_=None), t))
    yield "alert settled", _message(alert_message(alert_view(settled=SETTLED), t))
    yield "reminder owner", _message(reminder_message(alert_view(), 3, OWNER, t))
    yield "reminder no owner", _message(reminder_message(alert_view(card_=None), 7, None, t))
    yield "reminder settled", _message(reminder_message(alert_view(settled=SETTLED), 14, OWNER, t))
    late = dataclasses.replace(alert_view(), days_past_due=0)
    yield "reminder late stage", _message(reminder_message(late, 1, OWNER, t))


def modals(locale: str) -> Iterator[Payload]:
    t = tr(locale)
    for role in Role:
        for actor in (OWNER, OTHER, READER):
            yield f"settle {role} {actor}", _view(settle_modal(plan(actor, role), t, actor=actor, meta=META,
                                                             add_card_url=URL, today=TODAY))  # fmt: skip
    editing = dataclasses.replace(META, editing_card_id=MASTERCARD.id, selected_card_id=VISA.id)
    yield "settle editing expiry", _view(settle_modal(plan(OTHER), t, actor=OTHER, meta=editing,
                                                      add_card_url=URL, today=TODAY))  # fmt: skip
    for level in ("error", "warning", "info", "success"):
        yield f"settle notice {level}", _view(settle_modal(plan(OWNER), t, actor=OWNER, meta=META, add_card_url=None,
                                                           notice="*Declined.* Try `another` card", notice_level=level,
                                                           today=TODAY))  # fmt: skip
    many = tuple(card(n, expired=n % 5 == 0) for n in range(1, 26))
    yield "settle 25 cards", _view(settle_modal(plan(OWNER, cards=many), t, actor=OWNER, meta=META,
                                                add_card_url=URL, today=TODAY))  # fmt: skip
    yield "settle no cards", _view(settle_modal(plan(OWNER, cards=()), t, actor=OWNER, meta=META,
                                                add_card_url=URL, today=TODAY))  # fmt: skip
    yield "settle paid up", _view(settle_modal(plan(OWNER, balance=PAID_UP), t, actor=OWNER, meta=META,
                                               add_card_url=URL, today=TODAY))  # fmt: skip
    yield "settle no date", _view(settle_modal(plan(OWNER), t, actor=OWNER, meta=META, add_card_url=URL))
    yield "loading", _view(loading_modal(t))
    yield "loading, language not known yet", _view(loading_modal(None))
    yield "processing", _view(processing_modal(t, amount=AMOUNT, card_label=t.card(VISA), meta=META))
    yield "processing, no amount", _view(processing_modal(t, amount=None, card_label=None, meta=META))
    for outcome, decline in ((Outcome.SUCCEEDED, None), (Outcome.DECLINED, "insufficient_funds"),
                             (Outcome.DECLINED, None), (Outcome.FAILED, None), (Outcome.REFUSED, None),
                             (Outcome.PENDING, None)):  # fmt: skip
        yield f"result {outcome} {decline}", _view(result_modal(result(outcome, decline), t))
    for level in ("info", "warning", "error", "success"):
        notice = message_modal(t, title=t("modal.title"), text="*Nope* <@U0OWNER01>", level=level)
        yield f"notice {level}", _view(notice)


def homes(locale: str) -> Iterator[Payload]:
    t = tr(locale)
    teams = Subscription("sub_teams", ACCOUNT.id, "Teams <Essentials> & more", VISA.id)
    lines = (line(SUBSCRIPTION, BALANCE), line(teams, PAID_UP), line(teams, BALANCE, None))
    other = Account("acc_fabrikam", "Fabrikam <Inc>", "CNY", None, "zh-CN")
    yield "home empty", _view(home_view([], t, actor=OWNER, today=TODAY))
    for role in Role:
        yield f"home {role}", _view(home_view([group(role, lines)], t, actor=OWNER, today=TODAY))
    yield "home no subscriptions", _view(home_view([group(Role.GLOBAL_ADMIN, (), (), other)], t, actor=OWNER,
                                                   today=TODAY))  # fmt: skip
    crowded = [group(Role.BILLING_ADMIN, lines * 12, tuple(card(n) for n in range(15)))] * 4
    yield "home truncated", _view(home_view(crowded, t, actor=OWNER, today=TODAY))


def commands(locale: str) -> Iterator[Payload]:
    t = tr(locale)
    readonly = Account("acc_readonly", "Northwind", "USD")

    def items(n: int, account: Account = ACCOUNT) -> list[Any]:
        subs = [Subscription(f"sub_{i:03d}", account.id, f"Product {i:03d}", None) for i in range(n)]
        return [(account, line(sub, BALANCE)) for sub in subs]

    mixed = items(2) + items(2, readonly)
    yield "list", _message(past_due_list(mixed, t, may_settle={ACCOUNT.id: True}))
    yield "list long", _message(past_due_list(items(60), t, may_settle={ACCOUNT.id: True}))
    yield "nothing due", _message(nothing_due(t))
    yield "help", _message(help_message(t))
    yield "refusal", _message(refusal(t))
    yield "receipt", _message(receipt_message(result(), t))
    yield "receipt declined", _message(receipt_message(result(Outcome.DECLINED, "generic_decline"), t))
    yield "error", _message(error_message("Something <went> wrong"))


def every_payload() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(locale, variant, payload) for every surface; messages and views alike have ``blocks``."""
    for locale in LOCALES:
        for make in (alerts, modals, homes, commands):
            for name, payload in make(locale):
                yield locale, name, payload
