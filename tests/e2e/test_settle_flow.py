"""The seed flow through real HTTP: scan -> alert -> click -> modal -> Save -> charged once."""

from __future__ import annotations

import json

from handlers import ids
from handlers.i18n import translator
from sandbox.driver import SlackDriver
from tests.e2e.harness import BILLING_CHANNEL, AppProcess, cli, wait_until

GA, BA, READER, ZH, OTHER, NOBODY = "U0DEMOGA1", "U0DEMOBA2", "U0DEMORD3", "U0DEMOZH4", "U0DEMOOT5", "U0DEMONO6"


def alerts(slack: SlackDriver) -> dict[str, dict]:
    """The channel's alerts by subscription id (read from their Settle button's value)."""
    found = {}
    for message in slack.fake.messages(BILLING_CHANNEL):
        text = json.dumps(message.get("blocks", []))
        for block in message.get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == ids.SETTLE_OPEN:
                    found[element["value"]] = message
        if "sub_" not in text:
            continue
    return found


def open_modal_from_alert(slack: SlackDriver, user: str, subscription_id: str) -> dict:
    message = alerts(slack)[subscription_id]
    before = {v["id"] for v in slack.fake.modal_stack(user)}
    response = slack.click_in_message(user, BILLING_CHANNEL, message["ts"], ids.SETTLE_OPEN, subscription_id)
    assert response.status == 200
    return wait_until(lambda: next((v for v in slack.fake.modal_stack(user)
                                    if v["id"] not in before and v.get("callback_id") != ids.LOADING_MODAL), None))


def scan(env: dict[str, str], *extra: str) -> str:
    return cli(env, "scan", *extra).stdout


def test_scan_posts_one_alert_per_past_due_subscription_with_a_settle_button(slack, env, db):
    scan(env)
    found = alerts(slack)
    assert sorted(found) == ["sub_business_premium", "sub_m365_e3", "sub_power_bi", "sub_teams"]
    e3 = json.dumps(found["sub_m365_e3"]["blocks"])
    assert "Microsoft 365 E3" in e3 and "$129.99" in e3 and "4242" in e3
    assert "expired" in json.dumps(found["sub_business_premium"]["blocks"]).lower()
    scan(env)
    assert len(slack.fake.messages(BILLING_CHANNEL)) == 4  # a second scan posts nothing new


def test_paying_with_a_good_card_charges_once_and_marks_everything_settled(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, BA, "sub_m365_e3")
    no_money = translator("en")
    assert no_money("sandbox.before") in json.dumps(modal["blocks"], ensure_ascii=False)  # the sandbox gateway
    response = slack.submit(BA, modal["id"])
    assert response.status == 200 and response.json()["response_action"] == "update"
    result = wait_until(lambda: _view_with(slack, modal["id"], "Paid"))
    assert "$129.99" in json.dumps(result["blocks"])
    assert no_money("sandbox.after") in json.dumps(result["blocks"], ensure_ascii=False)
    charges = db.charges()
    assert [(c["subscription_id"], c["amount"], c["outcome"]) for c in charges] == [
        ("sub_m365_e3", "129.99", "succeeded")
    ]
    balances = db.open_balances()
    assert "sub_m365_e3" not in balances
    settled = wait_until(lambda: _settled_alert(slack, "sub_m365_e3"))
    text = json.dumps(settled["blocks"])
    assert BA in text and "$129.99" in text and ids.SETTLE_OPEN not in text
    assert no_money("sandbox.after") in json.dumps(settled["blocks"], ensure_ascii=False)


def test_the_same_submission_sent_twice_charges_once(slack, env, db):
    scan(env)
    modal = open_modal_from_alert(slack, GA, "sub_m365_e3")
    view = slack.fake.view(modal["id"])
    first = slack.submit(GA, modal["id"])
    # Slack retries, or a double click: the very same view is submitted again.
    from sandbox import payloads
    from sandbox.inputs import state_values

    again = payloads.view_submission(user_id=GA, view=dict(view), state_values=state_values(view, {}),
                                     trigger_id=slack.fake.issue_trigger_id(GA))  # fmt: skip
    second = slack.requester.send(again)
    assert first.status == 200 and second.status == 200
    wait_until(lambda: db.charges())
    wait_until(lambda: _settled_alert(slack, "sub_m365_e3"))
    assert len(db.charges()) == 1


def _view_with(slack: SlackDriver, view_id: str, text: str) -> dict | None:
    view = slack.fake.view(view_id)
    return view if view and text in json.dumps(view.get("blocks", [])) else None


def _settled_alert(slack: SlackDriver, subscription_id: str) -> dict | None:
    for message in slack.fake.messages(BILLING_CHANNEL):
        if message.get("edited") and subscription_id not in json.dumps(message.get("blocks")):
            blob = json.dumps(message.get("blocks"))
            if "settled" in blob.lower():
                return message
    return None


__all__ = ["AppProcess"]
