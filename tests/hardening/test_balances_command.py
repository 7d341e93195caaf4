"""``settlebot balances`` lists what it can read and names, on stderr, each account it cannot
(exit code 1: the list is short of those accounts' debts, and a script must not take it whole)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from bot import cli
from bot.demo import demo_data
from domain.importing import import_billing_data
from storage.models import InvoiceRow
from tests.e2e.harness import Inspector, base_env


@pytest.fixture
def demo(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Inspector:
    db = Inspector(db_url)
    import_billing_data(db.uow(), demo_data(dt.datetime.now(dt.UTC).date()))
    for key, value in base_env(db_url, "http://127.0.0.1:9/api/").items():
        monkeypatch.setenv(key, value)
    yield db
    db.close()


def _invoice_currency(db: Inspector, invoice_id: str, currency: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(InvoiceRow).where(InvoiceRow.id == invoice_id).values(currency=currency))


def test_balances_lists_every_account_and_exits_0_when_all_can_be_read(demo, capsys) -> None:
    assert cli.main(["balances", "--json"]) == 0
    out, err = capsys.readouterr()
    assert {row["account_id"] for row in json.loads(out)} == {"acc_contoso", "acc_fabrikam"}
    assert "warning" not in err


@pytest.mark.parametrize("as_json", [False, True])
def test_balances_names_an_account_in_another_currency_and_lists_the_others(demo, capsys, as_json) -> None:
    _invoice_currency(demo, "inv_pbi_nov", "EUR")  # Contoso's account is in USD
    assert cli.main(["balances", *(["--json"] if as_json else [])]) == 1
    out, err = capsys.readouterr()
    assert "sub_teams" in out and "sub_m365_e3" not in out and "acc_contoso" not in out
    if as_json:
        assert {row["account_id"] for row in json.loads(out)} == {"acc_fabrikam"}
    (warning,) = err.strip().splitlines()
    assert warning.startswith("settlebot: warning: account acc_contoso not listed") and "currency_mismatch" in warning
    assert "Traceback" not in err


def test_the_inspector_lists_the_readable_balances_only_when_told_some_accounts_cannot_be_read(demo) -> None:
    _invoice_currency(demo, "inv_pbi_nov", "EUR")
    with pytest.raises(AssertionError, match="acc_contoso"):
        demo.open_balances()
    assert "sub_teams" in demo.open_balances(unreadable_ok=True)
