"""Small pieces shared by the builders: the Message type, text objects, limits, card lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from domain.model import Card
from domain.records import Outcome
from domain.settlement import SettlementResult
from handlers import ids
from handlers.i18n import Translator, decline_text, escape

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
HEADER_MAX = 150
BUTTON_MAX = 75
OPTION_MAX = 75
TITLE_MAX = 24
FIELD_MAX = 2000
TEXT_MAX = 3000


@dataclass(frozen=True, slots=True)
class Message:
    """A message payload: ``text`` is the notification and screen-reader fallback."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Keyword arguments for ``client.chat_postMessage(**message.to_dict())``."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int = TEXT_MAX) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit), emoji=True)


def mrkdwn(text: str, limit: int = TEXT_MAX) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, limit))


def field_text(label: str, value: str) -> MarkdownTextObject:
    """A section field: bold label, value on the next line (the value is already mrkdwn-safe)."""
    return mrkdwn(f"*{label}*\n{value}", FIELD_MAX)


def section(text: str, *, accessory: ButtonElement | None = None, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text), accessory=accessory, block_id=block_id)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(text)])


def sandbox_notes(tr: Translator, sandbox: bool, key: str) -> list[Block]:
    """The line saying no real money moves (``sandbox.before``) or moved (``sandbox.after``),
    when the gateway in use is a test processor; nothing otherwise."""
    return [context(tr(key))] if sandbox else []


def settle_button(tr: Translator, subscription_id: str, product: str) -> ButtonElement:
    """The primary "Settle balance" button; its value carries only the subscription id."""
    return ButtonElement(
        text=plain(tr("action.settle"), BUTTON_MAX),
        action_id=ids.SETTLE_OPEN,
        value=subscription_id,
        style="primary",
        accessibility_label=clip(tr("action.settle_for", product=product), BUTTON_MAX),
    )


def card_state(card: Card, tr: Translator, expired: bool) -> str:
    """``Expires 08/2027``, or a flagged ``:warning: *Expired 03/2024*`` (mrkdwn)."""
    if expired:
        return f":warning: *{tr('card.expired', expiry=tr.expiry(card))}*"
    return tr("card.expires", expiry=tr.expiry(card))


def card_line(card: Card, tr: Translator, expired: bool) -> str:
    """``Visa •••• 4242 · Expires 08/2027`` (mrkdwn): brand, last 4 and expiry, nothing else."""
    return f"{escape(tr.card(card))} · {card_state(card, tr, expired)}"


def slack_date(moment: dt.datetime, tr: Translator) -> str:
    """A ``<!date>`` token Slack shows in each reader's time zone, with a UTC fallback."""
    utc = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    fallback = tr.datetime(utc).replace("|", " ").replace(">", " ")
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def outcome_text(result: SettlementResult, tr: Translator) -> tuple[str, str]:
    """What a settlement's outcome means for the user, and the alert level to show it at."""
    attempt = result.attempt
    if attempt.outcome is Outcome.SUCCEEDED:
        card = escape(tr.card(result.card))
        return tr("result.paid", amount=tr.money(attempt.amount), card=card), "success"
    if attempt.outcome is Outcome.PENDING:
        return tr("result.pending"), "info"
    if attempt.outcome is Outcome.REFUSED:
        return tr("card_expired", last4=result.card.last4), "error"
    if attempt.outcome is Outcome.SUPERSEDED:
        product = escape(result.subscription.product)
        return tr("result.superseded", amount=tr.money(attempt.amount), product=product), "warning"
    if attempt.outcome is Outcome.FAILED:
        return decline_text(attempt.decline_code or "processing_error", tr), "error"
    if attempt.outcome is Outcome.PARTIAL:
        return _partial_text(result, tr), "warning"
    if attempt.outcome is Outcome.ACTION_REQUIRED:
        return action_text(attempt.action_url, tr), "warning"
    return decline_text(attempt.decline_code, tr), "error"


def _partial_text(result: SettlementResult, tr: Translator) -> str:
    """Some invoices paid: how much, to which card, what is still owed and why the rest was not paid."""
    attempt = result.attempt
    reason = decline_text(attempt.decline_code, tr)
    if attempt.decline_code == "authentication_required":
        reason = f"{reason} {finish_text(attempt.action_url, tr)}"
    return tr("result.partial", paid=tr.money(attempt.paid_amount()), amount=tr.money(attempt.amount),
              card=escape(tr.card(result.card)), owed=tr.money(attempt.unpaid_amount()), reason=reason)  # fmt: skip


def action_text(url: str | None, tr: Translator) -> str:
    """Nothing paid: the bank wants the cardholder to confirm (3-D Secure), and where to finish it."""
    return tr("result.action_required", reason=decline_text("authentication_required", tr), finish=finish_text(url, tr))


def finish_text(url: str | None, tr: Translator) -> str:
    """The link to the invoice's page where the cardholder finishes the payment (an http(s) address that
    cannot break out of the link), or where else to finish it."""
    if not url or not url.startswith(("https://", "http://")) or any(c in url for c in "<>| \n"):
        return tr("result.finish_by_email")
    return tr("result.finish_link", url=url)
