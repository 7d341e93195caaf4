"""The Home tab: "Your products", per account the actor administers."""

from __future__ import annotations

import datetime as dt

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock, SectionBlock
from slack_sdk.models.views import View

from domain.listing import AccountProducts, ProductLine
from domain.model import Card
from handlers import ids
from handlers.blocks.common import (
    HEADER_MAX,
    VIEW_MAX_BLOCKS,
    card_line,
    context,
    field_text,
    mrkdwn,
    plain,
    section,
    settle_button,
)
from handlers.i18n import Translator, escape

MAX_CARDS_LISTED = 10  # per account, in its "Cards on file" line
_RESERVED = 1  # the closing context line (as-of date and "N more")


def home_view(groups: list[AccountProducts], tr: Translator, *, actor: str, today: dt.date) -> View:
    """Every account with the actor's role, its subscriptions (a "Settle balance" button on
    past-due ones for settlers) and its cards; truncated to Slack's 100 blocks with "N more"."""
    blocks: list[Block] = [HeaderBlock(text=plain(tr("home.header"), HEADER_MAX))]
    if not groups:
        blocks.append(section(tr("home.empty")))
        return View(type="home", blocks=blocks)
    hidden = 0
    for group in groups:
        room = VIEW_MAX_BLOCKS - _RESERVED - len(blocks)
        head = _account_head(group, tr, actor, today)
        if group.unreadable:
            head = [*head[:-1], context(tr("home.unreadable"))]  # no cards line: they were not read
        if room < len(head) + 1:  # the head and at least one product (or "no subscriptions")
            hidden += len(group.products)
            continue
        lines: list[Block] = [] if group.unreadable else [context(tr("home.no_subscriptions"))]
        if group.products:
            lines = [_product(p, group, tr, today) for p in group.products[: room - len(head)]]
        blocks += head[:-1] + lines + head[-1:]
        hidden += max(0, len(group.products) - (room - len(head)))
    footer = [tr("home.updated", date=tr.date(today))]
    if hidden:
        footer.append(tr("home.more", count=tr.number(hidden)))
    blocks.append(context("  ·  ".join(footer)))
    return View(type="home", blocks=blocks)


def _account_head(
    group: AccountProducts, tr: Translator, actor: str, today: dt.date
) -> list[Block]:
    """Divider, account and role, then (last) the cards-on-file line; products go between."""
    title = tr("home.account", account=escape(group.account.name), role=tr.role(group.role))
    return [DividerBlock(), section(title), context(_cards_line(group.cards, tr, actor, today))]


def _cards_line(cards: tuple[Card, ...], tr: Translator, actor: str, today: dt.date) -> str:
    if not cards:
        return tr("home.cards", cards=tr("card.none"))
    ordered = sorted(cards, key=lambda c: (c.owner_slack_user_id != actor, c.id))
    parts = [_card_part(card, tr, actor, today) for card in ordered[:MAX_CARDS_LISTED]]
    if len(ordered) > MAX_CARDS_LISTED:
        parts.append(tr("card.more", count=tr.number(len(ordered) - MAX_CARDS_LISTED)))
    return tr("home.cards", cards="  ·  ".join(parts))


def _card_part(card: Card, tr: Translator, actor: str, today: dt.date) -> str:
    text = card_line(card, tr, card.is_expired(today))
    return tr("card.yours", card=text) if card.owner_slack_user_id == actor else text


def _product(
    line: ProductLine, group: AccountProducts, tr: Translator, today: dt.date
) -> SectionBlock:
    sub = line.subscription
    past_due = line.balance.is_past_due
    status = f":warning: {tr('status.past_due')}" if past_due else tr("status.active")
    fields = [field_text(tr("field.balance"), tr.money(line.balance.amount))]
    if past_due:
        fields.append(field_text(tr("field.days_past_due"), tr.days(line.days_past_due)))
    card = line.card
    payment = tr("card.none") if card is None else card_line(card, tr, card.is_expired(today))
    fields.append(field_text(tr("field.payment_method"), payment))
    button = settle_button(tr, sub.id, sub.product) if past_due and group.role.may_settle else None
    return SectionBlock(
        text=mrkdwn(tr("home.product", product=escape(sub.product), status=status)),
        fields=fields, accessory=button, block_id=ids.settle_block(sub.id) if button else None,
    )  # fmt: skip
