"""Repository contract for the scan's and the digest's bulk operations, on every backend."""

from __future__ import annotations

from dataclasses import replace

from domain.alert_views import DIGEST_PREFIX
from domain.ports import UnitOfWork
from tests.storage.builders import TODAY, account, alert, invoice, seed_billing


def test_past_due_carries_the_accounts_alert_channel(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a")
    with uow:
        uow.accounts.save(replace(account(), channel="C0CONTOSO"))
        uow.invoices.save(invoice("inv_a", "sub_a", days_ago=3))
        uow.commit()
    with uow:
        (row,) = uow.alerts.past_due(TODAY)
    assert row.channel == "C0CONTOSO"


def test_advance_sets_each_stage_and_bumps_the_version_in_bulk(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b", "sub_c")
    with uow:
        uow.alerts.add([alert("al_a", "sub_a"), alert("al_b", "sub_b", version=4), alert("al_c", "sub_c")])
        uow.commit()
    with uow:
        uow.alerts.advance({"al_a": 3, "al_b": 7})
        uow.alerts.advance({})
        uow.commit()
    with uow:
        found = {a: uow.alerts.get(a) for a in ("al_a", "al_b", "al_c")}
    assert {a: (x.stage, x.version) for a, x in found.items() if x} == {
        "al_a": (3, 2), "al_b": (7, 5), "al_c": (1, 1),
    }  # fmt: skip


def test_awaiting_digest_lists_the_channels_unposted_digest_members(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b", "sub_c", "sub_d")
    with uow:
        uow.alerts.add([
            alert("al_a", "sub_a", ts=DIGEST_PREFIX, minutes=2),
            alert("al_b", "sub_b", ts=DIGEST_PREFIX, minutes=1),
            alert("al_c", "sub_c"),  # posted on its own
            replace(alert("al_d", "sub_d", ts=DIGEST_PREFIX), channel="C0OTHER"),
        ])  # fmt: skip
        uow.commit()
    with uow:
        waiting = uow.alerts.awaiting_digest("C0BILLING")
    assert [a.id for a in waiting] == ["al_b", "al_a"]


def test_mark_posted_records_the_message_for_every_member(uow: UnitOfWork) -> None:
    seed_billing(uow, "sub_a", "sub_b")
    with uow:
        uow.alerts.add([alert("al_a", "sub_a", ts=DIGEST_PREFIX), alert("al_b", "sub_b", ts=DIGEST_PREFIX, version=2)])
        uow.commit()
    with uow:
        uow.alerts.mark_posted(["al_a", "al_b"], DIGEST_PREFIX + "1700000000.000100")
        uow.commit()
    with uow:
        stored = [uow.alerts.get(a) for a in ("al_a", "al_b")]
        assert uow.alerts.undelivered(10) == [] and uow.alerts.awaiting_digest("C0BILLING") == []
    assert [(a.ts, a.delivered_version) for a in stored if a] == [
        ("digest:1700000000.000100", 1), ("digest:1700000000.000100", 2),
    ]  # fmt: skip
