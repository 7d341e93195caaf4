"""The messages and views serialised without slack_sdk's validators (the deliverer's messages,
a Save's result view and receipt) come out exactly as slack_sdk's own ``to_dict()`` gives them
(which validates: it would raise on a message that breaks Slack's limits)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slack_sdk.models.blocks import Block, RichTextBlock, RichTextSectionElement

from domain.alert_views import BillingNote, Closed, DigestView
from domain.records import Outcome
from handlers.blocks import alert_message, reminder_message, result_modal
from handlers.blocks.command import receipt_message
from handlers.blocks.common import Message
from handlers.blocks.digest import digest_message
from handlers.blocks.payload import as_json
from tests.unit.test_blocks_data import LOCALES, MASTERCARD, NOW, OWNER, SETTLED, TODAY, alert_view, result, tr

OPEN = alert_view()
MESSAGES = {
    "open": lambda t: alert_message(OPEN, t),
    "open, sandbox": lambda t: alert_message(OPEN, t, sandbox=True),
    "expired card": lambda t: alert_message(alert_view(card_=MASTERCARD), t),
    "no card": lambda t: alert_message(alert_view(card_=None), t),
    "billing note": lambda t: alert_message(replace(OPEN, billing=BillingNote(3, NOW, "past_due")), t),
    "settled, sandbox": lambda t: alert_message(alert_view(settled=SETTLED), t, sandbox=True),
    "closed": lambda t: alert_message(replace(OPEN, closed=Closed("voided", NOW)), t),
    "reminder": lambda t: reminder_message(OPEN, 7, OWNER, t),
    "reminder, no owner": lambda t: reminder_message(OPEN, 7, None, t),
    "reminder, settled": lambda t: reminder_message(alert_view(settled=SETTLED), 7, OWNER, t),
    "digest": lambda t: digest_message(DigestView("C0BILLING", 9, (OPEN, alert_view(card_=None)), "en", TODAY), t),
    "receipt": lambda t: receipt_message(result(), t),
    "receipt, sandbox": lambda t: receipt_message(result(), t, sandbox=True),
    "receipt, partly paid": lambda t: receipt_message(result(Outcome.PARTIAL), t),
    "receipt, 3-D Secure": lambda t: receipt_message(result(Outcome.ACTION_REQUIRED), t),
}
RESULTS = {  # the outcomes a Save shows as its result (``submit_flow.SHOWN_AS_RESULT``)
    "paid": lambda t: result_modal(result(), t),
    "paid, sandbox": lambda t: result_modal(result(), t, sandbox=True),
    "partly paid": lambda t: result_modal(result(Outcome.PARTIAL), t),
    "3-D Secure": lambda t: result_modal(result(Outcome.ACTION_REQUIRED), t),
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_each_kind_of_delivered_message_serialises_as_slack_sdk_does(kind: str, locale: str) -> None:
    message: Message = MESSAGES[kind](tr(locale))
    assert as_json(message.blocks) == [block.to_dict() for block in message.blocks]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", sorted(RESULTS))
def test_each_result_view_serialises_as_slack_sdk_does(kind: str, locale: str) -> None:
    view = RESULTS[kind](tr(locale))
    assert as_json(view) == view.to_dict()


def test_an_object_that_serialises_itself_its_own_way_is_left_to_it() -> None:
    rich: list[Block] = [RichTextBlock(elements=[RichTextSectionElement(elements=[])])]  # empty allowed there
    assert as_json(rich) == [block.to_dict() for block in rich]
    assert as_json([{"type": "divider"}, "text", 3, None]) == [{"type": "divider"}, "text", 3, None]
