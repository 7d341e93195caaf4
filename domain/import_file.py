"""Reading an import document on its own: every field checked, ids unique within the file.

References between items are resolved later, against the file and the database together
(``domain.import_rules``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain import tenancy
from domain.errors import DomainError, ImportRefused
from domain.model import Account, Admin, Card, Invoice, InvoiceStatus, Role, Subscription
from domain.money import Money

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
TEAM, ENTERPRISE = (re.compile(f"^{p.pattern}$") for p in (tenancy.TEAM, tenancy.ENTERPRISE))
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,20}$")
_LOCALES = {"en", "zh-CN"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,3})?")  # never negative; minor units fit in 64 bits


@dataclass(frozen=True, slots=True)
class BillingData:
    accounts: list[Account]
    admins: dict[str, list[Admin]]
    cards: list[Card]
    subscriptions: list[Subscription]
    invoices: list[Invoice]


class _Reader:
    """Reads one JSON object, naming the path of the first problem."""

    def __init__(self, obj: Any, path: str) -> None:
        if not isinstance(obj, dict):
            raise ImportRefused(path, "must be an object")
        self.obj, self.path = obj, path

    def get(self, key: str, check: Callable[[Any], Any], *, optional: bool = False) -> Any:
        where = f"{self.path}.{key}"
        if key not in self.obj or self.obj[key] is None:
            if optional:
                return None
            raise ImportRefused(where, "is missing")
        try:
            return check(self.obj[key])
        except ImportRefused:
            raise
        except (DomainError, ValueError, TypeError) as exc:
            raise ImportRefused(where, _reason(exc)) from exc

    def ident(self, key: str) -> str:
        return str(self.get(key, lambda v: _match(_ID, v, "an id of letters, digits, _.:-")))


def _reason(exc: Exception) -> str:
    return exc.args[0] if isinstance(exc, ValueError) and exc.args else "is invalid"


def _match(pattern: re.Pattern[str], value: Any, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"must be {what}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("must be non-empty text of at most 200 characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("must not contain control characters or unpaired surrogates")
    return value.strip()


def _int(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return check


def _date(value: Any) -> dt.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be an ISO date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("must be an ISO date (YYYY-MM-DD)") from exc
    if not 2000 <= day.year <= 2100:
        raise ValueError("must be a date from 2000 to 2100")
    return day


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ImportRefused(key, "must be a list")
    return value


def parse_billing_data(doc: Any) -> BillingData:
    """Validate a whole import document; raises ImportRefused at the first problem."""
    if not isinstance(doc, dict):
        raise ImportRefused("$", "must be an object")
    accounts, admins = _accounts(_list(doc, "accounts"))
    cards = [_card(_Reader(o, f"payment_methods[{i}]")) for i, o in enumerate(_list(doc, "payment_methods"))]
    subs = [_subscription(_Reader(o, f"subscriptions[{i}]")) for i, o in enumerate(_list(doc, "subscriptions"))]
    invoices = [_invoice(_Reader(o, f"invoices[{i}]")) for i, o in enumerate(_list(doc, "invoices"))]
    _check_unique_ids(accounts, cards, subs, invoices)
    return BillingData(accounts, admins, cards, subs, invoices)


def _accounts(items: list[Any]) -> tuple[list[Account], dict[str, list[Admin]]]:
    accounts, admins = [], {}
    for i, obj in enumerate(items):
        r = _Reader(obj, f"accounts[{i}]")
        account = Account(
            r.ident("id"), r.get("name", _text), r.get("currency", _currency),
            r.get("channel", lambda v: _match(_CHANNEL, v, "a Slack channel id"), optional=True),
            r.get("locale", _locale, optional=True) or "en",
            r.get("team_id", lambda v: _match(TEAM, v, "a Slack workspace id (T...)"), optional=True),
            r.get("enterprise_id", lambda v: _match(ENTERPRISE, v, "an Enterprise Grid org id (E...)"), optional=True),
        )  # fmt: skip
        people = r.get("admins", lambda v: v if isinstance(v, list) else _fail("must be a list"))
        admins[account.id] = [_admin(account.id, _Reader(p, f"{r.path}.admins[{j}]")) for j, p in enumerate(people)]
        seen: set[str] = set()
        for j, admin in enumerate(admins[account.id]):
            if admin.slack_user_id in seen:
                raise ImportRefused(f"{r.path}.admins[{j}].slack_user_id", "names the same person twice")
            seen.add(admin.slack_user_id)
        accounts.append(account)
    return accounts, admins


def _fail(reason: str) -> Any:
    raise ValueError(reason)


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError("must be a 3-letter ISO 4217 code such as USD")
    return value


def _locale(value: Any) -> str:
    if value not in _LOCALES:
        raise ValueError("must be one of: " + ", ".join(sorted(_LOCALES)))
    return str(value)


def _admin(account_id: str, r: _Reader) -> Admin:
    user = r.get("slack_user_id", lambda v: _match(_SLACK_ID, v, "a Slack user id such as U012ABC"))
    return Admin(account_id, user, r.get("role", lambda v: Role(v)))


def _card(r: _Reader) -> Card:
    return Card(
        r.ident("id"), r.ident("account_id"), r.get("brand", _text).lower(),
        r.get("last4", lambda v: _match(re.compile(r"^[0-9]{4}$"), v, "4 digits")),
        r.get("exp_month", _int(1, 12)), r.get("exp_year", _int(2000, 2100)),
        r.get("owner_slack_user_id", lambda v: _match(_SLACK_ID, v, "a Slack user id")),
        r.get("token", lambda v: _match(re.compile(r"^tok_[A-Za-z0-9_]{1,60}$"), v, "a gateway token (tok_...)")),
    )  # fmt: skip


def _subscription(r: _Reader) -> Subscription:
    card = r.get("payment_method_id", lambda v: _match(_ID, v, "an id"), optional=True)
    return Subscription(r.ident("id"), r.ident("account_id"), r.get("product", _text), card)


def _invoice(r: _Reader) -> Invoice:
    currency = r.get("currency", _currency)

    def amount(value: Any) -> Money:
        if not isinstance(value, str) or not _AMOUNT.fullmatch(value):
            raise ValueError("must be a decimal string such as \"12.50\", at most 999999999999.999")
        return Money.parse(value, currency)

    return Invoice(
        r.ident("id"), r.ident("subscription_id"), r.get("amount", amount),
        r.get("due_date", _date), r.get("status", lambda v: InvoiceStatus(v)),
    )  # fmt: skip


def _check_unique_ids(
    accounts: list[Account], cards: list[Card], subs: list[Subscription], invoices: list[Invoice]
) -> None:
    ids: dict[str, list[str]] = {
        "accounts": [a.id for a in accounts], "payment_methods": [c.id for c in cards],
        "subscriptions": [s.id for s in subs], "invoices": [i.id for i in invoices],
    }  # fmt: skip
    for name, values in ids.items():
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value in seen:
                raise ImportRefused(f"{name}[{i}].id", f"duplicates id {value!r}")
            seen.add(value)
