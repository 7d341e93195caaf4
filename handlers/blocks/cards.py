"""Card pieces of the settle modal: card blocks, the pay-with input, the expiry inputs."""

from __future__ import annotations

import datetime as dt

from slack_sdk.models.blocks import (
    ButtonElement,
    CardBlock,
    InputBlock,
    Option,
    RadioButtonsElement,
    StaticSelectElement,
)

from domain.model import NO_OWNER, Card
from domain.settlement import CardChoice, SettlementPlan
from handlers import ids
from handlers.blocks.common import BUTTON_MAX, OPTION_MAX, card_state, mrkdwn, plain
from handlers.i18n import Translator, escape, mention

MAX_CARDS = 20  # card blocks shown in the modal; the rest are counted in a context line
MAX_RADIO = 10  # Slack's limit for radio buttons; more cards use a static select
YEARS_AHEAD = 15


def shown_cards(plan: SettlementPlan, keep: tuple[str | None, ...]) -> list[CardChoice]:
    """The cards to show: the default first, the ``keep`` ids always, at most ``MAX_CARDS``."""
    ordered = sorted(plan.cards, key=lambda c: (not c.is_default, c.card.id not in keep))
    return sorted(ordered[:MAX_CARDS], key=lambda c: (not c.is_default, c.card.id))


def card_block(
    choice: CardChoice, plan: SettlementPlan, tr: Translator, *, actor: str, selected: str | None
) -> CardBlock:
    """Title ``Visa •••• 4242``, expiry (flagged when expired), owner and markers, and the
    actions the actor's role and ownership allow. The buttons carry only the card id."""
    card = choice.card
    owner = card.owner_slack_user_id
    body = [tr("card.owner", owner=mention(owner)) if owner != NO_OWNER else tr("card.no_owner")]
    if choice.is_default:
        body.append(f"*{tr('card.default')}*")
    if plan.may_settle and card.id == selected:
        body.append(f"_{tr('card.selected')}_")
    return CardBlock(
        block_id=f"card:{card.id}",
        title=mrkdwn(escape(tr.card(card)), 150),
        subtitle=mrkdwn(card_state(card, tr, choice.expired), 150),
        body=mrkdwn(" · ".join(body), 200),
        actions=_card_actions(choice, plan, tr, actor=actor) or None,
    )


def _card_actions(
    choice: CardChoice, plan: SettlementPlan, tr: Translator, *, actor: str
) -> list[ButtonElement]:
    actions = []
    if plan.may_settle and not choice.expired:
        actions.append(_button(tr("modal.use_card"), ids.SELECT_CARD, choice.card.id))
    if may_edit(choice, plan, actor):
        actions.append(_button(tr("modal.change_expiry"), ids.EDIT_EXPIRY, choice.card.id))
    return actions


def may_edit(choice: CardChoice, plan: SettlementPlan, actor: str) -> bool:
    """Only the card's owner, as a settler on the account, may change its expiry (a card nobody in
    Slack owns: nobody)."""
    owner = choice.card.owner_slack_user_id
    return plan.role.may_settle and choice.is_owner and owner != NO_OWNER and owner == actor


def _button(text: str, action_id: str, value: str) -> ButtonElement:
    return ButtonElement(text=plain(text, BUTTON_MAX), action_id=action_id, value=value)


def pay_with_input(cards: list[CardChoice], tr: Translator, *, selected: str | None) -> InputBlock:
    """Radio buttons (or a static select beyond 10 cards) over the cards; values are card ids.

    The initial option is ``selected`` when it names a shown card, else the default card.
    """
    options = {c.card.id: _option(c, tr) for c in cards}
    default = next((c.card.id for c in cards if c.is_default), None)
    initial = options.get(selected or "") or options.get(default or "")
    element: RadioButtonsElement | StaticSelectElement
    if len(options) <= MAX_RADIO:
        element = RadioButtonsElement(
            action_id=ids.PAY_WITH_ACTION, options=list(options.values()), initial_option=initial
        )
    else:
        element = StaticSelectElement(
            action_id=ids.PAY_WITH_ACTION, options=list(options.values()),
            initial_option=initial, placeholder=plain(tr("modal.pay_with"), 150),
        )  # fmt: skip
    return InputBlock(
        block_id=ids.versioned(ids.PAY_WITH_BLOCK, (initial.value if initial else None) or "none"),
        label=plain(tr("modal.pay_with"), 2000), element=element,
        hint=plain(tr("modal.pay_with_hint"), 2000),
    )  # fmt: skip


def _option(choice: CardChoice, tr: Translator) -> Option:
    """The card's label alone (what the processing view repeats), its state underneath."""
    expiry = tr.expiry(choice.card)
    note = tr("card.expired", expiry=expiry) if choice.expired else tr("card.expires", expiry=expiry)
    if choice.is_default:
        note = tr("modal.option_default", note=note)
    return Option(value=choice.card.id, text=plain(tr.card(choice.card), OPTION_MAX),
                  description=plain(note, OPTION_MAX))  # fmt: skip


def expiry_inputs(card: Card, tr: Translator, today: dt.date) -> list[InputBlock]:
    """Month (01-12) and year (this year .. +15) selects for one card, preset to its expiry."""
    months = [Option(value=f"{m:02d}", text=plain(f"{m:02d}")) for m in range(1, 13)]
    years = [Option(value=str(y), text=plain(str(y))) for y in _years(today)]
    label = tr.card(card)
    month_initial = months[card.exp_month - 1] if 1 <= card.exp_month <= 12 else None
    year_initial = next((o for o in years if o.value == str(card.exp_year)), None)
    return [
        _select(ids.versioned(ids.EXP_MONTH_BLOCK, card.id), ids.EXP_MONTH_ACTION, tr("modal.exp_month", card=label),
                months, month_initial),
        _select(ids.versioned(ids.EXP_YEAR_BLOCK, card.id), ids.EXP_YEAR_ACTION, tr("modal.exp_year", card=label),
                years, year_initial, hint=tr("modal.exp_hint")),
    ]  # fmt: skip


def _years(today: dt.date) -> range:
    return range(today.year, today.year + YEARS_AHEAD + 1)


def _select(
    block_id: str, action_id: str, label: str, options: list[Option], initial: Option | None,
    *, hint: str | None = None,
) -> InputBlock:  # fmt: skip
    element = StaticSelectElement(action_id=action_id, options=options, initial_option=initial)
    return InputBlock(
        block_id=block_id, label=plain(label, 2000), element=element,
        hint=plain(hint, 2000) if hint else None,
    )  # fmt: skip
