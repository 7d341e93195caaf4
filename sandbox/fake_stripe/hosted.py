"""Stripe Checkout's hosted page in setup mode, as the fake serves it at a session's ``url``
(``/c/setup/<session id>``), for the local sandbox: the customer picks one of Stripe's test cards
(no card number is ever typed) and an expiry; Save completes the session as Stripe does
(``api_checkout.complete``: the card attached, ``checkout.session.completed`` sent) and returns to
its ``success_url``; Cancel returns to its ``cancel_url``. No API key: the page is the customer's.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.fake_stripe.api_checkout import complete
from sandbox.fake_stripe.cards import checked_expiry
from sandbox.fake_stripe.context import Context
from sandbox.fake_stripe.errors import StripeFailure

PATH = re.compile(r"/c/setup/([A-Za-z0-9_]+)")
# Stripe's test cards the page offers: brand, last 4, and how the fake then answers a payment.
TEST_CARDS = {
    "visa": ("visa", "4242", {}),
    "mastercard": ("mastercard", "4444", {}),
    "declines": ("visa", "9995", {"fake_decline": "insufficient_funds"}),
}
LABELS = {"visa": "Visa ending 4242", "mastercard": "Mastercard ending 4444",
          "declines": "Visa ending 9995 (declined: insufficient funds)"}  # fmt: skip


def respond(ctx: Context, request: Request) -> Response | None:
    """The hosted page's answer, or None for any other path (the API's)."""
    found = PATH.fullmatch(request.path)
    if found is None:
        return None
    with ctx.account.lock:
        session = ctx.table("checkout.session").find(found.group(1))
        if session is None or session["status"] != "open":
            return _page("This setup page has expired or was already used.", 404)
        if request.method == "POST":
            return _submit(ctx, session, request)
        return _page(_form(session))


def _submit(ctx: Context, session: dict[str, Any], request: Request) -> Response:
    if request.form.get("action") == "cancel":
        return _back(session["cancel_url"], session)
    choice = TEST_CARDS.get(request.form.get("card", ""))
    if choice is None:
        return _page(_form(session, "Pick one of the test cards."), 400)
    brand, last4, metadata = choice
    try:
        asked = {"exp_month": request.form.get("exp_month", ""), "exp_year": request.form.get("exp_year", "")}
        expiry = checked_expiry(ctx.account, asked, {})  # as Stripe refuses one invalid or past
        complete(ctx, session["id"], brand=brand, last4=last4, email=request.form.get("email") or None,
                 metadata=dict(metadata), **expiry)  # fmt: skip
    except StripeFailure:
        return _page(_form(session, "Give an expiry month (1-12) and a year that has not passed."), 400)
    return _back(session["success_url"], session)


def _back(url: str | None, session: dict[str, Any]) -> Response:
    if not url:
        return _page("Done. You may close this page.")
    return Response(status=303, headers={"Location": url.replace("{CHECKOUT_SESSION_ID}", session["id"])})


def _form(session: dict[str, Any], problem: str = "") -> str:
    cards = "".join(f'<label><input type="radio" name="card" value="{key}"{" checked" if key == "visa" else ""}> '
                    f"{html.escape(label)}</label><br>" for key, label in LABELS.items())  # fmt: skip
    year = dt.date.today().year + 3
    warning = f'<p class="problem">{html.escape(problem)}</p>' if problem else ""
    return f"""<h1>Save a card for later payments</h1>
<p class="test">Fake Stripe, test mode: no real card, no real money. Pick a test card; card numbers
are never typed here.</p>{warning}
<form method="post" action="/c/setup/{html.escape(session["id"])}">
<fieldset><legend>Test card</legend>{cards}</fieldset>
<label>Expiry <input name="exp_month" value="12" size="2" inputmode="numeric"> /
<input name="exp_year" value="{year}" size="4" inputmode="numeric"></label><br>
<label>Billing email (optional) <input name="email" type="email"></label><br>
<button name="action" value="save">Save card</button> <button name="action" value="cancel">Cancel</button>
</form>"""


def _page(body: str, status: int = 200) -> Response:
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;line-height:1.5}}
.test{{background:#fff4d6;padding:.5rem}}.problem{{color:#b00020}}button{{margin-top:1rem}}</style>
</head><body>{body}</body></html>"""
    return Response(page, status=status, content_type="text/html; charset=utf-8")
