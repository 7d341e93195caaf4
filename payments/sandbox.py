"""The built-in sandbox payment gateway: a card processor's test mode, with its own ledger.

Outcomes are keyed by the card's token, like a processor's test tokens; the ledger is
written through its own connection so a charge stays recorded even when the app's
transaction rolls back (as an external processor's would). It pays a settlement's invoices
with one charge for their total under the settlement's key (so its result has no per-invoice
lines: all of them are paid, or none); it keeps no default card per subscription and no expiry
per token, so ``make_default`` and ``update_expiry`` have nothing to do.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from domain.errors import InvalidInput
from domain.money import Money
from domain.ports import ChargeLine, ChargeResult, ChargeStatus, TokenizedCard

DECLINES = {
    "tok_chargeDeclined": (ChargeStatus.DECLINED, "generic_decline"),
    "tok_chargeDeclinedInsufficientFunds": (ChargeStatus.DECLINED, "insufficient_funds"),
    "tok_chargeDeclinedExpiredCard": (ChargeStatus.DECLINED, "expired_card"),
    "tok_chargeDeclinedProcessingError": (ChargeStatus.ERROR, "processing_error"),
}
TEST_NUMBERS = {
    "4242424242424242": ("visa", "tok_visa"),
    "5555555555554444": ("mastercard", "tok_mastercard"),
    "378282246310005": ("amex", "tok_amex"),
    "4000000000000002": ("visa", "tok_chargeDeclined"),
    "4000000000009995": ("visa", "tok_chargeDeclinedInsufficientFunds"),
    "4000000000000069": ("visa", "tok_chargeDeclinedExpiredCard"),
    "4000000000000119": ("visa", "tok_chargeDeclinedProcessingError"),
}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: str
    idempotency_key: str
    token: str
    amount: Money
    status: ChargeStatus
    decline_code: str | None
    created_at: dt.datetime


class Ledger(Protocol):
    def record(self, entry: LedgerEntry) -> LedgerEntry:
        """Store the entry unless its key exists; return whichever entry holds the key."""
        ...

    def find(self, idempotency_key: str) -> LedgerEntry | None: ...
    def entries(self) -> list[LedgerEntry]: ...


class MemoryLedger:
    def __init__(self) -> None:
        self._by_key: dict[str, LedgerEntry] = {}
        self._lock = threading.Lock()

    def record(self, entry: LedgerEntry) -> LedgerEntry:
        with self._lock:
            return self._by_key.setdefault(entry.idempotency_key, entry)

    def find(self, idempotency_key: str) -> LedgerEntry | None:
        return self._by_key.get(idempotency_key)

    def entries(self) -> list[LedgerEntry]:
        return sorted(self._by_key.values(), key=lambda e: e.created_at)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def brand_of(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if re.match(r"^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))", digits):
        return "mastercard"
    if re.match(r"^3[47]", digits):
        return "amex"
    if re.match(r"^(6011|65|64[4-9])", digits):
        return "discover"
    return "card"


class SandboxGateway:
    """Test-mode processor. ``latency`` seconds are spent on every charge, as a slow network would."""

    moves_real_money = False  # every surface that moves money says so

    def __init__(self, ledger: Ledger, *, latency: float = 0.0) -> None:
        self.ledger = ledger
        self.latency = latency

    def charge(self, *, idempotency_key: str, token: str, amount: Money) -> ChargeResult:
        existing = self.ledger.find(idempotency_key)
        if existing is None:
            if self.latency:
                time.sleep(self.latency)
            status, code = DECLINES.get(token, (ChargeStatus.SUCCEEDED, None))
            entry = LedgerEntry(
                f"ch_{secrets.token_hex(12)}", idempotency_key, token, amount, status, code,
                dt.datetime.now(dt.UTC),
            )  # fmt: skip
            existing = self.ledger.record(entry)
        return _result(existing)

    def find_charge(self, idempotency_key: str) -> ChargeResult | None:
        entry = self.ledger.find(idempotency_key)
        return None if entry is None else _result(entry)

    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        """One charge for the lines' total."""
        return self.charge(idempotency_key=idempotency_key, token=token, amount=total_of(lines))

    def find_payment(
        self, idempotency_key: str, lines: tuple[ChargeLine, ...], *, token: str | None
    ) -> ChargeResult | None:
        return self.find_charge(idempotency_key)

    def make_default(self, *, idempotency_key: str, subscription_id: str, token: str) -> None:
        return None  # settlebot's own record (the subscription's card) is the only one

    def update_expiry(self, *, idempotency_key: str, token: str, exp_month: int, exp_year: int) -> None:
        return None  # a sandbox token carries no expiry

    def tokenize(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedCard:
        digits = re.sub(r"[ -]", "", number)
        if not re.fullmatch(r"[0-9]{12,19}", digits):
            raise InvalidInput("card_number_invalid", field="number")
        if digits not in TEST_NUMBERS and not luhn_ok(digits):
            raise InvalidInput("card_number_invalid", field="number")
        brand, token = TEST_NUMBERS.get(digits, (brand_of(digits), ""))
        if not re.fullmatch(r"[0-9]{4}" if brand == "amex" else r"[0-9]{3}", cvc.strip()):
            raise InvalidInput("cvc_invalid", field="cvc")
        token = token or f"tok_{brand}_{secrets.token_hex(8)}"
        return TokenizedCard(token, brand, digits[-4:])


def total_of(lines: tuple[ChargeLine, ...]) -> Money:
    total = Money.zero(lines[0].amount.currency)
    for line in lines:
        total = total + line.amount
    return total


def _result(entry: LedgerEntry) -> ChargeResult:
    return ChargeResult(entry.status, entry.id, entry.decline_code)
