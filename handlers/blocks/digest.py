"""The digest: one message for a channel that many alerts reached in one scan."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock

from domain.alert_views import AlertView, DigestView
from handlers import ids
from handlers.blocks.common import HEADER_MAX, Message, context, plain, section, settle_button
from handlers.i18n import Translator, escape


def digest_message(digest: DigestView, tr: Translator) -> Message:
    """Header with the count; the largest balances, each with its "Settle balance" button;
    how many more there are, and where to see them all (``/settle`` or the Home tab).

    Reminders for every alert in the digest follow in its thread.
    """
    blocks: list[Block] = [HeaderBlock(text=plain(tr("digest.header", count=tr.number(digest.total)), HEADER_MAX))]
    blocks.extend(_item(view, tr) for view in digest.top)
    if digest.rest > 0:
        blocks.append(context(tr("digest.more", count=tr.number(digest.rest))))
    blocks.append(context(tr("digest.see_all")))
    return Message(_fallback(digest, tr), blocks)


def _item(view: AlertView, tr: Translator) -> Block:
    text = tr(
        "digest.item", product=escape(view.product), account=escape(view.account.name),
        amount=tr.money(view.amount), days=tr.days(view.days_past_due),
    )  # fmt: skip
    button = settle_button(tr, view.subscription_id, view.product)
    return section(text, accessory=button, block_id=ids.settle_block(view.subscription_id))


def _fallback(digest: DigestView, tr: Translator) -> str:
    if not digest.top:
        return tr("digest.fallback_short", count=tr.number(digest.total))
    largest = digest.top[0]
    return tr(
        "digest.fallback", count=tr.number(digest.total), product=escape(largest.product),
        amount=tr.money(largest.amount),
    )  # fmt: skip
