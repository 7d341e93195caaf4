"""The message catalogs and the locale-aware formatting of ``handlers.i18n``."""

from __future__ import annotations

import datetime as dt
import re
import string
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_currency

from domain import errors
from domain.errors import AlreadySettled, CardExpired, DomainError, InvalidInput, NotFound
from domain.model import Card
from domain.money import Money
from handlers import i18n
from handlers.i18n import (
    DECLINE_CODES,
    Translator,
    decline_text,
    error_text,
    messages,
    normalize_locale,
    translator,
)

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
RAISED_KEY = re.compile(r'\b(?:InvalidInput|NotFound|NotAllowed)\(\s*"([a-z_.]+)"')


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def domain_error_keys() -> set[str]:
    raised = {k for path in DOMAIN.glob("*.py") for k in RAISED_KEY.findall(path.read_text())}
    defaults = {
        cls.key for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, DomainError)
    }  # fmt: skip
    return raised | defaults


def test_both_catalogs_have_exactly_the_same_keys() -> None:
    assert set(messages("en")) == set(messages("zh-CN"))


def test_each_key_has_the_same_placeholders_in_both_catalogs() -> None:
    en, zh = messages("en"), messages("zh-CN")
    mismatched = {k: (placeholders(en[k]), placeholders(zh[k])) for k in en
                  if placeholders(en[k]) != placeholders(zh[k])}  # fmt: skip
    assert mismatched == {}


def test_no_message_is_empty() -> None:
    for locale in ("en", "zh-CN"):
        assert [k for k, v in messages(locale).items() if not v.strip()] == []


def test_every_domain_error_key_and_decline_code_has_a_message() -> None:
    keys = domain_error_keys() | DECLINE_CODES | {"bad_request", "error_generic"}
    assert {"no_role", "reader_cannot_settle", "already_settled", "card_expired"} <= keys
    assert keys - set(messages("en")) == set()
    assert placeholders(messages("en")["error_generic"]) == {"reference"}


def test_the_chinese_catalog_is_chinese() -> None:
    zh = messages("zh-CN")
    assert zh["action.settle"] == "结清余额"
    assert "逾期" in zh["status.past_due"]
    assert all(re.search(r"[\u4e00-\u9fff]", zh[k]) for k in ("modal.title", "home.header"))


def test_an_unknown_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        translator("en")("no.such.key")


def test_a_key_missing_from_a_locale_falls_back_to_english(monkeypatch) -> None:
    real = {loc: dict(messages(loc)) for loc in ("en", "zh-CN")}
    del real["zh-CN"]["modal.title"]
    monkeypatch.setattr(i18n, "messages", lambda locale: real[locale])
    assert Translator("zh-CN")("modal.title") == "Settle balance"
    assert Translator("zh-CN")("modal.cancel") == "取消"
    with pytest.raises(KeyError):
        Translator("zh-CN", strict=True)("modal.title")


@pytest.mark.parametrize(
    ("slack", "expected"),
    [("en-US", "en"), ("en-GB", "en"), ("en", "en"), ("zh-CN", "zh-CN"), ("zh-Hans", "zh-CN"),
     ("zh_CN", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "en"),
     ("zh-Hant", "en"), ("fr-FR", "en"), ("ja-JP", "en"), ("", "en"), (None, "en")],
)  # fmt: skip
def test_slack_locales_map_to_english_or_simplified_chinese(slack, expected) -> None:
    assert normalize_locale(slack) == expected
    assert translator(slack).locale == expected


def test_translators_are_cached_per_locale() -> None:
    assert translator("en-US") is translator("en-GB")
    assert translator("zh-CN") is translator("zh-Hans")


@pytest.mark.parametrize(
    ("locale", "amount", "currency", "expected"),
    [("en", "1234.50", "USD", "$1,234.50"), ("zh-CN", "1234.50", "USD", "US$1,234.50"),
     ("zh-CN", "88.00", "CNY", "¥88.00"), ("en", "1234", "JPY", "¥1,234"),
     ("en", "0.125", "KWD", "KWD0.125"),
     ("en", "12345678901234.99", "USD", "$12,345,678,901,234.99")],
)  # fmt: skip
def test_money_is_formatted_exactly_per_locale(locale, amount, currency, expected) -> None:
    assert translator(locale).money(Money(Decimal(amount), currency)) == expected


def test_a_kept_format_is_babels_own_for_every_spelling_of_an_amount() -> None:
    en, zh = translator("en"), translator("zh-CN")
    amounts = ["1234.5", "1234.50", "1234.500", "-0", "0", "-12.34", "1E+3", "1000"]
    for _ in range(2):  # the second time from what was kept
        for tr, babel in ((en, "en"), (zh, "zh_CN")):
            for amount in amounts:
                expected = format_currency(Decimal(amount), "USD", locale=babel)
                assert tr.money(Money(Decimal(amount), "USD")) == expected


def test_dates_numbers_cards_and_expiry() -> None:
    en, zh = translator("en"), translator("zh-CN")
    visa = Card("c1", "a1", "visa", "4242", 8, 2027, "U1", "tok_x")
    unionpay = Card("c2", "a1", "unionpay", "6200", 1, 2030, "U1", "tok_y")
    assert en.date(dt.date(2026, 3, 5)) == "Mar 5, 2026"
    assert zh.date(dt.date(2026, 3, 5)) == "2026年3月5日"
    assert en.number(12345) == "12,345"
    assert en.card(visa) == "Visa •••• 4242"
    assert zh.card(unionpay) == "银联 •••• 6200"
    assert en.expiry(visa) == "08/2027"
    assert en.card_label("card", "0000") == "Card •••• 0000"
    assert en.card_label("maestro", "1111") == "Maestro •••• 1111"
    assert en.days(1) == "1 day" and en.days(12) == "12 days" and zh.days(12) == "12 天"
    assert en.role("billing_reader") == "Billing reader" and zh.role("global_admin") == "全局管理员"


def test_datetimes_are_shown_in_utc() -> None:
    moment = dt.datetime(2026, 3, 15, 22, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert translator("en").datetime(moment) == "Mar 15, 2026 2:30\u202fPM UTC"
    assert translator("zh-CN").datetime(moment) == "2026年3月15日 14:30 UTC"


def test_error_text_formats_money_dates_and_the_actor() -> None:
    error = AlreadySettled(
        actor="U0OWNER01", amount=Money(Decimal("129.99"), "USD"),
        at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    expected = "already settled by <@U0OWNER01>: $129.99 on Mar 1, 2026 9:00\u202fAM UTC."
    assert error_text(error, translator("en")) == f"This balance was {expected}"
    assert "US$129.99" in error_text(error, translator("zh-CN"))
    assert (
        error_text(AlreadySettled(), translator("en")) == "This balance has already been settled."
    )


def test_error_text_picks_the_card_owner_variant() -> None:
    owner = error_text(CardExpired(is_owner=True, last4="4242"), translator("en"))
    other = error_text(CardExpired(is_owner=False, last4="4242"), translator("en"))
    assert owner.startswith("Your card ending in 4242") and "Change its expiration date" in owner
    assert other.startswith("The card ending in 4242") and "expiration date" not in other


def test_error_text_escapes_what_the_user_typed() -> None:
    text = error_text(NotFound("no_such_subscription", query="<!channel> & co"), translator("en"))
    assert "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text


def test_error_text_never_shows_a_raw_key() -> None:
    tr = translator("zh-CN")
    assert error_text(NotFound("brand_new_key"), tr) == messages("zh-CN")["not_found"]
    assert error_text(InvalidInput("invalid_amount"), tr) == messages("zh-CN")["invalid_input"]
    assert error_text(DomainError(), tr) == messages("zh-CN")["error_retry"]
    assert "ref-42" in error_text(DomainError(), tr, reference="ref-42")


def test_decline_codes_have_texts_and_unknown_ones_read_as_a_decline() -> None:
    tr = translator("en")
    assert "insufficient funds" in decline_text("insufficient_funds", tr)
    assert decline_text("no_such_reason", tr) == decline_text("generic_decline", tr)
    assert "contact their bank" in decline_text("do_not_honor", tr)
    assert decline_text(None, tr) == decline_text("generic_decline", tr)
    assert "拒付" in decline_text("generic_decline", translator("zh-CN"))
