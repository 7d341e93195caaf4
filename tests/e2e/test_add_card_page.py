"""The add-card page over HTTP: one-time signed link, CSRF, field errors, and the modal refreshed."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import update

from handlers import ids
from storage.models import CardLinkRow
from tests.e2e.harness import shown_view, wait_until
from tests.e2e.test_settle_flow import BA, GA

NUMBER, CVC = "4242 4242 4242 4242", "987"


def add_card_link(view: dict, app_url: str) -> str:
    """The modal's "Add a new card" link, pointed at the app under test."""
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == ids.ADD_CARD:
                parts = urllib.parse.urlsplit(element["url"])
                return f"{app_url}{parts.path}?{parts.query}"
    raise AssertionError("no Add a new card button")


class Browser:
    """Just enough of a browser: cookies, GET and form POST, status and body."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, url: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def open_modal(slack, user: str, product: str) -> dict:
    slack.slash(user, product)
    return wait_until(lambda: shown_view(slack.fake, user))


def test_a_new_card_is_tokenized_kept_without_its_number_and_shown_in_the_modal(slack, app, db, database_url):
    modal = open_modal(slack, BA, "Power BI Pro")
    link = add_card_link(modal, app.url)
    browser = Browser()
    status, headers, html = browser.request(link)
    assert status == 200 and "Contoso Ltd" in html
    assert 'class="sandbox" role="note"' in html  # the sandbox gateway: no real card is charged
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    form = {"t": hidden(html, "t"), "csrf": hidden(html, "csrf"), "number": NUMBER, "exp_month": "7",
            "exp_year": "2031", "cvc": CVC}  # fmt: skip
    status, _, html = browser.request(f"{app.url}/cards/new", form)
    assert status == 200 and "4242" in html
    refreshed = wait_until(lambda: _mentions(slack.fake.view(modal["id"]), "07/2031"))
    assert refreshed["callback_id"] == ids.SETTLE_MODAL
    with db.uow() as uow:
        cards = [c for c in uow.cards.for_account("acc_contoso") if c.exp_year == 2031]
    assert [(c.brand, c.last4, c.owner_slack_user_id) for c in cards] == [("visa", "4242", BA)]
    raw = Path(database_url.removeprefix("sqlite:///")).read_bytes()
    assert b"4242424242424242" not in raw and b"4242 4242 4242 4242" not in raw
    assert NUMBER.replace(" ", "") not in app.log and "4242 4242" not in app.log
    assert all(NUMBER.replace(" ", "") not in json.dumps(c.params) for c in slack.fake.calls)
    status, _, _ = browser.request(link)
    assert status == 410  # one-time: the link is spent


def test_bad_details_come_back_next_to_the_field_and_the_link_stays_usable(slack, app):
    modal = open_modal(slack, GA, "Power BI Pro")
    link = add_card_link(modal, app.url)
    browser = Browser()
    _, _, html = browser.request(link)
    form = {"t": hidden(html, "t"), "csrf": hidden(html, "csrf"), "number": "4242 4242 4242 4241",
            "exp_month": "7", "exp_year": "2031", "cvc": CVC}  # fmt: skip
    status, _, html = browser.request(f"{app.url}/cards/new", form)
    assert status == 400 and 'id="number-error"' in html and "4242 4242 4242 4241" not in html
    status, _, html = browser.request(f"{app.url}/cards/new", {**form, "number": NUMBER, "cvc": "1"})
    assert status == 400 and 'id="cvc-error"' in html
    status, _, _ = browser.request(f"{app.url}/cards/new", {**form, "number": NUMBER})
    assert status == 200


def test_a_post_without_the_pages_csrf_cookie_is_refused(slack, app, db):
    modal = open_modal(slack, GA, "Power BI Pro")
    link = add_card_link(modal, app.url)
    _, _, html = Browser().request(link)
    form = {"t": hidden(html, "t"), "csrf": hidden(html, "csrf"), "number": NUMBER, "exp_month": "7",
            "exp_year": "2031", "cvc": CVC}  # fmt: skip
    status, _, _ = Browser().request(f"{app.url}/cards/new", form)  # another browser: no cookie
    assert status == 403


def test_a_forged_or_tampered_link_is_refused(app):
    status, _, html = Browser().request(f"{app.url}/cards/new?t=forged.token.value")
    assert status == 410 and "<form" not in html


def _mentions(view: dict | None, needle: str) -> dict | None:
    return view if view and needle in json.dumps(view, ensure_ascii=False) else None


def test_a_card_saved_while_slack_is_unreachable_is_kept_and_the_page_says_so(slack, app, db):
    """After the card is saved, refreshing the modal fails (Slack resets every connection):
    the page still says the card was added (no 500), the card is kept and the link spent."""
    modal = open_modal(slack, BA, "Power BI Pro")
    link = add_card_link(modal, app.url)
    browser = Browser()
    _, _, html = browser.request(link)
    form = {"t": hidden(html, "t"), "csrf": hidden(html, "csrf"), "number": NUMBER, "exp_month": "9",
            "exp_year": "2032", "cvc": CVC}  # fmt: skip
    slack.fake.fail_next(10, "reset", method="views.update")
    status, _, html = browser.request(f"{app.url}/cards/new", form)
    assert status == 200 and 'class="banner success"' in html and "4242" in html
    with db.uow() as uow:
        added = [c for c in uow.cards.for_account("acc_contoso") if (c.exp_month, c.exp_year) == (9, 2032)]
    assert [(c.last4, c.owner_slack_user_id) for c in added] == [("4242", BA)]
    assert browser.request(link)[0] == 410
    assert "not refreshed after a card was added" in app.log


def test_a_page_whose_link_expired_meanwhile_saves_nothing_and_says_so(slack, app, db):
    """The link expires between showing the form and posting it (it lives 15 minutes): the
    card is refused with the expired-link message, never saved."""
    modal = open_modal(slack, BA, "Power BI Pro")
    link = add_card_link(modal, app.url)
    browser = Browser()
    _, _, html = browser.request(link)
    with db.engine.begin() as connection:
        connection.execute(update(CardLinkRow).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    form = {"t": hidden(html, "t"), "csrf": hidden(html, "csrf"), "number": NUMBER, "exp_month": "10",
            "exp_year": "2032", "cvc": CVC}  # fmt: skip
    status, _, html = browser.request(f"{app.url}/cards/new", form)
    assert status == 410 and 'role="alert"' in html
    with db.uow() as uow:
        assert not [c for c in uow.cards.for_account("acc_contoso") if (c.exp_month, c.exp_year) == (10, 2032)]
