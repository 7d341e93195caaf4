"""Full card numbers and CVCs typed on the add-card page reach the gateway's tokenizer and
nothing else: not one column of one table, not the app's log, not one call to Slack."""

from __future__ import annotations

import json
import re
from pathlib import Path

from handlers import ids
from tests import reporting
from tests.e2e.harness import shown_view, wait_until
from tests.e2e.test_add_card_page import Browser, add_card_link, hidden
from tests.hardening.support import BA, Stack, log_messages, mentions, rows, start_stack, stop_stack, today, values

# Test cards with CVCs chosen so that they cannot be confused with anything else in the data.
CARDS = [
    ("4242 4242 4242 4242", "731", "visa"),
    ("5555 5555 5555 4444", "586", "mastercard"),
    ("4000 0000 0000 0002", "294", "visa"),
    ("4000 0000 0000 9995", "817", "visa"),
    ("3782 822463 10005", "9173", "amex"),
]
# Refused, then typed again. The short CVC is above 59, so no clock time (a card link's expiry
# "…:58:…") can look like it: "58" failed this test during two minutes of every hour.
TYPOS = [("4242 4242 4242 4241", "731"), ("5555 5555 5555 4444", "87")]


def _forms(number: str, cvc: str) -> list[dict[str, str]]:
    """What a person types: a mistake first (for some cards), then the card."""
    good = {"number": number, "exp_month": "9", "exp_year": str(today().year + 3), "cvc": cvc}
    return [{**good, "number": n, "cvc": c} for n, c in TYPOS if n[:4] == number[:4]] + [good]


def _add_cards(stack: Stack) -> list[int]:
    """Each card through its own modal and one-time link, as a person would; the statuses seen."""
    statuses = []
    for number, cvc, _ in CARDS:
        stack.fake.close_view(BA)
        links = len(rows(stack.db.engine)["card_links"])
        assert stack.slack.slash(BA, "Power BI Pro").status == 200
        modal = wait_until(lambda: shown_view(stack.fake, BA))
        # The app records the link just after views.open returns: wait for it (see the report).
        wait_until(lambda links=links: len(rows(stack.db.engine)["card_links"]) > links)
        browser = Browser()
        status, _, html = browser.request(add_card_link(modal, stack.app.url))
        assert status == 200
        for fields in _forms(number, cvc):
            form = {"t": hidden(html, "t"), "csrf": hidden(html, "csrf"), **fields}
            status, _, page = browser.request(f"{stack.app.url}/cards/new", form)
            statuses.append(status)
            shown = re.sub(r'placeholder="[^"]*"', "", page)
            assert fields["number"] not in shown and fields["number"].replace(" ", "") not in shown
        assert status == 200, page
        shows = number[-4:]  # the modal, refreshed, shows the new card
        wait_until(lambda view=modal["id"], last4=shows: last4 in json.dumps(stack.fake.view(view) or {}))
    return statuses


def _leaks(text: str, number: str, cvc: str, what: str) -> list[str]:
    digits = number.replace(" ", "")
    found = [f"{what}: card number" for n in (digits, number) if n in text]
    return found + ([f"{what}: CVC {cvc}"] if mentions(text, cvc) else [])


def test_card_numbers_and_cvcs_stay_out_of_the_database_the_logs_and_slack(stack: Stack) -> None:
    statuses = _add_cards(stack)
    _assert_nowhere(stack, statuses, log_messages(stack.app.log))
    reporting.record("card numbers and CVCs nowhere but the tokenizer", requests=len(statuses) + 2 * len(CARDS),
                     processes=1, faults=len(TYPOS), charges=0)  # fmt: skip


def test_card_numbers_and_cvcs_stay_out_of_json_logs_too(tmp_path: Path) -> None:
    json_stack = start_stack(tmp_path, LOG_FORMAT="json")
    try:
        statuses = _add_cards(json_stack)
        lines = [json.loads(line) for line in json_stack.app.log.splitlines() if line.strip()]  # all JSON
        assert len(lines) > 5 and all(set(line) >= {"time", "level", "logger", "message"} for line in lines)
        # Without the time and pid fields, whose digits could look like a CVC.
        log = "\n".join(json.dumps({k: v for k, v in line.items() if k not in ("time", "pid")}) for line in lines)
        _assert_nowhere(json_stack, statuses, log)
    finally:
        stop_stack(json_stack)


def _assert_nowhere(stack: Stack, statuses: list[int], log: str) -> None:
    assert statuses.count(200) == len(CARDS) and statuses.count(400) == len(TYPOS)
    with stack.db.uow() as uow:
        added = {(c.brand, c.last4) for c in uow.cards.for_account("acc_contoso")}
    assert {(brand, number[-4:]) for number, _, brand in CARDS} <= added
    cells = [(table, column, value) for table, column, value in values(stack.db.engine)]
    calls = [json.dumps(call.params, ensure_ascii=False) for call in stack.fake.calls]
    leaks = []
    for number, cvc, _ in CARDS + [(n, c, "") for n, c in TYPOS]:
        for table, column, value in cells:
            leaks += _leaks(str(value), number, cvc, f"{table}.{column}")
            leaks += [f"{table}.{column} = CVC"] if str(value) == cvc else []
        leaks += _leaks(log, number, cvc, "app log")
        leaks += [leak for call in calls for leak in _leaks(call, number, cvc, "a call to Slack")]
    assert leaks == []
    raw = b"".join(p.read_bytes() for p in Path(stack.database_url.removeprefix("sqlite:///")).parent.glob("*.db*"))
    assert not [n for n, _, _ in CARDS if n.replace(" ", "").encode() in raw or n.encode() in raw]
    assert len(cells) > 100 and calls and ids.SETTLE_MODAL in json.dumps(calls)  # there was something to search
