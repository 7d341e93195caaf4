"""What each person can do in the modal: options by role and card ownership, declines, expiry fixes."""

from __future__ import annotations

import json

from handlers import ids
from tests.e2e.harness import wait_until
from tests.e2e.test_settle_flow import BA, GA, READER, ZH, open_modal_from_alert, scan


def actions_in(view: dict) -> set[tuple[str, str]]:
    """(action_id, value) of every button in the view's Card blocks and actions blocks."""
    found = set()
    for block in view["blocks"]:
        for element in block.get("actions", []) + block.get("elements", []):
            if isinstance(element, dict) and element.get("type") == "button":
                found.add((element["action_id"], element.get("value", "")))
    return found


def input_blocks(view: dict) -> set[str]:
    return {ids.base_of(b["block_id"]) for b in view["blocks"] if b["type"] == "input"}


def test_the_owner_of_the_expired_card_may_change_its_date_and_others_may_not(slack, env, db):
    scan(env)
    owner = open_modal_from_alert(slack, GA, "sub_business_premium")
    assert (ids.EDIT_EXPIRY, "card_expired") in actions_in(owner)
    assert {ids.EXP_MONTH_BLOCK, ids.EXP_YEAR_BLOCK} <= input_blocks(owner)
    other = open_modal_from_alert(slack, BA, "sub_business_premium")
    assert not any(a == ids.EDIT_EXPIRY and v == "card_expired" for a, v in actions_in(other))
    assert input_blocks(other) == {ids.PAY_WITH_BLOCK}


def test_an_expired_card_is_refused_inline_with_the_fix(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, BA, "sub_business_premium")
    response = slack.submit(BA, modal["id"])
    body = response.json()
    assert body["response_action"] == "errors"
    (message,) = body["errors"].values()
    assert "4444" in message and "another card" in message.lower()
    assert db.charges() == []


def test_the_owner_fixes_the_expiry_and_pays_in_one_save(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, GA, "sub_business_premium")
    response = slack.submit(GA, modal["id"], {ids.EXP_MONTH_ACTION: "12", ids.EXP_YEAR_ACTION: "2030"})
    assert response.json()["response_action"] == "update"
    wait_until(lambda: db.charges())
    (charge,) = db.charges()
    assert (charge["subscription_id"], charge["amount"], charge["outcome"]) == (
        "sub_business_premium", "264.00", "succeeded",
    )  # fmt: skip


def test_a_declined_card_shows_the_reason_in_the_modal_and_leaves_the_balance_open(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, BA, "sub_power_bi")
    slack.submit(BA, modal["id"])
    view = wait_until(lambda: _with_text(slack, modal["id"], "insufficient"))
    assert view["callback_id"] == ids.SETTLE_MODAL  # back to the form, to pick another card
    assert "sub_power_bi" in db.open_balances()
    (charge,) = db.charges()
    assert charge["outcome"] == "declined"


def test_picking_another_card_then_saving_pays_with_it(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, BA, "sub_power_bi")
    slack.click_in_view(BA, modal["id"], ids.SELECT_CARD, "card_visa")
    view = wait_until(lambda: _selected(slack, modal["id"]) == "card_visa" and slack.fake.view(modal["id"]))
    slack.submit(BA, view["id"])
    wait_until(lambda: _with_text(slack, modal["id"], "4242") and db.charges())
    assert [c["outcome"] for c in db.charges()] == ["succeeded"]


def test_a_billing_reader_sees_the_balance_but_cannot_save(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, READER, "sub_m365_e3")
    assert "submit" not in modal and input_blocks(modal) == set()
    assert not any(a in (ids.SELECT_CARD, ids.EDIT_EXPIRY) for a, _ in actions_in(modal))


def test_a_chinese_speaking_admin_gets_chinese_text_and_amounts(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, ZH, "sub_m365_e3")
    text = json.dumps(modal, ensure_ascii=False)
    assert "逾期" in text and "US$129.99" in text and modal["title"]["text"] == "结清余额"


def _with_text(slack, view_id: str, needle: str) -> dict | None:
    view = slack.fake.view(view_id)
    return view if view and needle.lower() in json.dumps(view, ensure_ascii=False).lower() else None


def _selected(slack, view_id: str) -> str | None:
    view = slack.fake.view(view_id) or {"blocks": []}
    for block in view["blocks"]:
        if block["type"] == "input" and ids.base_of(block["block_id"]) == ids.PAY_WITH_BLOCK:
            return (block["element"].get("initial_option") or {}).get("value")
    return None
