"""Replies to ``/settle`` and direct messages: the past-due list, help, refusal, receipt."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, HeaderBlock

from domain.listing import ProductLine
from domain.model import Account
from domain.records import Outcome
from domain.settlement import SettlementResult
from handlers import ids
from handlers.blocks.common import (
    HEADER_MAX,
    Message,
    context,
    outcome_text,
    plain,
    sandbox_notes,
    section,
    settle_button,
)
from handlers.i18n import Translator, escape

MAX_ITEMS = 45  # header + 45 items + "N more" + the unreadable line stays within a message's 50 blocks
MAX_UNREADABLE_NAMED = 10


def past_due_list(
    items: list[tuple[Account, ProductLine]], tr: Translator, *, may_settle: dict[str, bool],
    unreadable: Sequence[Account] = (),
) -> Message:  # fmt: skip
    """One section per past-due subscription, with a "Settle balance" button where the actor
    may settle (``may_settle`` by account id; missing means no); then the accounts that could
    not be read now, named."""
    blocks: list[Block] = [HeaderBlock(text=plain(tr("command.header"), HEADER_MAX))]
    for account, line in items[:MAX_ITEMS]:
        blocks.append(_item(account, line, tr, may_settle.get(account.id, False)))
    if len(items) > MAX_ITEMS:
        blocks.append(context(tr("command.more", count=tr.number(len(items) - MAX_ITEMS))))
    blocks += _unreadable(unreadable, tr)
    return Message(tr("command.fallback", count=tr.number(len(items))), blocks)


def _unreadable(accounts: Sequence[Account], tr: Translator) -> list[Block]:
    if not accounts:
        return []
    names = ", ".join(escape(a.name) for a in accounts[:MAX_UNREADABLE_NAMED])
    if len(accounts) > MAX_UNREADABLE_NAMED:
        names += ", " + tr("card.more", count=tr.number(len(accounts) - MAX_UNREADABLE_NAMED))
    return [context(tr("command.unreadable", accounts=names))]


def _item(account: Account, line: ProductLine, tr: Translator, settler: bool) -> Block:
    product = line.subscription.product
    text = tr(
        "command.item", product=escape(product), account=escape(account.name),
        amount=tr.money(line.balance.amount), days=tr.days(line.days_past_due),
    )  # fmt: skip
    if not settler:
        return section(f"{text}\n_{tr('command.read_only')}_")
    button = settle_button(tr, line.subscription.id, product)
    return section(text, accessory=button, block_id=ids.settle_block(line.subscription.id))


def nothing_due(tr: Translator, unreadable: Sequence[Account] = ()) -> Message:
    text = tr("command.nothing_due")
    return Message(text, [section(text), *_unreadable(unreadable, tr)])


def help_message(tr: Translator) -> Message:
    """What ``/settle``, ``/settle <id or product>``, ``/settle help`` and the Home tab do."""
    keys = ("help.list", "help.one", "help.help", "help.home")
    lines = [f"• {escape(tr(key))}" for key in keys]  # "<subscription id>" is not a link
    return Message(
        tr("help.title"),
        [
            HeaderBlock(text=plain(tr("help.title"), HEADER_MAX)),
            section("\n".join(lines)),
            context(tr("help.roles")),
        ],
    )


def refusal(tr: Translator) -> Message:
    """For users with no role on any account; it says nothing about any account."""
    text = tr("no_role")
    return Message(text, [section(text)])


def receipt_message(result: SettlementResult, tr: Translator, *, sandbox: bool = False) -> Message:
    """The ephemeral or direct-message receipt after a settlement (its failure, otherwise);
    ``sandbox``: the gateway is a test processor, and the receipt says no real money moved."""
    if result.outcome is not Outcome.SUCCEEDED:
        return error_message(outcome_text(result, tr)[0])
    attempt = result.attempt
    card, product = escape(tr.card(result.card)), escape(result.subscription.product)
    amount = tr.money(attempt.amount)
    text = tr(
        "receipt.text", amount=amount, product=product, account=escape(result.account.name),
        card=card,
    )  # fmt: skip
    details = tr(
        "receipt.details", count=tr.number(len(attempt.invoice_ids)),
        reference=f"`{escape(attempt.gateway_reference or '-')}`",
    )  # fmt: skip
    return Message(
        tr("receipt.fallback", amount=amount, product=product),
        [
            section(text),
            context(details),
            context(tr("result.card_now_default", card=card, product=product)),
            *sandbox_notes(tr, sandbox, "sandbox.after"),
        ],
    )


def error_message(text: str) -> Message:
    """An already translated (mrkdwn-safe) error, e.g. from ``error_text``."""
    return Message(text, [section(text)])
