"""The settle modal's Save with any inputs and any ``private_metadata``: never a 5xx, always a
clear answer (inline errors, a notice, or the "processing" view), and a refused submission
writes nothing (row by row, every table)."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import ids
from sandbox import payloads
from tests import reporting
from tests.e2e.harness import shown_view, wait_until
from tests.hardening.support import FORM, GA, Stack, examples, interactive, rows, today

# Mostly Power BI Pro paid with the card that declines: then many Saves can each go all the way
# to a charge (declined) without settling the balance for the examples that follow.
OUR_IDS = ["sub_m365_e3", "sub_power_bi", "sub_power_bi", "sub_power_bi", "sub_teams", "sub_visio", "card_visa",
           "card_expired", "card_declines", "card_declines", "card_declines", "card_amex", "C0BILLING1"]  # fmt: skip
ODD = st.text(max_size=40) | st.sampled_from(["", " ", "\u202e", "x" * 300, "-1", "\uff10\uff17", "²", "\ud800", "7\n"])
IDS = st.sampled_from(OUR_IDS)
NUMBERS = st.sampled_from([str(n) for n in range(0, 14)] + [str(y) for y in range(today().year - 1, today().year + 23)])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)  # fmt: skip
_VALID = {"selected_card_id": IDS, "editing_card_id": IDS, "channel_id": st.sampled_from(["C0BILLING1", "D0DM1"])}
_ANY = {"selected_card_id": IDS | ODD, "editing_card_id": IDS | ODD | JSON_VALUES, "channel_id": IDS | ODD}
_AS_WRITTEN = st.fixed_dictionaries({"subscription_id": IDS}, optional=_VALID).map(json.dumps)  # as the app does
_MANGLED = st.one_of(
    st.fixed_dictionaries({}, optional={"subscription_id": IDS | ODD | JSON_VALUES, **_ANY,
                                        "other": JSON_VALUES}).map(json.dumps),
    st.text(max_size=200), st.sampled_from(["", "null", "[]", "{", '"x"', "x" * 100_000, "[" * 1500]), st.none(),
)  # fmt: skip
METADATA = st.sampled_from(range(3)).flatmap(lambda n: _MANGLED if n == 0 else _AS_WRITTEN)  # 2/3 well formed


def _select(value: Any) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value}}


BLOCKS = (
    st.sampled_from(
        ["pay_with.card_visa", "exp_month.card_expired", "exp_year.card_expired", "pay_with", "exp_month", "notice"]
    )
    | st.text(max_size=20)
    | st.just("pay_with." + "x" * 3000)
)
ACTIONS = st.sampled_from([ids.PAY_WITH_ACTION, ids.EXP_MONTH_ACTION, ids.EXP_YEAR_ACTION]) | st.text(max_size=10)
ELEMENTS = (IDS | NUMBERS | ODD | JSON_VALUES).map(_select) | JSON_VALUES
_AS_SLACK_SENDS = st.fixed_dictionaries({  # every input block is there, as Slack sends them
    "pay_with.card_visa": st.fixed_dictionaries({ids.PAY_WITH_ACTION: IDS.map(_select)}),
}, optional={
    "exp_month.card_expired": st.fixed_dictionaries({ids.EXP_MONTH_ACTION: (NUMBERS | ODD).map(_select)}),
    "exp_year.card_expired": st.fixed_dictionaries({ids.EXP_YEAR_ACTION: (NUMBERS | ODD).map(_select)}),
})  # fmt: skip
_ODD_VALUES = st.dictionaries(BLOCKS, st.dictionaries(ACTIONS, ELEMENTS, max_size=2), max_size=4) | JSON_VALUES
VALUES = st.sampled_from(range(3)).flatmap(lambda n: _ODD_VALUES if n == 0 else _AS_SLACK_SENDS)
tally: Counter[str] = Counter()


@pytest.fixture(scope="module")
def modal(stack: Stack) -> dict[str, Any]:
    """GA's settle modal for Microsoft 365 E3, as Slack holds it."""
    assert stack.slack.slash(GA, "Microsoft 365 E3").status == 200
    return dict(wait_until(lambda: shown_view(stack.fake, GA)))


def _answer(response_body: bytes) -> str:
    """What the user sees, as a label; fails unless it is one of the clear answers."""
    answer = json.loads(response_body)
    if answer["response_action"] == "errors":
        assert answer["errors"] and all(isinstance(t, str) and t.strip() for t in answer["errors"].values())
        return "inline errors"
    assert answer["response_action"] == "update"
    view = answer["view"]
    if view.get("callback_id") == ids.PROCESSING_MODAL:
        return "processing"
    assert view["blocks"] and "callback_id" not in view and "submit" not in view  # a notice, no Save
    return "notice"


def _settled_down(stack: Stack, view_id: str, updates: int) -> None:
    """Wait for the charge that a "processing" answer started to finish and be shown."""
    wait_until(lambda: len([c for c in stack.fake.calls_to("views.update") if c.params.get("view_id") == view_id])
               > updates, timeout=15)  # fmt: skip
    previous: Any = None
    while (now := rows(stack.db.engine)) != previous:
        previous = now
        time.sleep(0.3)


@examples(80)
@given(metadata=METADATA, values=VALUES)
def test_any_modal_input_gets_a_clear_answer_and_a_refusal_writes_nothing(
    stack: Stack, modal: dict[str, Any], metadata: str | None, values: Any
) -> None:
    view = {**modal, "state": {"values": values}, "private_metadata": metadata}
    if metadata is None:
        del view["private_metadata"]
    body = payloads.view_submission(user_id=GA, view=view, state_values=values,
                                    trigger_id=stack.fake.issue_trigger_id(GA)).data  # fmt: skip
    before = rows(stack.db.engine)
    updates = len([c for c in stack.fake.calls_to("views.update") if c.params.get("view_id") == modal["id"]])
    response = stack.post(interactive({**body, "x_sent": uuid.uuid4().hex}), FORM)
    assert response.status in (200, 400, 413), response.status
    answer = _answer(response.body) if response.status == 200 else f"refused ({response.status})"
    tally[answer] += 1
    if answer == "processing":  # the checks against the database run after the ack
        _settled_down(stack, modal["id"], updates)
        shown = stack.fake.view(modal["id"])
        assert shown and shown["blocks"] and shown.get("callback_id") != ids.PROCESSING_MODAL
        tally["then " + ("a result" if shown.get("callback_id") == ids.RESULT_MODAL else
                         "the form with the reason" if shown.get("callback_id") == ids.SETTLE_MODAL else
                         "a notice")] += 1  # fmt: skip
    else:
        assert rows(stack.db.engine) == before


def test_the_modal_inputs_were_explored(stack: Stack) -> None:
    """Runs after the property test: every kind of answer came up, and is recorded."""
    assert {"inline errors", "processing", "then a notice", "refused (400)"} <= set(tally), tally
    sent = sum(n for label, n in tally.items() if not label.startswith("then "))
    reporting.record(f"modal inputs fuzzed: {dict(sorted(tally.items()))}", requests=sent,
                     processes=1, faults=sent - tally["processing"] + tally["then a notice"],
                     charges=len(stack.db.charges()))  # fmt: skip
