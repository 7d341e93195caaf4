"""Typed interaction metadata: parsed in one place, and never trusted for authorization or amounts."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput
from domain.money import Money
from domain.settlement import ConfirmedBalance

_MAX = 2000
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")  # every id it carries: ours (subscriptions, cards) and Slack's
_EXPIRED = re.compile(r"[A-Za-z0-9_.:-]{1,100}:[0-9]{4}:[01]")
_MAX_EXPIRED = 20


@dataclass(frozen=True, slots=True)
class ModalMeta:
    """What the settle modal carries in ``private_metadata``."""

    subscription_id: str
    selected_card_id: str | None = None
    editing_card_id: str | None = None
    channel_id: str | None = None  # where the modal was opened from, for the ephemeral receipt
    # For the view shown in the Save's ack, which is built without the database: shown, never used.
    locale: str | None = None
    balance: str | None = None  # "129.99:USD"
    # The stamp of the invoices and amounts behind ``balance`` (Balance.stamp): with it, what a
    # Save confirms. Checked against the database before any charge, so a forged one only fails.
    shown: str | None = None
    expired: tuple[str, ...] = ()  # the expired cards shown: "card_id:last4:1" (1: the actor owns it)

    def expired_card(self, card_id: str) -> tuple[str, bool] | None:
        """(last4, owned by the actor) if the modal showed ``card_id`` as expired."""
        for entry in self.expired:
            card, last4, owned = entry.rsplit(":", 2)
            if card == card_id:
                return last4, owned == "1"
        return None

    def shown_balance(self) -> Money | None:
        amount, _, currency = (self.balance or "").partition(":")
        try:
            return Money(Decimal(amount), currency)
        except (InvalidInput, InvalidOperation):
            return None

    def confirmed(self) -> ConfirmedBalance | None:
        """The balance this modal showed, as the person confirms it by saving (None if unknown)."""
        amount = self.shown_balance()
        return None if amount is None or not self.shown else ConfirmedBalance(amount, self.shown)

    def dumps(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None and v != ()})

    @classmethod
    def loads(cls, text: str | None) -> ModalMeta:
        if not text or len(text) > _MAX:
            raise InvalidInput("bad_request")
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput("bad_request") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("subscription_id"), str):
            raise InvalidInput("bad_request")
        fields = ("subscription_id", "selected_card_id", "editing_card_id", "channel_id", "locale", "balance", "shown")
        values = {k: raw.get(k) for k in fields}
        if any(v is not None and (not isinstance(v, str) or not _ID.fullmatch(v)) for v in values.values()):
            raise InvalidInput("bad_request")
        expired = raw.get("expired", [])
        if not isinstance(expired, list) or len(expired) > _MAX_EXPIRED or not all(
            isinstance(e, str) and _EXPIRED.fullmatch(e) for e in expired
        ):
            raise InvalidInput("bad_request")
        return cls(**values, expired=tuple(expired))  # type: ignore[arg-type]  # each value checked above
