"""Adding a card through the billing system's hosted page (Stripe Checkout in setup mode): card
numbers never reach settlebot. The add-card link starts a session for the link's account and
person; when the page is completed, the card is kept, owned by whoever added it, and the link is
spent (an import never reverts the addition)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Protocol

from domain.access import require_settler, role_on
from domain.billing import RemoteCard
from domain.billing_mirror import apply_card, card_id_for
from domain.model import Card
from domain.ports import UnitOfWork
from domain.records import CardChange, CardEvent


@dataclass(frozen=True, slots=True)
class CheckoutDone:
    """A completed setup session: the card now attached (with its owner set in the billing system),
    and what settlebot put in the session (the add-card link, the modal's subscription)."""

    card: RemoteCard
    owner: str
    link: str | None
    subscription_id: str | None


class CardCheckout(Protocol):
    """The billing system's hosted add-card page. Raises BillingUnavailable when it cannot answer."""

    def start(self, customer: str, actor: str, link: str, subscription_id: str, return_url: str) -> str:
        """The hosted page's address for ``customer`` (the same session for the same ``link``)."""
        ...

    def finish(self, session_id: str) -> CheckoutDone | None:
        """The card a completed settlebot session attached, tagged with its owner; None for a
        session that is not settlebot's, or not complete."""
        ...


def start_checkout(
    uow: UnitOfWork, checkout: CardCheckout, actor: str, account_id: str, *, link: str, subscription_id: str,
    return_url: str,
) -> str:  # fmt: skip
    """Check the actor may add a card to the account, then open the hosted page for it."""
    with uow:
        require_settler(role_on(uow, actor, account_id))
    return checkout.start(account_id, actor, link, subscription_id, return_url)


def complete_checkout(
    uow: UnitOfWork, checkout: CardCheckout, session_id: str, *, now: dt.datetime, today: dt.date
) -> tuple[Card, CheckoutDone] | None:  # fmt: skip
    """Keep the card a completed session attached (owned by who added it) and spend its link in the
    same transaction. None when the session is not settlebot's or its customer is not linked."""
    done = checkout.finish(session_id)
    if done is None:
        return None
    with uow:
        if not apply_card(uow, done.card, set(uow.links.all())):
            return None
        card = uow.cards.get(card_id_for(done.card.id))
        if card is None:
            return None
        if not any(e.kind is CardChange.ADDED for e in uow.cards.events(card.id)):  # once per card
            uow.cards.add_event(CardEvent(str(uuid.uuid4()), card.id, CardChange.ADDED, done.owner, today))
        if done.link:
            uow.card_links.spend(done.link, now)
        uow.commit()
    return card, done
