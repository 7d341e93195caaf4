"""Adding a card: raw details go to the gateway; only brand, last 4, expiry, owner, token stay.

Two steps: the page limits tokenizations between them, and the second spends its one-time
link only with the card saved.
"""

from __future__ import annotations

import datetime as dt
import uuid

from domain.access import require_settler, role_on
from domain.errors import LinkSpent
from domain.model import Card
from domain.ports import PaymentGateway, TokenizedCard, UnitOfWork
from domain.records import CardChange, CardEvent
from domain.settlement import check_expiry


def tokenize_card(
    uow: UnitOfWork, gateway: PaymentGateway, actor: str, account_id: str, *,
    number: str, exp_month: int, exp_year: int, cvc: str, today: dt.date,
) -> TokenizedCard:  # fmt: skip
    """Check the actor may add a card here and hand the raw details to the gateway."""
    with uow:
        require_settler(role_on(uow, actor, account_id))
    check_expiry(exp_month, exp_year, today)
    return gateway.tokenize(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)


def save_card(
    uow: UnitOfWork, actor: str, account_id: str, tokenized: TokenizedCard, exp_month: int, exp_year: int,
    *, link: str, now: dt.datetime, today: dt.date,
) -> Card:  # fmt: skip
    """Keep a tokenized card on the account, owned by the actor who added it, and spend the
    add-card ``link`` in the same transaction: the link is spent if and only if the card is saved
    (and the card's addition is recorded: an import never reverts it)."""
    card = Card(
        f"card_{uuid.uuid4().hex[:16]}", account_id, tokenized.brand, tokenized.last4,
        exp_month, exp_year, actor, tokenized.token,
    )  # fmt: skip
    with uow:
        require_settler(role_on(uow, actor, account_id))
        if not uow.card_links.spend(link, now):
            raise LinkSpent()
        uow.cards.save(card)
        uow.cards.add_event(CardEvent(str(uuid.uuid4()), card.id, CardChange.ADDED, actor, today))
        uow.commit()
    return card
