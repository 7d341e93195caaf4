"""The local sandbox's Stripe flow (``make run-stripe``): the demo data in a fake Stripe in the same
process, synced and alerted; the settle modal's "Add a new card" reaching the fake's hosted Checkout
page, and the card picked there reaching the modal (through Stripe's webhook)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.quickstart import LocalSandbox
from bot.settings import load_settings
from domain.billing_mirror import card_id_for
from handlers import ids
from tests.e2e.harness import wait_until
from tests.sandbox_page.ui import GA

PRODUCTS = ["Microsoft 365 Business Premium", "Microsoft 365 E3", "Power BI Pro", "Teams Essentials"]


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is answered as it is, to be looked at


def fetch(url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, Location, body) of a GET, or of a POST of ``form``; redirects not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.build_opener(_Stay).open(url, data=data, timeout=10) as answer:
            return answer.status, "", answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSandbox]:
    running = LocalSandbox(load_settings(), database=tmp_path_factory.mktemp("stripe") / "sandbox.db",
                           billing="stripe")  # fmt: skip
    running.start()
    yield running
    running.stop()
    assert running.fake.problems == []


def alerts(box: LocalSandbox) -> dict[str, dict[str, Any]]:
    """The channel's alerts by product name, with the subscription id of their Settle button."""
    found = {}
    for message in box.fake.messages(box.base.billing_channel):
        text = json.dumps(message.get("blocks", []), ensure_ascii=False)
        buttons = [e for b in message.get("blocks", []) if b.get("type") == "actions" for e in b["elements"]]
        value = next((e["value"] for e in buttons if e.get("action_id") == ids.SETTLE_OPEN), None)
        product = next((p for p in PRODUCTS if f"Past-due payment: {p}" in text), None)
        if product and value:
            found[product] = {"ts": message["ts"], "subscription": value, "text": text}
    return found


def test_the_demo_data_is_stripes_synced_and_its_past_due_subscriptions_alerted(box: LocalSandbox) -> None:
    found = alerts(box)

    assert sorted(found) == PRODUCTS
    assert "$129.99" in found["Microsoft 365 E3"]["text"] and "expired" in found[PRODUCTS[0]]["text"].lower()
    assert "6 new alerts" in box.page.memory.last_scan  # 4 here, 2 in the second workspace's channel
    second = box.workspaces[1]
    tailspin = [json.dumps(m.get("blocks", []), ensure_ascii=False) for m in box.fake.messages(second.channel_id)]
    assert len(tailspin) == 2 and all("£" in text for text in tailspin)  # its customer pays in GBP
    assert box.stripe is not None and box.stripe.fake.requests_to("events.list")  # synced from the fake's API
    assert box.runtime is not None and box.runtime.services.billing is not None


def test_add_a_new_card_opens_the_fakes_checkout_page_and_the_card_picked_there_shows_in_the_modal(
    box: LocalSandbox,
) -> None:
    driver = box.page.actions.driver
    e3 = alerts(box)["Microsoft 365 E3"]
    clicked = driver.click_in_message(GA, box.base.billing_channel, e3["ts"], ids.SETTLE_OPEN, e3["subscription"])
    assert clicked.status == 200
    modal = wait_until(lambda: next((v for v in box.fake.modal_stack(GA)
                                     if v.get("callback_id") != ids.LOADING_MODAL), None), timeout=10)  # fmt: skip
    link = re.search(r'https?://[^"]+/cards/new\?t=[^"]+', json.dumps(modal["blocks"]))
    assert link is not None

    status, checkout, _ = fetch(link.group(0))  # settlebot makes the Checkout Session and sends the person on
    assert status == 303 and checkout.startswith(box.stripe.fake.url + "/c/setup/")  # type: ignore[union-attr]
    status, _, page = fetch(checkout)
    assert status == 200 and "Mastercard ending 4444" in page and 'name="number"' not in page  # none typed
    status, back, _ = fetch(checkout, {"card": "mastercard", "exp_month": "9", "exp_year": "2031", "action": "save"})

    assert status == 303 and back.startswith(link.group(0).split("?")[0]) and "done=1" in back
    shown = wait_until(lambda: "09/2031" in json.dumps(box.fake.view(modal["id"]) or {}), timeout=15)
    stripe = box.stripe.fake  # type: ignore[union-attr]
    session = stripe.events("checkout.session.completed")[-1]["data"]["object"]
    card = stripe.get(stripe.get(session["setup_intent"])["payment_method"])
    assert shown and card["metadata"].get("settlebot_owner") == GA  # set by settlebot: who added it

    saved = driver.submit(GA, modal["id"], {ids.PAY_WITH_ACTION: card_id_for(card["id"])})

    assert saved.status == 200
    wait_until(lambda: len(stripe.payments) == 2, timeout=15)  # the two open invoices, with invoices.pay
    assert {(p.payment_method, stripe.get(p.invoice)["subscription"]) for p in stripe.payments} == {
        (card["id"], e3["subscription"])}  # fmt: skip
