"""Message catalogs (gettext .po read with Babel) and locale-aware formatting.

Message ids are stable keys (``alert.header``, ``not_found``); placeholders use
``str.format`` names. English is the reference catalog: a key missing from another
locale falls back to English, and a key missing from English is a bug (KeyError).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

from babel.dates import format_date, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from domain.errors import DomainError
from domain.model import Card
from domain.money import Money

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LOCALE = "en"
SUPPORTED = {"en": ("en.po", "en"), "zh-CN": ("zh_CN.po", "zh_CN")}  # locale: (file, Babel id)
DECLINE_CODES = frozenset(
    {"generic_decline", "insufficient_funds", "expired_card", "processing_error", "card_removed", "incorrect_cvc",
     "velocity_limit", "do_not_honor", "fraud_suspected", "authentication_required", "invoice_changed"}
)  # fmt: skip
_CHINESE_SIMPLIFIED = ("zh-cn", "zh-sg", "zh-hans")  # and their subtags, e.g. zh-Hans-CN


def normalize_locale(value: str | None) -> str:
    """Map a Slack or account locale (``en-US``, ``zh-Hans``, ``zh_CN``...) to a supported one."""
    tag = (value or "").strip().replace("_", "-").lower()
    if tag == "zh" or any(tag == p or tag.startswith(p + "-") for p in _CHINESE_SIMPLIFIED):
        return "zh-CN"
    return DEFAULT_LOCALE


@cache
def messages(locale: str) -> Mapping[str, str]:
    """The catalog of a supported locale as ``{key: message}`` (read once per process)."""
    filename, babel_id = SUPPORTED[locale]
    with (LOCALES_DIR / filename).open("rb") as handle:
        catalog = read_po(handle, locale=babel_id)
    return MappingProxyType(
        {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str)}
    )


def load_catalogs() -> None:
    """Read every catalog now (call from the composition root to fail fast at start-up)."""
    for locale in SUPPORTED:
        messages(locale)


# Babel's number formats cost a message (an alert shows its amount twice) about a tenth of its CPU;
# amounts and counts recur, so the last few thousand are kept. Keyed by the amount's text, so
# that 1234.5 and 1234.50, or 0 and -0, each keep their own.
@lru_cache(maxsize=4096)
def _money(amount: str, currency: str, babel: str) -> str:
    return format_currency(Decimal(amount), currency, locale=babel)


@lru_cache(maxsize=4096)
def _number(value: int, babel: str) -> str:
    return format_decimal(value, locale=babel)


class Translator:
    """Texts and formats for one locale. ``strict`` disables the English fallback (tests)."""

    def __init__(self, locale: str, *, strict: bool = False) -> None:
        if locale not in SUPPORTED:
            raise ValueError(f"unsupported locale {locale!r}")
        self.locale = locale
        self.strict = strict
        self._babel = SUPPORTED[locale][1]
        self._own = messages(locale)
        self._english = messages(DEFAULT_LOCALE)

    def has(self, key: str) -> bool:
        return key in self._own or (not self.strict and key in self._english)

    def __call__(self, key: str, /, **params: object) -> str:
        """The message for ``key`` with ``params`` filled in; KeyError if no catalog has it."""
        text = self._own.get(key) or (None if self.strict else self._english.get(key))
        if text is None:
            raise KeyError(key)
        return text.format(**params)

    def money(self, money: Money) -> str:
        return _money(str(money.amount), money.currency, self._babel)

    def date(self, day: dt.date) -> str:
        return format_date(day, "medium", locale=self._babel)

    def datetime(self, moment: dt.datetime) -> str:
        """Medium date and short time in UTC, with the zone named (naive times are UTC)."""
        utc = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        time = format_time(utc, "short", tzinfo=dt.UTC, locale=self._babel)
        return f"{self.date(utc.date())} {time} UTC"

    def number(self, value: int) -> str:
        return _number(value, self._babel)

    def days(self, count: int) -> str:
        return self("days.one") if count == 1 else self("days.other", count=self.number(count))

    def brand(self, brand: str) -> str:
        key = f"brand.{brand.lower()}"
        return self(key) if self.has(key) else brand.title()

    def card_label(self, brand: str, last4: str) -> str:
        return self("card.label", brand=self.brand(brand), last4=last4)

    def card(self, card: Card) -> str:
        """``Visa •••• 4242``: brand and last 4 only, never the token."""
        return self.card_label(card.brand, card.last4)

    def expiry(self, card: Card) -> str:
        return f"{card.exp_month:02d}/{card.exp_year}"

    def role(self, role: str) -> str:
        return self(f"role.{role}")


@cache
def translator(locale: str | None) -> Translator:
    """The (cached) translator for a Slack or account locale string; unknown ones get English."""
    return _for_supported(normalize_locale(locale))


@cache
def _for_supported(locale: str) -> Translator:
    return Translator(locale)


def escape(text: str) -> str:
    """Escape user data for Slack mrkdwn (``&``, ``<``, ``>``), so it cannot mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


# Keys whose message depends on a parameter: (key, params) -> the variant's key.
_VARIANTS: dict[str, Callable[[Mapping[str, object]], str | None]] = {
    "already_settled": lambda p: "already_settled.detail" if "actor" in p else None,
    "card_expired": lambda p: "card_expired.owner" if p.get("is_owner") else None,
    "balance_changed": lambda p: "balance_changed.invoices" if p.get("old") == p.get("new") else None,
}


def error_text(error: DomainError, tr: Translator, *, reference: str | None = None) -> str:
    """Render a domain error for users (mrkdwn-safe); unknown keys fall back, never shown raw."""
    params = {k: _param(k, v, tr) for k, v in error.params.items()}
    if reference is not None:
        params["reference"] = escape(reference)
    pick = _VARIANTS.get(error.key)
    variant = pick(error.params) if pick else None
    for key in (variant, error.key, type(error).key, "error_retry"):
        if key and tr.has(key):
            try:
                return tr(key, **params)
            except (KeyError, IndexError, ValueError):
                continue
    return tr("error_retry")


def decline_text(code: str | None, tr: Translator) -> str:
    """The message for a gateway decline code; unknown codes read as a generic decline."""
    return tr(code if code in DECLINE_CODES else "generic_decline")


def _param(name: str, value: object, tr: Translator) -> str:
    if isinstance(value, Money):
        return tr.money(value)
    if isinstance(value, dt.datetime):
        return tr.datetime(value)
    if isinstance(value, dt.date):
        return tr.date(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return tr.number(value)
    if name == "actor" and isinstance(value, str):
        return mention(value)
    return escape(str(value))
