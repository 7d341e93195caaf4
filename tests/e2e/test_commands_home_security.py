"""``/settle``, the Home tab, refusals and request signatures, through real HTTP."""

from __future__ import annotations

import json
import time

from handlers import ids
from sandbox import payloads
from tests.e2e.harness import shown_view, wait_until
from tests.e2e.test_settle_flow import BA, GA, NOBODY, OTHER, READER, ZH, scan


def settle_buttons(blocks: list[dict]) -> list[str]:
    values = []
    for block in blocks:
        elements = [block.get("accessory"), *block.get("elements", [])]
        values += [e["value"] for e in elements if isinstance(e, dict) and e.get("action_id") == ids.SETTLE_OPEN]
    return values


def test_settle_lists_the_actors_past_due_subscriptions_with_buttons(slack, db):
    response = slack.slash(BA)
    body = response.json()
    assert response.status == 200
    assert sorted(settle_buttons(body["blocks"])) == ["sub_business_premium", "sub_m365_e3", "sub_power_bi"]
    assert "Teams Essentials" not in json.dumps(body)  # another account's


def test_settle_says_when_nothing_is_past_due(slack, db):
    body = slack.slash(OTHER, "").json()
    assert "sub_teams" in settle_buttons(body["blocks"])
    modal_ok = slack.slash(OTHER, "Teams Essentials")
    assert modal_ok.status == 200
    view = wait_until(lambda: shown_view(slack.fake, OTHER))
    slack.submit(OTHER, view["id"])
    # the receipt shows once the payment is committed (the gateway's ledger has it a moment before)
    wait_until(lambda: (slack.fake.view(view["id"]) or {}).get("callback_id") == ids.RESULT_MODAL)
    text = json.dumps(slack.slash(OTHER).json()).lower()
    assert "nothing" in text and ids.SETTLE_OPEN not in text


def test_settle_with_a_product_name_or_id_opens_its_modal(slack):
    assert slack.slash(GA, "power bi").status == 200
    view = wait_until(lambda: shown_view(slack.fake, GA))
    assert "Power BI Pro" in json.dumps(view["blocks"])
    slack.fake.close_view(GA)
    assert slack.slash(GA, "sub_m365_e3").status == 200
    view = wait_until(lambda: shown_view(slack.fake, GA))
    assert "Microsoft 365 E3" in json.dumps(view["blocks"])


def test_settle_help_explains_the_command(slack):
    text = json.dumps(slack.slash(BA, "help").json())
    assert "/settle" in text and "Home" in text


def test_a_user_without_a_role_is_refused_politely_and_learns_nothing(slack):
    for text in ("", "sub_m365_e3", "Microsoft 365 E3", "help me"):
        blob = json.dumps(slack.slash(NOBODY, text).json())
        assert "Contoso" not in blob and "sub_" not in blob and "129.99" not in blob
    assert slack.fake.current_view(NOBODY) is None


def test_a_forged_button_for_another_accounts_subscription_opens_nothing_of_it(slack, env):
    scan(env)
    message = next(m for m in slack.fake.messages("C0BILLING1") if "sub_teams" in json.dumps(m["blocks"]))
    slack.click_in_message(BA, "C0BILLING1", message["ts"], ids.SETTLE_OPEN, "sub_teams")
    view = wait_until(lambda: shown_view(slack.fake, BA))
    assert "Teams Essentials" not in json.dumps(view) and "submit" not in view


def test_the_home_tab_shows_your_products_and_refreshes_after_settling(slack, db):
    assert slack.open_home(READER).status == 200
    home = wait_until(lambda: slack.fake.home_view(READER))
    text = json.dumps(home)
    assert "Microsoft 365 E3" in text and "Visio Plan 2" in text and settle_buttons(home["blocks"]) == []
    slack.open_home(BA)
    home = wait_until(lambda: slack.fake.home_view(BA))
    assert "sub_m365_e3" in settle_buttons(home["blocks"])
    slack.click_in_view(BA, home["id"], ids.SETTLE_OPEN, "sub_m365_e3")
    modal = wait_until(lambda: shown_view(slack.fake, BA))
    slack.submit(BA, modal["id"])
    wait_until(lambda: "sub_m365_e3" not in settle_buttons((slack.fake.home_view(BA) or {"blocks": []})["blocks"]))


def test_the_home_tab_is_in_chinese_for_a_chinese_speaker(slack):
    slack.open_home(ZH)
    home = wait_until(lambda: slack.fake.home_view(ZH))
    assert "你的产品" in json.dumps(home, ensure_ascii=False) or "您的产品" in json.dumps(home, ensure_ascii=False)


def test_bad_and_stale_signatures_are_refused_and_nothing_is_done(slack):
    command = payloads.slash_command(text="", user_id=BA, channel_id="C0BILLING1",
                                     trigger_id=slack.fake.issue_trigger_id(BA))  # fmt: skip
    forged = slack.requester.send(command, headers={"X-Slack-Signature": "v0=" + "0" * 64})
    stale = slack.requester.send(command, timestamp=int(time.time()) - 6 * 60)
    unsigned = slack.requester.post(command.body(), command.content_type,
                                    {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""})  # fmt: skip
    assert (forged.status, stale.status, unsigned.status) == (401, 401, 401)
    assert slack.fake.calls_to("users.info") == []
