"""Two workspaces, one app: the same user id in each is another person, and an id of the other
workspace's account, subscription or card is refused as unknown (nothing learnt, nothing charged),
also when forged into a button, private_metadata or a submission."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from domain.model import Admin, Role
from handlers import ids
from handlers.metadata import ModalMeta
from sandbox import payloads
from tests.e2e.harness import wait_until
from tests.e2e.test_forgery import forged_submit, modal_of, pay_with, settled_view
from tests.e2e.test_settle_flow import BA

HOME, SECOND = payloads.DEFAULT.team_id, "T0SECOND2"  # Contoso's workspace (the fake's), Fabrikam's


@pytest.fixture
def two_workspaces(db):
    """Contoso in the fake's workspace; Fabrikam in another, where BA's user id is its global admin."""
    with db.uow() as uow:
        uow.accounts.save(replace(uow.accounts.get("acc_contoso"), team_id=HOME))
        uow.accounts.save(replace(uow.accounts.get("acc_fabrikam"), team_id=SECOND))
        uow.accounts.replace_admins("acc_fabrikam", [Admin("acc_fabrikam", BA, Role.GLOBAL_ADMIN)])
        uow.commit()
    return db


def test_each_workspace_lists_only_its_own_accounts_to_the_same_user_id(slack, two_workspaces):
    home = json.dumps(slack.slash(BA).json())
    second = json.dumps(slack.slash(BA, team_id=SECOND).json())
    assert "Microsoft 365 E3" in home and "Teams Essentials" not in home
    assert "Teams Essentials" in second and "Microsoft 365 E3" not in second


def test_settle_naming_another_workspaces_subscription_finds_nothing(slack, two_workspaces):
    answer = json.dumps(slack.slash(BA, "sub_teams").json(), ensure_ascii=False)
    assert "No subscription of yours matches “sub_teams”" in answer
    assert "Teams Essentials" not in answer and not slack.fake.calls_to("views.open")


def test_a_forged_button_value_naming_another_workspaces_subscription_opens_nothing_of_it(slack, two_workspaces):
    trigger = slack.fake.issue_trigger_id(BA)
    clicked = payloads.block_actions(user_id=BA, action_id=ids.SETTLE_OPEN, trigger_id=trigger, value="sub_teams",
                                     channel_id="C0BILLING1", message_ts="1700000000.000100")  # fmt: skip
    assert slack.requester.send(clicked).status == 200
    shown = wait_until(lambda: (slack.fake.modal_stack(BA) or [None])[-1] if slack.fake.calls_to("views.update")
                       else None)  # fmt: skip
    text = json.dumps((shown or {}).get("blocks"))  # what a person sees (the view's hash is random)
    assert "Teams Essentials" not in text and "Fabrikam" not in text and "48" not in text


def test_forged_metadata_naming_another_workspaces_subscription_charges_nothing(slack, two_workspaces):
    view = modal_of(slack, BA, "Microsoft 365 E3")
    answer = forged_submit(slack, BA, view, ModalMeta("sub_teams")).json()
    assert "Teams" not in json.dumps(answer) and "Teams" not in json.dumps(settled_view(slack, view))
    assert two_workspaces.charges() == []
    assert "sub_teams" in two_workspaces.open_balances()


def test_a_forged_option_naming_another_workspaces_card_charges_nothing(slack, two_workspaces):
    view = modal_of(slack, BA, "Microsoft 365 E3")
    forged_submit(slack, BA, view, values=pay_with(view, "card_amex"))
    shown = json.dumps(settled_view(slack, view).get("blocks"))
    assert "Amex" not in shown and "0005" not in shown
    assert two_workspaces.charges() == []
