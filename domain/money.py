"""Money as a Decimal amount with an ISO 4217 currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput

# ISO 4217 minor-unit exponents that differ from 2; every other currency uses 2.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: str) -> str:
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise InvalidInput("invalid_currency", value=currency)
    return currency.upper()


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of one currency; arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidInput("invalid_amount", value=str(self.amount))
        object.__setattr__(self, "currency", check_currency(self.currency))
        step = Decimal(1).scaleb(-currency_exponent(self.currency))
        if self.amount != self.amount.quantize(step):
            raise InvalidInput("invalid_amount", value=str(self.amount))
        object.__setattr__(self, "amount", self.amount.quantize(step))

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal string such as ``"129.99"`` (never a float)."""
        try:
            amount = Decimal(text.strip())
            return cls(amount, currency)
        except (InvalidOperation, AttributeError) as exc:  # also a quantize of an absurd exponent
            raise InvalidInput("invalid_amount", value=str(text)[:40]) from exc

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(Decimal(units).scaleb(-currency_exponent(currency)), currency)

    def minor_units(self) -> int:
        return int(self.amount.scaleb(currency_exponent(self.currency)))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidInput("currency_mismatch", value=f"{self.currency}/{other.currency}")
        return Money(self.amount + other.amount, self.currency)

    def is_positive(self) -> bool:
        return self.amount > 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
