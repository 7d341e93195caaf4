"""A Save charges the balance the modal showed, or nothing: through `settlebot serve` and the fake Slack."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from domain.model import Invoice
from domain.money import Money
from sandbox.driver import SlackDriver
from tests.e2e.harness import Inspector, shown_view, wait_until
from tests.e2e.test_settle_flow import BA, open_modal_from_alert, scan

CHANGED = "The balance changed from $129.99 to $629.99: check it and Save again"


def import_invoice(db: Inspector, invoice_id: str, amount: str) -> None:
    """What `settlebot import` of a new invoice does to the table, while the modal is open."""
    due = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    with db.uow() as uow:
        uow.invoices.save(Invoice(invoice_id, "sub_m365_e3", Money(Decimal(amount), "USD"), due))
        uow.commit()


def open_modal(slack: SlackDriver, env: dict[str, str], way: str) -> dict:
    if way == "alert":
        scan(env)
        return open_modal_from_alert(slack, BA, "sub_m365_e3")
    slack.slash(BA, "Microsoft 365 E3")
    return wait_until(lambda: shown_view(slack.fake, BA))


def view_text(slack: SlackDriver, view_id: str) -> str:
    return json.dumps((slack.fake.view(view_id) or {}).get("blocks", []), ensure_ascii=False)


@pytest.mark.parametrize("way", ["alert", "slash"])
def test_a_save_after_the_balance_changed_charges_nothing_and_shows_the_new_balance(slack, env, db, way):
    modal = open_modal(slack, env, way)
    assert "$129.99" in view_text(slack, modal["id"])
    import_invoice(db, "inv_e3_late", "500.00")

    assert slack.submit(BA, modal["id"]).status == 200
    wait_until(lambda: CHANGED in view_text(slack, modal["id"]), timeout=15)
    assert "$629.99" in view_text(slack, modal["id"])
    assert db.charges() == []  # nothing reached the processor
    with db.uow() as uow:
        assert uow.attempts.for_subscription("sub_m365_e3") == []

    assert slack.submit(BA, modal["id"]).status == 200  # saved again, on the balance now shown
    wait_until(lambda: "Paid" in view_text(slack, modal["id"]), timeout=15)
    assert [(c["amount"], c["outcome"]) for c in db.charges()] == [("629.99", "succeeded")]
    assert "sub_m365_e3" not in db.open_balances()
