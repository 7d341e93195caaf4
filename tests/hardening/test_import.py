"""Importing billing data from any document: accepted whole, or refused whole with the path of
the first problem (``settlebot import`` says it in one line) and the database unchanged."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import cli
from bot.demo import demo_data
from domain.errors import ImportRefused
from domain.importing import import_billing_data
from domain.records import Outcome
from domain.settlement import settle
from payments.sandbox import MemoryLedger, SandboxGateway
from storage.db import upgrade
from tests import reporting
from tests.e2e.harness import Inspector, base_env
from tests.fakes import FakeClock
from tests.hardening.support import examples, rows
from tests.unit.builders import shown

VALID = demo_data(dt.date(2026, 11, 25))
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=20),
    st.sampled_from(["", "\ud800", "x" * 300, "1e100", "NaN", "-1", "12.505", "2026-02-30", "9999-12-31",
                     "U0DEMOGA1\n", "acc_contoso", "card_visa", "sub_m365_e3", "USD", "EUR", "zh-CN", "paid",
                     "billing_reader", "tok_visa", "C0BILLING1", "Con\x00toso", "١٢"]),
)  # fmt: skip
JSON_VALUES = st.recursive(
    LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
DOCS = st.dictionaries(
    st.sampled_from(["accounts", "payment_methods", "subscriptions", "invoices"]) | st.text(max_size=8),
    JSON_VALUES, max_size=5,
) | JSON_VALUES  # fmt: skip
tally: Counter[str] = Counter()


@pytest.fixture(scope="module")
def inspector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inspector]:
    url = f"sqlite:///{tmp_path_factory.mktemp('import') / 'settlebot.db'}"
    upgrade(url)
    db = Inspector(url)
    import_billing_data(db.uow(), VALID)
    yield db
    db.close()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


NAMES = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200).filter(str.strip)
BENIGN = {  # changes a person could make to a good file, which must import
    "accounts.name": lambda d, v: d["accounts"][0].update(name=v),
    "subscriptions.product": lambda d, v: d["subscriptions"][1].update(product=v),
    "accounts.locale": lambda d, v: d["accounts"][1].update(locale="zh-CN"),
    "accounts.channel": lambda d, v: d["accounts"][0].update(channel="C0NEWCHANNEL"),
    "invoices.amount": lambda d, v: d["invoices"][2].update(amount="1234.50"),
    "invoices.status": lambda d, v: d["invoices"][3].update(status="paid"),
    "subscriptions.payment_method_id": lambda d, v: d["subscriptions"][2].pop("payment_method_id", None),
    "order": lambda d, v: d["invoices"].reverse(),
}


def _mutated(data: st.DataObject) -> Any:
    """A good file with a few good changes, then (usually) a few arbitrary ones."""
    doc = copy.deepcopy(VALID)
    for change in data.draw(st.lists(st.sampled_from(sorted(BENIGN)), max_size=3, unique=True), label="good changes"):
        BENIGN[change](doc, data.draw(NAMES, label="text"))
    for _ in range(data.draw(st.integers(0, 3), label="arbitrary changes")):
        path = data.draw(st.sampled_from(_paths(doc)), label="path")
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        how = data.draw(st.sampled_from(["replace", "delete", "duplicate"]), label="how")
        if how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif how == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = data.draw(JSON_VALUES, label="value")
        if not _paths(doc):
            break
    return doc


def _import_all_or_nothing(db: Inspector, doc: Any) -> str:
    before = rows(db.engine)
    try:
        report = import_billing_data(db.uow(), doc)
    except ImportRefused as refused:
        assert refused.path and refused.reason and "\n" not in str(refused)
        assert rows(db.engine) == before
        return "refused"
    again = rows(db.engine)
    assert import_billing_data(db.uow(), doc) == report and rows(db.engine) == again  # re-import: no change
    return "imported"


@examples(150)
@given(data=st.data())
def test_a_mutated_import_file_is_imported_whole_or_refused_whole(inspector: Inspector, data: st.DataObject) -> None:
    tally[f"mutated: {_import_all_or_nothing(inspector, _mutated(data))}"] += 1


@examples(100)
@given(doc=DOCS)
def test_any_json_document_is_imported_whole_or_refused_whole(inspector: Inspector, doc: Any) -> None:
    tally[f"any JSON: {_import_all_or_nothing(inspector, doc)}"] += 1


def test_the_import_documents_were_explored(inspector: Inspector) -> None:
    assert tally["mutated: refused"] and tally["mutated: imported"] and tally["any JSON: refused"], tally
    reporting.record(
        f"import documents fuzzed: {dict(sorted(tally.items()))}",
        requests=sum(tally.values()),
        processes=0,
        faults=tally["mutated: refused"] + tally["any JSON: refused"],
        charges=0,
    )


# -- the command line ----------------------------------------------------------------------------

FILES = {
    "truncated JSON": json.dumps(VALID)[:-40].encode(),
    "not UTF-8": b"\xff\xfe{}",
    "empty": b"",
    "nested 100000 deep": b"[" * 100_000 + b"]" * 100_000,
    "a huge number": json.dumps({**VALID, "invoices": [{**VALID["invoices"][0], "amount": "1" * 400}]}).encode(),
    "an amount that overflows": json.dumps({**VALID, "invoices": [{**VALID["invoices"][0],
                                                                   "amount": "100000000000000000"}]}).encode(),
    "NaN literal": b'{"accounts": NaN}',
    "a list": b"[]",
    "a lone surrogate in a name": json.dumps({**VALID, "accounts": [
        {**VALID["accounts"][0], "name": "Con\ud800toso"}, VALID["accounts"][1]]}).encode(),
}  # fmt: skip


@pytest.fixture
def command_env(inspector: Inspector, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in base_env(str(inspector.engine.url), "http://127.0.0.1:9/api/").items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("name", sorted(FILES))
def test_settlebot_import_refuses_a_bad_file_in_one_line_and_imports_nothing(
    name: str, inspector: Inspector, command_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "billing.json"
    path.write_bytes(FILES[name])
    before = rows(inspector.engine)
    assert cli.main(["import", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"settlebot: {path}: ") and "\n" not in err and "Traceback" not in err, err
    assert rows(inspector.engine) == before


def test_settlebot_import_names_a_missing_file(command_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import", "/nonexistent/billing.json"]) == 1
    assert "cannot read" in capsys.readouterr().err


# -- the command line against what settlebot did ---------------------------------------------------


@pytest.fixture
def settled_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inspector]:
    """A database of its own, in which sub_m365_e3 was settled in Slack with card_visa."""
    url = f"sqlite:///{tmp_path / 'settled.db'}"
    upgrade(url)
    db = Inspector(url)
    import_billing_data(db.uow(), VALID)
    clock = FakeClock(dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))
    confirmed = shown(db.uow(), "sub_m365_e3", clock.today())
    result = settle(db.uow(), SandboxGateway(MemoryLedger()), clock, "U0DEMOGA1", "sub_m365_e3", "card_visa",
                    confirmed=confirmed)  # fmt: skip
    assert result.outcome is Outcome.SUCCEEDED
    for key, value in base_env(url, "http://127.0.0.1:9/api/").items():
        monkeypatch.setenv(key, value)
    yield db
    db.close()


def test_settlebot_import_keeps_a_settled_balance_paid_and_lists_why(
    settled_env: Inspector, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "billing.json"
    path.write_text(json.dumps(VALID))
    assert cli.main(["import", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "kept as settlebot has it (2):",
        "  invoice inv_e3_nov kept paid: settled in Slack by U0DEMOGA1 on 2026-11-25; "
        "the file says status open (invoices[1])",
        "  invoice inv_e3_addon kept paid: settled in Slack by U0DEMOGA1 on 2026-11-25; "
        "the file says status open (invoices[2])",
    ]
    assert "sub_m365_e3" not in settled_env.open_balances()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["payment_methods"][3].update(account_id="acc_contoso"), "payment_methods[3].account_id"),
        (lambda d: d["accounts"][1].update(currency="USD"), "accounts[1].currency"),
        (lambda d: d.update(invoices=[{**d["invoices"][1], "id": "inv_new", "subscription_id": "sub_gone"}]),
         "invoices[0].subscription_id"),
    ],
)  # fmt: skip
def test_settlebot_import_refuses_what_contradicts_the_database_with_its_path(
    change: Any, path: str, settled_env: Inspector, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = copy.deepcopy(VALID)
    change(doc)
    file = tmp_path / "billing.json"
    file.write_text(json.dumps(doc))
    before = rows(settled_env.engine)
    assert cli.main(["import", str(file)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"settlebot: {file}: refused, nothing imported: {path}: ") and "\n" not in err, err
    assert rows(settled_env.engine) == before


def test_settlebot_import_takes_a_file_of_new_invoices_alone(
    settled_env: Inspector, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = {**VALID["invoices"][1], "id": "inv_e3_dec", "due_date": "2026-11-24"}
    file = tmp_path / "new-invoices.json"
    file.write_text(json.dumps({"invoices": [new]}))
    assert cli.main(["import", str(file)]) == 0
    assert capsys.readouterr().out.strip() == "imported 0 accounts, 0 payment methods, 0 subscriptions, 1 invoices"
    assert "sub_m365_e3" in settled_env.open_balances()
