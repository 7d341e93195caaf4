"""The add-card page's defences: CSRF, one-time and expiring links, attempts per link and per person, security
headers on every answer, and any form input answered with a 4xx (never a 5xx) and no write."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, update

from bot.cards_page import MAX_ATTEMPTS
from handlers.cardlinks import LINK_TTL
from storage.models import CardLinkRow, CardTokenizationRow
from tests import reporting
from tests.hardening.page import csrf_for, mint_link, request, security_problems
from tests.hardening.support import BA, GA, NOBODY, READER, Stack, examples, rows, start_stack, stop_stack, today

PER_HOUR = 400  # tokenizations per person per hour here: enough for the generated forms below
FORM_OK = {"number": "4242 4242 4242 4242", "exp_month": "7", "exp_year": str(today().year + 2), "cvc": "731"}
LINK_TABLES = frozenset({"seen_requests", "card_links", "card_tokenizations"})  # minted, spent, counted here


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("cards"), CARD_TOKENIZATIONS_PER_HOUR=str(PER_HOUR))
    try:
        yield running
    finally:
        stop_stack(running)


def _cards(stack: Stack) -> list[tuple[object, ...]]:
    return rows(stack.db.engine)["cards"]


VALID = "valid"  # stands for a CSRF token the page issued for the link


def _post(stack: Stack, link: tuple[str, str], csrf: str | None = VALID, cookie: str | None = VALID,
          **fields: str) -> tuple[int, dict[str, str], str]:  # fmt: skip
    """Post the form of ``link`` (token, nonce); the CSRF token and cookie default to a good pair."""
    token, nonce = link
    issued = csrf_for(nonce)
    csrf, cookie = (issued if csrf == VALID else csrf), (issued if cookie == VALID else cookie)
    form = {"t": token, **FORM_OK, **fields} | ({"csrf": csrf} if csrf is not None else {})
    return request(stack.app.url, method="POST", fields=form, csrf_cookie=cookie)


def test_every_answer_of_the_page_carries_the_security_headers(stack: Stack) -> None:
    link, spent = mint_link(stack, BA), mint_link(stack, BA)
    answers = {
        "form (200)": request(stack.app.url, query=f"t={link[0]}"),
        "bad link (410)": request(stack.app.url, query="t=forged"),
        "no CSRF cookie (403)": _post(stack, link, cookie=None),
        "field error (400)": _post(stack, link, number="4242"),
        "card added (200)": _post(stack, spent),
        "spent link (410)": _post(stack, spent),
        "method (405)": request(stack.app.url, method="PUT", query=f"t={link[0]}"),
        "reader (403)": _post(stack, mint_link(stack, READER)),
    }
    statuses = {name: status for name, (status, _, _) in answers.items()}
    assert statuses == {name: int(re.findall(r"\d{3}", name)[0]) for name in answers}
    assert {name: security_problems(h) for name, (_, h, _) in answers.items() if security_problems(h)} == {}


def test_the_csrf_cookie_must_come_back_with_the_token_the_page_issued(stack: Stack) -> None:
    link = mint_link(stack, BA)
    status, headers, html = request(stack.app.url, query=f"t={link[0]}")
    cookie = headers["Set-Cookie"]
    assert status == 200 and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/cards" in cookie
    issued = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    other = csrf_for(mint_link(stack, BA)[1])  # a good token, but for another link
    before = _cards(stack)
    refused = [
        _post(stack, link, csrf=issued, cookie=None)[0],  # another site's form: no cookie
        _post(stack, link, csrf=issued, cookie="x" + issued[1:])[0],
        _post(stack, link, csrf=None, cookie=issued)[0],
        _post(stack, link, csrf="", cookie="")[0],
        _post(stack, link, csrf="planted", cookie="planted")[0],  # a cookie planted by an attacker
        _post(stack, link, csrf=other, cookie=other)[0],
        _post(stack, link, csrf="é" * 10, cookie="é" * 10)[0],  # not ASCII: used to be a 500
    ]
    assert refused == [403] * len(refused) and _cards(stack) == before
    assert _post(stack, link, csrf=issued, cookie=issued)[0] == 200
    assert len(_cards(stack)) == len(before) + 1
    reporting.record("add-card page: CSRF refused", requests=len(refused) + 2, processes=1, faults=len(refused),
                     charges=0)  # fmt: skip


def test_behind_a_trusted_tls_proxy_the_pages_cookie_is_secure(stack: Stack, tmp_path: Path) -> None:
    """A proxy that terminates TLS talks plain HTTP to the app and says so in X-Forwarded-Proto:
    believed from TRUSTED_PROXY only (here loopback, where the test runs), dropped otherwise."""
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    _, headers, _ = request(stack.app.url, query=f"t={mint_link(stack, BA)[0]}", headers=proxied)
    assert "Secure" not in headers["Set-Cookie"]  # no proxy configured: anyone could send the header
    behind = start_stack(tmp_path, TRUSTED_PROXY="127.0.0.1")
    try:
        link = mint_link(behind, BA)
        status, headers, _ = request(behind.app.url, query=f"t={link[0]}", headers=proxied)
        assert status == 200 and "Secure" in headers["Set-Cookie"].split("; ")
        _, plain, _ = request(behind.app.url, query=f"t={link[0]}")  # the proxy's own http: not secure
        assert "Secure" not in plain["Set-Cookie"]
    finally:
        stop_stack(behind)


def test_a_used_link_cannot_add_a_second_card(stack: Stack) -> None:
    link = mint_link(stack, BA)
    assert _post(stack, link)[0] == 200
    before = _cards(stack)
    assert [request(stack.app.url, query=f"t={link[0]}")[0], _post(stack, link)[0],
            _post(stack, link, number="5555 5555 5555 4444")[0]] == [410, 410, 410]  # fmt: skip
    assert _cards(stack) == before


def test_an_expired_link_is_refused(stack: Stack) -> None:
    old = mint_link(stack, BA, signed_ago=LINK_TTL.total_seconds() + 60)  # signed 16 minutes ago
    fresh = mint_link(stack, BA)
    nonce = fresh[1]
    with stack.db.engine.begin() as connection:  # its record says it expired a second ago
        expired = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        connection.execute(update(CardLinkRow).where(CardLinkRow.nonce == nonce).values(expires_at=expired))
    before = _cards(stack)
    assert [request(stack.app.url, query=f"t={old[0]}")[0], _post(stack, old)[0],
            request(stack.app.url, query=f"t={fresh[0]}")[0], _post(stack, fresh)[0]] == [410] * 4  # fmt: skip
    assert _cards(stack) == before


def test_a_link_allows_five_attempts_then_refuses_even_a_good_one(stack: Stack) -> None:
    link = mint_link(stack, BA)
    before = _cards(stack)
    tries = [_post(stack, link, cvc=str(n))[0] for n in range(MAX_ATTEMPTS)]  # CVCs of one digit
    assert tries == [400] * MAX_ATTEMPTS
    assert [_post(stack, link)[0], _post(stack, link)[0]] == [429, 429]
    assert _cards(stack) == before
    reporting.record("add-card page: attempts per link limited", requests=MAX_ATTEMPTS + 2, processes=1,
                     faults=MAX_ATTEMPTS + 2, charges=0)  # fmt: skip


def _used_at(stack: Stack, nonce: str) -> object:
    with stack.db.engine.connect() as connection:
        return connection.scalar(CardLinkRow.__table__.select().with_only_columns(CardLinkRow.used_at)
                                 .where(CardLinkRow.nonce == nonce))  # fmt: skip


def test_a_person_may_tokenize_only_so_many_cards_an_hour_over_all_their_links(stack: Stack) -> None:
    """Card testing with many links: the hour's count is the person's, not the link's."""
    now = dt.datetime.now(dt.UTC)
    earlier = [{"id": f"tok_count_{n}", "slack_user_id": GA, "created_at": now - dt.timedelta(minutes=59)}
               for n in range(PER_HOUR - 1)]  # fmt: skip
    old = {"id": "tok_count_old", "slack_user_id": GA, "created_at": now - dt.timedelta(minutes=61)}
    with stack.db.engine.begin() as connection:
        connection.execute(insert(CardTokenizationRow), [*earlier, old])
    before = _cards(stack)
    assert _post(stack, mint_link(stack, GA))[0] == 200  # the last one of the hour (the old one is not counted)
    refused = mint_link(stack, GA)  # a fresh link does not help
    status, headers, html = _post(stack, refused)
    assert status == 429 and security_problems(headers) == []
    assert 'role="alert"' in html and f"You have tried {PER_HOUR} card numbers in the last hour" in html
    assert len(_cards(stack)) == len(before) + 1 and _used_at(stack, refused[1]) is None
    assert _post(stack, mint_link(stack, BA))[0] == 200  # someone else is not held back
    reporting.record("add-card page: tokenizations per person per hour limited", requests=3, processes=1,
                     faults=1, charges=0)  # fmt: skip


def test_a_failure_after_tokenizing_leaves_the_link_usable_and_says_so(stack: Stack) -> None:
    """The card is tokenized, then the database refuses to store it: no 500, the form comes back
    saying nothing was saved and the link still works, and it does once the database is well."""
    link = mint_link(stack, BA)
    before = _cards(stack)
    with stack.db.engine.begin() as connection:  # a SQLite trigger stands for a write that fails
        connection.exec_driver_sql(
            "CREATE TRIGGER cards_refused BEFORE INSERT ON cards BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    try:
        status, headers, html = _post(stack, link)
    finally:
        with stack.db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER cards_refused")
    assert status == 503 and security_problems(headers) == []
    assert 'role="alert"' in html and "this link still works" in html and "<form" in html
    assert _cards(stack) == before and _used_at(stack, link[1]) is None
    again = dict(re.findall(r'name="(t|csrf)" value="([^"]*)"', html))  # the form as shown, posted again
    assert again["t"] == link[0] and _post(stack, link, csrf=again["csrf"], cookie=again["csrf"])[0] == 200
    assert len(_cards(stack)) == len(before) + 1 and _used_at(stack, link[1]) is not None


# -- generated form input ----------------------------------------------------------------------

TEXT = st.text(max_size=60)


def mostly(good: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``good`` three times in four, else ``odd``: many submissions get all the way through."""
    return st.sampled_from(range(4)).flatmap(lambda n: odd if n == 0 else good)


YEAR = today().year
NUMBERS = mostly(
    st.sampled_from(["4242 4242 4242 4242", "4242424242424242", "5555-5555-5555-4444", "4000000000000002"]),
    st.sampled_from(["378282246310005", "4242 4242 4242 4241", "\uff14" * 16, "\u0664" * 16, "²" * 16, "4" * 19,
                     "4" * 40, ""]) | TEXT,
)  # fmt: skip
MONTHS = mostly(st.sampled_from([str(m) for m in range(1, 13)] + ["07"]),
                st.sampled_from(["0", "13", "\u0667", "²", "-1", "1e1", " 7"]) | TEXT)  # fmt: skip
YEARS = mostly(
    st.sampled_from([str(y) for y in range(YEAR + 1, YEAR + 15)]),
    st.sampled_from([str(YEAR - 1), str(YEAR + 21), "\u0662\u0660\u0663\u0660", "99999"]) | TEXT,
)
CVCS = mostly(st.sampled_from(["731", "294", "586"]), st.sampled_from(["9173", "73", "\u0667\u0663\u0661", "²³¹",
                                                                         "7310", ""]) | TEXT)  # fmt: skip
LINKS = mostly(st.just("fresh"), st.sampled_from(["reader", "nobody", "old", "forged.token"]) | TEXT)
CSRF = mostly(st.just("same"), st.sampled_from(["other", "missing"]) | TEXT)
tally: Counter[int] = Counter()


@examples(100)
@given(
    link=LINKS, csrf=CSRF,
    number=NUMBERS, exp_month=MONTHS, exp_year=YEARS, cvc=CVCS,
)  # fmt: skip
def test_any_form_input_gets_an_answer_under_500_and_only_a_good_card_is_written(
    stack: Stack, link: str, csrf: str, number: str, exp_month: str, exp_year: str, cvc: str
) -> None:
    users = {"fresh": BA, "reader": READER, "nobody": NOBODY}
    if link in users or link == "old":
        token, nonce = mint_link(stack, users.get(link, BA), signed_ago=1000 if link == "old" else 0)
    else:
        token, nonce = link, "forged"
    issued = csrf_for(nonce)
    form_csrf = {"same": issued, "other": csrf_for("another"), "missing": None}.get(csrf, csrf)
    before = rows(stack.db.engine, LINK_TABLES)
    fields = {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc}
    status, headers, html = _post(stack, (token, nonce), csrf=form_csrf, cookie=issued, **fields)
    tally[status] += 1
    assert status in (200, 400, 403, 410, 429), status
    assert security_problems(headers) == []
    digits, shown = re.sub(r"\D", "", number), re.sub(r'placeholder="[^"]*"', "", html)  # (the example number)
    assert len(digits) < 12 or (number not in shown and digits not in shown)
    after = rows(stack.db.engine, LINK_TABLES)
    if status != 200:
        assert after == before
        assert 'role="alert"' in html or "field-error" in html  # a clear message on the page
    else:
        new = set(after["cards"]) - set(before["cards"])
        assert len(new) == 1 and digits.endswith(next(iter(new))[3])  # (id, account, brand, last4, ...)
        events = set(after["card_events"]) - set(before["card_events"])  # (id, card_id, kind, actor, day)
        assert [e[1:4] for e in events] == [(next(iter(new))[0], "added", users[link])]
        added = ("cards", "card_events")
        assert {k: v for k, v in after.items() if k not in added} == {k: v for k, v in before.items() if k not in added}


def test_the_form_inputs_were_explored(stack: Stack) -> None:
    assert {200, 400, 403, 410} <= set(tally), tally
    reporting.record(f"add-card form fuzzed: {dict(sorted(tally.items()))}", requests=sum(tally.values()),
                     processes=1, faults=sum(tally.values()) - tally[200], charges=0)  # fmt: skip
