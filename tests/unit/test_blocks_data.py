"""Realistic domain objects and payload checks shared by the Block Kit builder tests."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from domain.alerts import AlertView, Settled
from domain.listing import AccountProducts, ProductLine
from domain.model import Account, Balance, Card, Role, Subscription, SubscriptionStatus
from domain.money import Money
from domain.records import Outcome, SettlementAttempt
from domain.settlement import CardChoice, SettlementPlan, SettlementResult, options_for
from handlers.blocks import Message
from handlers.i18n import Translator

TODAY = dt.date(2026, 3, 15)
NOW = dt.datetime(2026, 3, 15, 14, 30, tzinfo=dt.UTC)
OWNER = "U0OWNER01"  # owns the Visa, the subscription's card
OTHER = "U0OTHER02"  # owns the expired Mastercard
READER = "U0READER3"
LOCALES = ("en", "zh-CN")

ACCOUNT = Account("acc_contoso", "Contoso Ltd", "USD", "C0BILLING", "en")
VISA = Card("card_visa", ACCOUNT.id, "visa", "4242", 8, 2027, OWNER, "tok_visa_SECRET1")
MASTERCARD = Card("card_mc", ACCOUNT.id, "mastercard", "5555", 1, 2025, OTHER, "tok_mc_SECRET2")
SUBSCRIPTION = Subscription(
    "sub_m365", ACCOUNT.id, "Microsoft 365 Business Premium", VISA.id, SubscriptionStatus.PAST_DUE
)
AMOUNT = Money(Decimal("1234.50"), "USD")
BALANCE = Balance(AMOUNT, ("inv_1", "inv_2"), dt.date(2026, 3, 3))


def tr(locale: str) -> Translator:
    """A strict translator: a key missing from the locale's own catalog fails the test."""
    return Translator(locale, strict=True)


def card(n: int, *, owner: str = OTHER, expired: bool = False) -> Card:
    year = 2024 if expired else 2028
    return Card(f"card_{n:03d}", ACCOUNT.id, "visa", f"{n % 10000:04d}", 5, year, owner, f"tok_{n}")


def plan(
    actor: str, role: Role = Role.BILLING_ADMIN, *, cards: tuple[Card, ...] = (VISA, MASTERCARD),
    balance: Balance = BALANCE, subscription: Subscription = SUBSCRIPTION,
) -> SettlementPlan:  # fmt: skip
    choices = tuple(
        CardChoice(c, c.id == subscription.payment_method_id, c.owner_slack_user_id == actor,
                   c.is_expired(TODAY))
        for c in sorted(cards, key=lambda c: c.id)
    )  # fmt: skip
    owner = next(
        (c.owner_slack_user_id for c in cards if c.id == subscription.payment_method_id), None
    )
    days = balance.days_past_due(TODAY)
    return SettlementPlan(
        subscription, ACCOUNT, role, balance, days, choices, options_for(role, owner, actor)
    )


def alert_view(*, settled: Settled | None = None, card_: Card | None = VISA) -> AlertView:
    expired = bool(card_ and card_.is_expired(TODAY))
    return AlertView(
        "alert_1", SUBSCRIPTION.id, SUBSCRIPTION.product, ACCOUNT, AMOUNT, 12, card_, expired,
        settled, TODAY,
    )  # fmt: skip


SETTLED = Settled(OWNER, AMOUNT, "visa", "4242", NOW)


def result(outcome: Outcome = Outcome.SUCCEEDED, decline: str | None = None) -> SettlementResult:
    attempt = SettlementAttempt(
        "att_1", SUBSCRIPTION.id, ACCOUNT.id, VISA.id, OWNER, AMOUNT, BALANCE.invoice_ids,
        "settle:sub_m365:abc:1", outcome, NOW, NOW, "ch_sandbox_123", decline,
    )  # fmt: skip
    return SettlementResult(attempt, VISA, SUBSCRIPTION, ACCOUNT)


def line(sub: Subscription, balance: Balance, card_: Card | None = VISA) -> ProductLine:
    return ProductLine(sub, balance, card_, balance.days_past_due(TODAY))


def group(role: Role, lines: tuple[ProductLine, ...], cards: tuple[Card, ...] = (VISA, MASTERCARD),
          account: Account = ACCOUNT) -> AccountProducts:  # fmt: skip
    return AccountProducts(account, role, lines, cards)


PAID_UP = Balance(Money.zero("USD"), (), None)


# --- payload checks --------------------------------------------------------------------------


def message_payload(message: Message) -> dict[str, Any]:
    """Validate a message the way Slack would see it, and return its payload."""
    payload = message.to_dict()
    assert message.text.strip()
    assert 0 < len(payload["blocks"]) <= 50
    for raw in payload["blocks"]:
        parsed = Block.parse(raw)
        assert parsed is not None
        assert parsed.to_dict() == raw  # nothing is lost or invented on re-parsing
    assert_no_secrets(payload)
    return payload


def view_payload(view: View | dict[str, Any]) -> dict[str, Any]:
    """Validate a modal or Home view (``to_dict`` runs slack_sdk's checks) and re-parse it; one
    built as a plain dict (the ack's processing view) must parse into the very same view."""
    payload = view.to_dict() if isinstance(view, View) else view
    assert View(**payload).to_dict() == payload
    assert 0 < len(payload["blocks"]) <= 100
    for raw in payload["blocks"]:
        assert Block.parse(raw) is not None
    if not any(b["type"] == "input" for b in payload["blocks"]):
        assert "submit" not in payload  # Slack refuses a submit button without inputs
    assert_no_secrets(payload)
    return payload


def assert_no_secrets(payload: dict[str, Any]) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    assert "tok_" not in text
    assert "SECRET" not in text


def texts(payload: dict[str, Any]) -> str:
    """Every piece of text in a payload, for "does it say..." assertions."""
    return json.dumps(payload, ensure_ascii=False)


def blocks_of(payload: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in payload["blocks"] if b["type"] == kind]


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button in a payload: in actions, card actions and section accessories."""
    found = []
    for block in payload["blocks"]:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        found += [e for e in block.get("actions", []) if e.get("type") == "button"]
        if (block.get("accessory") or {}).get("type") == "button":
            found.append(block["accessory"])
    return found
