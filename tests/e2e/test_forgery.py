"""Values in buttons, options and private_metadata are untrusted: forged requests change nothing."""

from __future__ import annotations

import datetime as dt
import json

from domain.importing import import_billing_data
from handlers import ids
from handlers.metadata import ModalMeta
from sandbox import payloads
from sandbox.inputs import state_values
from tests.e2e.harness import shown_view, wait_until
from tests.e2e.test_settle_flow import BA, GA, READER
from tests.reporting import record


def forged_submit(slack, user: str, view: dict, meta: ModalMeta | None = None, values: dict | None = None):
    forged = dict(view)
    if meta is not None:
        forged["private_metadata"] = meta.dumps()
    state = state_values(view, {}) if values is None else values
    body = payloads.view_submission(user_id=user, view=forged, state_values=state,
                                    trigger_id=slack.fake.issue_trigger_id(user))  # fmt: skip
    return slack.requester.send(body)


def settled_view(slack, view: dict) -> dict:
    """What the modal shows once the job behind a Save has answered (the ack shows "processing")."""
    def answered() -> dict | None:
        now = slack.fake.view(view["id"])
        shown = now and now["hash"] != view["hash"] and now.get("callback_id") != ids.PROCESSING_MODAL
        return now if shown else None

    return wait_until(answered)


def modal_of(slack, user: str, product: str) -> dict:
    slack.slash(user, product)
    return wait_until(lambda: shown_view(slack.fake, user))


def option(value: str) -> dict:
    return {"value": value, "text": {"type": "plain_text", "text": value}}


def pay_with(view: dict, card_id: str) -> dict:
    values = state_values(view, {})
    for block_id, actions in values.items():
        if ids.base_of(block_id) == ids.PAY_WITH_BLOCK:
            actions[ids.PAY_WITH_ACTION]["selected_option"] = option(card_id)
    return values


def test_a_billing_reader_cannot_settle_even_with_a_forged_save(slack, db):
    view = modal_of(slack, BA, "Microsoft 365 E3")
    answer = forged_submit(slack, READER, view).json()
    assert answer["response_action"] == "update"  # "processing": the checks run after the ack
    assert "only global admins" in json.dumps(settled_view(slack, view)).lower()
    assert db.charges() == []


def test_metadata_naming_another_accounts_subscription_is_refused(slack, db):
    view = modal_of(slack, BA, "Microsoft 365 E3")
    answer = forged_submit(slack, BA, view, ModalMeta("sub_teams")).json()
    assert "Teams" not in json.dumps(answer) and "Teams" not in json.dumps(settled_view(slack, view))
    assert db.charges() == []
    assert "sub_teams" in db.open_balances()


def test_an_option_naming_another_accounts_card_is_refused(slack, db):
    view = modal_of(slack, BA, "Microsoft 365 E3")
    forged_submit(slack, BA, view, values=pay_with(view, "card_amex"))
    shown = settled_view(slack, view)
    assert shown["callback_id"] == ids.SETTLE_MODAL and "Amex" not in json.dumps(shown)
    assert "isn't one of this account's cards" in json.dumps(shown) or "card" in json.dumps(shown["blocks"][0])
    assert db.charges() == []


def test_a_non_owner_cannot_change_a_cards_expiry_by_forging_the_form(slack, db):
    view = modal_of(slack, BA, "Microsoft 365 Business Premium")
    meta = ModalMeta("sub_business_premium", selected_card_id="card_visa", editing_card_id="card_expired")
    values = pay_with(view, "card_visa")
    month, year = ids.versioned(ids.EXP_MONTH_BLOCK, "card_expired"), ids.versioned(ids.EXP_YEAR_BLOCK, "card_expired")
    values[month] = {ids.EXP_MONTH_ACTION: {"type": "static_select", "selected_option": option("12")}}
    values[year] = {ids.EXP_YEAR_ACTION: {"type": "static_select", "selected_option": option("2031")}}
    forged_submit(slack, BA, view, meta, values)
    shown = settled_view(slack, view)
    assert shown["callback_id"] == ids.SETTLE_MODAL and shown["blocks"][0]["type"] == "alert"
    with db.uow() as uow:
        card = uow.cards.get("card_expired")
    assert card.exp_year != 2031 and db.charges() == []


def test_an_admin_removed_from_the_account_loses_access_at_once(slack, db):
    view = modal_of(slack, BA, "Microsoft 365 E3")
    from bot.demo import demo_data

    data = demo_data(dt.datetime.now(dt.UTC).date())
    data["accounts"][0]["admins"] = [a for a in data["accounts"][0]["admins"] if a["slack_user_id"] != BA]
    import_billing_data(db.uow(), data)
    forged_submit(slack, BA, view)  # the modal was open before the removal
    assert "129.99" not in json.dumps(settled_view(slack, view))
    assert "Contoso" not in json.dumps(slack.slash(BA).json())
    assert db.charges() == []
    assert GA  # the others keep their access
    record("forged buttons, options, metadata; removed admin", requests=6, processes=1, faults=5, charges=0)
