"""The channel alert for a past-due subscription, and its reminder replies."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from domain.alert_views import BillingNote, Closed
from domain.alerts import AlertView, Settled
from domain.billing_alerts import STATUSES_SHOWN
from domain.records import ClosedReason
from handlers import ids
from handlers.blocks.common import (
    HEADER_MAX,
    Message,
    card_line,
    context,
    field_text,
    plain,
    sandbox_notes,
    section,
    settle_button,
    slack_date,
)
from handlers.i18n import Translator, escape, mention

CLOSED_REASONS = frozenset(r.value for r in ClosedReason)


def alert_message(view: AlertView, tr: Translator, *, sandbox: bool = False) -> Message:
    """The alert posted (and later updated) in the account's channel.

    Open: header, account / amount / days / card fields, a warning when the card has
    expired, and a primary "Settle balance" button. Settled: who, how much, which card
    and when, no button, and (``sandbox``: the gateway is a test processor) that no real
    money moved.
    """
    if view.settled is not None:
        settled = _settled_message(view, view.settled, tr)
        return Message(settled.text, [*settled.blocks, *sandbox_notes(tr, sandbox, "sandbox.after")])
    if view.closed is not None:
        return _closed_message(view, view.closed, tr)
    blocks: list[Block] = [
        HeaderBlock(text=plain(tr("alert.header", product=view.product), HEADER_MAX)),
        SectionBlock(fields=_fields(view, tr)),
    ]
    if view.billing is not None and (notes := billing_lines(view.billing, tr)):
        blocks.append(context(" · ".join(notes)))
    if view.card is None:
        blocks.append(context(tr("alert.no_card")))
    elif view.card_expired:
        blocks.append(context(tr("alert.card_expired", expiry=tr.expiry(view.card))))
    button = settle_button(tr, view.subscription_id, view.product)
    blocks.append(ActionsBlock(elements=[button], block_id=ids.settle_block(view.subscription_id)))
    return Message(_fallback(view, tr), blocks)


def _fields(view: AlertView, tr: Translator) -> list[MarkdownTextObject]:
    card = tr("card.none") if view.card is None else card_line(view.card, tr, view.card_expired)
    return [
        field_text(tr("field.account"), escape(view.account.name)),
        field_text(tr("field.amount_due"), tr.money(view.amount)),
        field_text(tr("field.days_past_due"), tr.days(view.days_past_due)),
        field_text(tr("field.payment_method"), card),
    ]


def billing_lines(note: BillingNote, tr: Translator) -> list[str]:
    """Stripe's automatic attempts and next retry, and the subscription's status when it is not
    simply active (mrkdwn, in ``tr``'s language)."""
    lines = []
    if note.attempt_count:
        count = tr.number(note.attempt_count)
        if note.next_attempt is not None:
            lines.append(tr("alert.attempts", count=count, when=slack_date(note.next_attempt, tr)))
        else:
            lines.append(tr("alert.attempts_no_retry", count=count))
    if note.status in STATUSES_SHOWN:
        lines.append(tr("alert.billing_status", status=tr(f"billing_status.{note.status}")))
    return lines


def _closed_message(view: AlertView, closed: Closed, tr: Translator) -> Message:
    """Ended in the billing system: why and when, no button."""
    reason = closed.reason if closed.reason in CLOSED_REASONS else ClosedReason.PAID_IN_STRIPE.value
    text = tr(f"alert.closed.{reason}", when=slack_date(closed.at, tr))
    header = tr("alert.closed_header" if reason in ("voided", "uncollectible") else "alert.paid_header",
                product=view.product)  # fmt: skip
    blocks: list[Block] = [
        HeaderBlock(text=plain(header, HEADER_MAX)),
        section(text),
        SectionBlock(fields=[field_text(tr("field.account"), escape(view.account.name))]),
    ]
    fallback = tr("alert.closed_fallback", product=escape(view.product), account=escape(view.account.name),
                  reason=tr(f"alert.closed.{reason}", when=tr.datetime(closed.at)))  # fmt: skip
    return Message(fallback, blocks)


def _fallback(view: AlertView, tr: Translator) -> str:
    return tr(
        "alert.fallback", product=escape(view.product), account=escape(view.account.name),
        days=tr.days(view.days_past_due), amount=tr.money(view.amount),
    )  # fmt: skip


def _settled_message(view: AlertView, settled: Settled, tr: Translator) -> Message:
    text = tr(
        "alert.settled", actor=mention(settled.actor), amount=tr.money(settled.amount),
        card=escape(tr.card_label(settled.card_brand, settled.card_last4)),
        when=slack_date(settled.at, tr),
    )  # fmt: skip
    blocks: list[Block] = [
        HeaderBlock(text=plain(tr("alert.settled_header", product=view.product), HEADER_MAX)),
        section(text),
        SectionBlock(
            fields=[
                field_text(tr("field.account"), escape(view.account.name)),
                field_text(tr("field.amount_paid"), tr.money(settled.amount)),
            ]
        ),
    ]
    fallback = tr(
        "alert.settled_fallback", product=escape(view.product), account=escape(view.account.name),
        amount=tr.money(settled.amount),
    )  # fmt: skip
    return Message(fallback, blocks)


def reminder_message(view: AlertView, stage: int, owner: str | None, tr: Translator) -> Message:
    """A thread reply at a reminder stage, mentioning the card's owner, with the button.

    ``stage`` is the days-past-due stage that triggered the reminder; it is shown when
    the view itself has no overdue days (e.g. delivered after a late scan). A reminder
    delivered after the balance was settled says so and has no button.
    """
    if view.settled is not None:
        return Message(tr("reminder.settled"), [section(tr("reminder.settled"))])
    days = tr.days(view.days_past_due or stage)
    params = {
        "product": escape(view.product), "account": escape(view.account.name),
        "days": days, "amount": tr.money(view.amount),
    }  # fmt: skip
    text = tr("reminder.text", owner=mention(owner), **params) if owner else tr("reminder.text_no_owner", **params)
    fallback = tr(
        "reminder.fallback", product=params["product"], days=days, amount=params["amount"]
    )
    button = settle_button(tr, view.subscription_id, view.product)
    return Message(fallback, [section(text, accessory=button, block_id=ids.settle_block(view.subscription_id))])
