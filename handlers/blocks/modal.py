"""The settle modal and the views that follow it: processing, result, and plain notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    AlertBlock,
    Block,
    ButtonElement,
    InputBlock,
    SectionBlock,
)
from slack_sdk.models.views import View

from domain.model import Card
from domain.money import Money
from domain.records import Outcome
from domain.settlement import SettlementPlan, SettlementResult
from handlers import ids
from handlers.blocks.cards import card_block, expiry_inputs, may_edit, pay_with_input, shown_cards
from handlers.blocks.common import (
    BUTTON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    clip,
    context,
    field_text,
    mrkdwn,
    outcome_text,
    plain,
    sandbox_notes,
    section,
)
from handlers.i18n import Translator, escape
from handlers.metadata import ModalMeta


def settle_modal(
    plan: SettlementPlan, tr: Translator, *, actor: str, meta: ModalMeta,
    add_card_url: str | None, notice: str | None = None, notice_level: str = "error",
    today: dt.date | None = None, sandbox: bool = False,
) -> View:  # fmt: skip
    """The settle modal for ``actor``: balance notice, cards, and (for settlers) the inputs.

    ``notice`` (mrkdwn, e.g. a decline) is shown first at ``notice_level``. ``today`` sets
    the expiry-year range; when omitted it is taken from the plan's overdue date. A view
    without inputs (billing readers, nothing due) has no Save button, as Slack requires.
    ``sandbox``: the gateway is a test processor; a Save is then said to move no real money.
    """
    blocks: list[Block] = []
    if notice:
        blocks.append(
            AlertBlock(block_id=ids.NOTICE_BLOCK, text=mrkdwn(notice), level=notice_level)
        )
    blocks.append(_balance_alert(plan, tr))
    blocks.append(
        section(tr("modal.subject", product=escape(plan.subscription.product),
                   account=escape(plan.account.name)))
    )  # fmt: skip
    blocks += _card_blocks(plan, tr, actor, meta)
    blocks += _inputs(plan, tr, actor, meta, _today(plan, today))
    blocks += _footer(plan, tr, add_card_url)
    if plan.may_settle:
        blocks += sandbox_notes(tr, sandbox, "sandbox.before")
    has_inputs = any(isinstance(block, InputBlock) for block in blocks)
    return View(
        type="modal", callback_id=ids.SETTLE_MODAL, title=plain(tr("modal.title"), TITLE_MAX),
        submit=plain(tr("modal.submit"), TITLE_MAX) if has_inputs else None,
        close=plain(tr("modal.cancel"), TITLE_MAX), private_metadata=meta.dumps(), blocks=blocks,
    )  # fmt: skip


def _today(plan: SettlementPlan, today: dt.date | None) -> dt.date:
    if today is not None:
        return today
    if plan.balance.oldest_overdue is not None:
        return plan.balance.oldest_overdue + dt.timedelta(days=plan.days_past_due)
    return dt.date.today()  # no overdue date to derive it from: callers should pass ``today``


def _balance_alert(plan: SettlementPlan, tr: Translator) -> AlertBlock:
    amount = tr.money(plan.balance.amount)
    if plan.balance.is_past_due:
        text = tr("modal.past_due", amount=amount, days=tr.days(plan.days_past_due))
        return AlertBlock(text=mrkdwn(text), level="warning")
    if plan.balance.amount.is_positive():
        return AlertBlock(text=mrkdwn(tr("modal.balance_due", amount=amount)), level="info")
    return AlertBlock(text=mrkdwn(tr("modal.nothing_due")), level="success")


def _selected_card(plan: SettlementPlan, meta: ModalMeta) -> str | None:
    ids_ = {c.card.id for c in plan.cards}
    if meta.selected_card_id in ids_:
        return meta.selected_card_id
    return plan.default_card.card.id if plan.default_card else None


def _editing(plan: SettlementPlan, meta: ModalMeta, actor: str) -> Card | None:
    choice = next((c for c in plan.cards if c.card.id == meta.editing_card_id), None)
    return choice.card if choice and may_edit(choice, plan, actor) else None


def _card_blocks(plan: SettlementPlan, tr: Translator, actor: str, meta: ModalMeta) -> list[Block]:
    if not plan.cards:
        return [section(tr("modal.no_cards"))]
    selected = _selected_card(plan, meta)
    cards = shown_cards(plan, (selected, meta.editing_card_id))
    blocks: list[Block] = [section(tr("modal.cards_heading"))]
    blocks += [card_block(c, plan, tr, actor=actor, selected=selected) for c in cards]
    if len(plan.cards) > len(cards):
        more = tr.number(len(plan.cards) - len(cards))
        blocks.append(context(tr("modal.more_cards", count=more)))
    return blocks


def _inputs(
    plan: SettlementPlan, tr: Translator, actor: str, meta: ModalMeta, today: dt.date
) -> list[Block]:
    blocks: list[Block] = []
    if plan.may_settle and plan.cards:
        selected = _selected_card(plan, meta)
        cards = shown_cards(plan, (selected, meta.editing_card_id))
        blocks.append(pay_with_input(cards, tr, selected=selected))
    editing = _editing(plan, meta, actor)
    if editing is not None:
        blocks += expiry_inputs(editing, tr, today)
    return blocks


def _footer(plan: SettlementPlan, tr: Translator, add_card_url: str | None) -> list[Block]:
    if not plan.role.may_settle:
        return [AlertBlock(text=mrkdwn(tr("modal.reader_only")), level="info")]
    blocks: list[Block] = []
    if add_card_url:
        button = ButtonElement(
            text=plain(tr("modal.add_card"), BUTTON_MAX), action_id=ids.ADD_CARD, url=add_card_url
        )
        blocks.append(ActionsBlock(elements=[button], block_id=ids.ADD_CARD_BLOCK))
    if plan.may_settle:
        blocks.append(context(tr("modal.future_charges")))
    return blocks


def loading_modal(tr: Translator | None) -> View:
    """Opened at once on a click (a trigger id lives 3 seconds), then replaced by the form.
    Without a translator (the person's language not known yet) it shows no words but the app's
    name, and Slack labels the close button in the person's own language."""
    if tr is None:
        return View(type="modal", callback_id=ids.LOADING_MODAL, title=plain("settlebot", TITLE_MAX),
                    blocks=[context(":hourglass_flowing_sand:")])  # fmt: skip
    return View(
        type="modal", callback_id=ids.LOADING_MODAL, title=plain(tr("modal.title"), TITLE_MAX),
        close=plain(tr("modal.close"), TITLE_MAX), blocks=[context(tr("loading.text"))],
    )  # fmt: skip


def processing_modal(
    tr: Translator, *, amount: Money | None, card_label: str | None, meta: ModalMeta, sandbox: bool = False
) -> dict[str, Any]:
    """Shown while the gateway answers ("Charging Visa •••• 4242 for $129.99…"); no Save.

    Built in the ack from what the submitted modal showed, so it needs no database; and as a
    plain dict, because slack_sdk's models (their validation on ``to_dict``) cost a third of a
    Save's ack. The tests parse it with the models like every other view."""
    if amount is not None and card_label:
        text = tr("processing.text", card=escape(card_label), amount=tr.money(amount))
    else:
        text = tr("processing.title")
    notes = [{"type": "context", "elements": [_mrkdwn(tr("sandbox.before"))]}] if sandbox else []
    return {
        "type": "modal", "callback_id": ids.PROCESSING_MODAL,
        "title": _plain(tr("processing.title"), TITLE_MAX), "close": _plain(tr("modal.close"), TITLE_MAX),
        "private_metadata": meta.dumps(),
        "blocks": [{"type": "section", "text": _mrkdwn(text)},
                   {"type": "context", "elements": [_mrkdwn(tr("processing.wait"))]}, *notes],
    }  # fmt: skip


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, TEXT_MAX)}


def result_modal(result: SettlementResult, tr: Translator, *, sandbox: bool = False) -> View:
    """The outcome: paid (amount, card, invoices, reference, the card now on the subscription,
    and with a test processor that no real money moved), or why not (decline, expired card,
    still pending)."""
    paid = result.outcome is Outcome.SUCCEEDED
    blocks = [*_paid_blocks(result, tr), *sandbox_notes(tr, sandbox, "sandbox.after")] if paid else [
        _failure_alert(result, tr)
    ]
    title = tr("result.title") if paid else tr("result.failed_title")
    return View(
        type="modal", callback_id=ids.RESULT_MODAL, title=plain(title, TITLE_MAX),
        close=plain(tr("modal.done"), TITLE_MAX), blocks=blocks,
    )  # fmt: skip


def _paid_blocks(result: SettlementResult, tr: Translator) -> list[Block]:
    attempt, card = result.attempt, escape(tr.card(result.card))
    amount = tr.money(attempt.amount)
    product = escape(result.subscription.product)
    return [
        AlertBlock(text=mrkdwn(tr("result.paid", amount=amount, card=card)), level="success"),
        SectionBlock(
            fields=[
                field_text(tr("field.product"), product),
                field_text(tr("field.account"), escape(result.account.name)),
                field_text(tr("field.amount_paid"), amount),
                field_text(tr("field.payment_method"), card),
                field_text(tr("field.invoices_paid"), tr.number(len(attempt.invoice_ids))),
                field_text(tr("field.reference"), f"`{escape(attempt.gateway_reference or '-')}`"),
            ]
        ),
        context(tr("result.card_now_default", card=card, product=product)),
    ]


def _failure_alert(result: SettlementResult, tr: Translator) -> AlertBlock:
    text, level = outcome_text(result, tr)
    return AlertBlock(text=mrkdwn(text), level=level)


def message_modal(tr: Translator, *, title: str, text: str, level: str = "info") -> View:
    """A notice or error in a modal (``text`` is mrkdwn, e.g. from ``error_text``)."""
    return View(
        type="modal", title=plain(title, TITLE_MAX), close=plain(tr("modal.close"), TITLE_MAX),
        blocks=[AlertBlock(text=mrkdwn(text), level=level)],
    )  # fmt: skip
