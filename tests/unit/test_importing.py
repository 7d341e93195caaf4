import copy
import json
from pathlib import Path

import pytest

from domain.errors import ImportRefused
from domain.importing import import_billing_data
from tests.fakes import FakeUnitOfWork

DEMO = json.loads((Path(__file__).parents[1] / "fixtures" / "billing.json").read_text())


def test_importing_the_same_file_twice_changes_nothing():
    uow = FakeUnitOfWork()
    import_billing_data(uow, DEMO)
    first = uow.committed.copy()
    import_billing_data(uow, DEMO)
    assert uow.committed == first


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["accounts"][0].pop("currency"), "accounts[0].currency"),
        (lambda d: d["invoices"][0].update(amount=12.5), "invoices[0].amount"),
        (lambda d: d["invoices"][0].update(amount="abc"), "invoices[0].amount"),
        (lambda d: d["invoices"][0].update(due_date="2026-13-01"), "invoices[0].due_date"),
        (lambda d: d["payment_methods"][0].update(exp_month=13), "payment_methods[0].exp_month"),
        (lambda d: d["accounts"][0]["admins"][0].update(role="owner"), "accounts[0].admins[0].role"),
        (lambda d: d["subscriptions"][0].update(account_id="nope"), "subscriptions[0].account_id"),
        (lambda d: d["invoices"].append(dict(d["invoices"][0])), "invoices[4].id"),
        (lambda d: d["accounts"][0]["admins"].append({"slack_user_id": "U0OWNER01", "role": "billing_reader"}),
         "accounts[0].admins[2].slack_user_id"),
    ],
)
def test_a_bad_file_is_refused_whole_naming_the_first_problem(mutate, path):
    doc = copy.deepcopy(DEMO)
    mutate(doc)
    uow = FakeUnitOfWork()
    with pytest.raises(ImportRefused) as err:
        import_billing_data(uow, doc)
    assert err.value.path == path
    assert uow.commits == 0
