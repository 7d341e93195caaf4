"""``/settle`` with any text (any Unicode, up to several KB): never a 5xx, always a clear answer
(a message, or the modal), no mention or link smuggled into the reply, nothing written but
the add-card link of a modal it opened."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from sandbox import payloads
from sandbox.recording import Call
from tests import reporting
from tests.e2e.harness import wait_until
from tests.hardening.support import BA, NOBODY, READER, Stack, examples, rows

PRODUCTS = ["Power BI Pro", "Microsoft 365 E3", "sub_m365_e3", "visio", "Teams Essentials", "help", "帮助", "?"]
TWISTS = ["", " ", "\u200b", "\u202e", "\t", "\n", "\x00", "\u00a0", "<!channel>", "<@U0DEMOGA1>", "&amp;", "*",
          "\U0001f4b3", "\ufeff", "\uff30\uff2f\uff37\uff25\uff32"]  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=40),
    st.text(min_size=1000, max_size=6000),
    st.tuples(st.sampled_from(TWISTS), st.sampled_from(PRODUCTS), st.sampled_from(TWISTS)).map("".join),
    st.sampled_from(PRODUCTS).map(str.upper),
)  # fmt: skip
LINK_TABLES = frozenset({"seen_requests", "card_links"})  # what opening a modal writes
tally: Counter[str] = Counter()


@examples(80)
@given(text=TEXTS, user=st.sampled_from([BA, BA, READER, NOBODY]))
def test_any_settle_text_gets_a_clear_answer_and_writes_nothing(stack: Stack, text: str, user: str) -> None:
    opened = len(stack.fake.calls_to("views.open"))
    before = rows(stack.db.engine, LINK_TABLES)
    url = stack.fake.issue_response_url(user, "C0BILLING1")
    command = payloads.slash_command(text=text, user_id=user, channel_id="C0BILLING1", response_url=url,
                                     trigger_id=stack.fake.issue_trigger_id(user))  # fmt: skip
    response = stack.post(command.body() + f"&x_sent={uuid.uuid4().hex}".encode())
    assert response.status == 200 and not response.body.strip()  # acked at once; answered after
    path = urlsplit(url).path

    def replies() -> list[Call]:
        return stack.fake.calls_to(lambda c: c.method == "response_url" and c.params.get("url") == path)

    wait_until(lambda: replies() or len(stack.fake.calls_to("views.open")) > opened)
    if replies():
        answer = replies()[0].params
        shown = json.dumps(answer, ensure_ascii=False)
        assert answer["text"].strip() and answer["blocks"]
        assert "<!channel>" not in shown and "<@U0DEMOGA1>" not in shown and "\\u0000" not in shown
        tally["message"] += 1
        stack.fake.close_view(user)
    else:
        tally["modal"] += 1
        stack.fake.close_view(user)
    assert rows(stack.db.engine, LINK_TABLES) == before


def test_the_settle_texts_were_explored(stack: Stack) -> None:
    assert tally["message"] > 0 and tally["modal"] > 0, tally
    reporting.record(f"/settle text fuzzed: {dict(sorted(tally.items()))}", requests=sum(tally.values()),
                     processes=1, faults=tally["message"], charges=0)  # fmt: skip
