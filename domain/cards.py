"""Adding a card: raw details go to the gateway; only brand, last 4, expiry, owner, token stay."""

from __future__ import annotations

import datetime as dt
import uuid

from domain.access import require_settler, role_on
from domain.model import Card
from domain.ports import PaymentGateway, UnitOfWork
from domain.settlement import check_expiry


def add_card(
    uow: UnitOfWork, gateway: PaymentGateway, actor: str, account_id: str, *,
    number: str, exp_month: int, exp_year: int, cvc: str, today: dt.date,
) -> Card:  # fmt: skip
    """Tokenize a new card and keep it on the account, owned by the actor."""
    with uow:
        require_settler(role_on(uow, actor, account_id))
    check_expiry(exp_month, exp_year, today)
    tokenized = gateway.tokenize(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)
    card = Card(
        f"card_{uuid.uuid4().hex[:16]}", account_id, tokenized.brand, tokenized.last4,
        exp_month, exp_year, actor, tokenized.token,
    )  # fmt: skip
    with uow:
        uow.cards.save(card)
        uow.commit()
    return card
