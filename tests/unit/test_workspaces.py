"""``domain.workspaces``: which workspaces are listed as what, and when a removal is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import DomainError
from domain.workspaces import Footprint, Installed, Removal, list_workspaces, remove_workspace

TODAY = dt.date(2026, 12, 7)


class FakeWorkspaceData:
    def __init__(self, *footprints: Footprint) -> None:
        self.kept = list(footprints)
        self.removed: list[str] = []

    def footprints(self, today: dt.date) -> list[Footprint]:
        return self.kept

    def remove(self, workspace_id: str) -> Removal:
        gone = [f for f in self.kept if (f.team_id or f.enterprise_id) == workspace_id]
        self.kept = [f for f in self.kept if f not in gone]
        self.removed.append(workspace_id)
        return Removal({"accounts": sum(f.accounts for f in gone)}, {"payments": 0})


def installed(team: str | None, org: str | None = None) -> Installed:
    return Installed(team, org, "Name", ("chat:write",), None, None)


def test_installed_and_uninstalled_workspaces_are_listed_with_their_accounts() -> None:
    data = FakeWorkspaceData(Footprint("T0ALPHA001", None, 2, 1), Footprint("T0GONE0001", None, 1, 1),
                             Footprint(None, None, 3, 0))  # fmt: skip
    lines = list_workspaces([installed("T0ALPHA001"), installed("T0EMPTY001")], data, TODAY)
    assert [(w.workspace_id, w.status, w.accounts, w.past_due) for w in lines] == [
        ("T0ALPHA001", "installed", 2, 1), ("T0EMPTY001", "installed", 0, 0),
        ("T0GONE0001", "uninstalled, data kept", 1, 1), (None, "unassigned", 3, 0),
    ]  # fmt: skip


def test_a_team_of_an_org_installed_org_wide_counts_as_installed() -> None:
    data = FakeWorkspaceData(Footprint("T0ORGTEAM1", "E0GRIDORG1", 1, 0))
    (org, team) = list_workspaces([installed(None, "E0GRIDORG1")], data, TODAY)
    assert (org.workspace_id, team.workspace_id, team.status) == ("E0GRIDORG1", "T0ORGTEAM1", "installed")
    with pytest.raises(DomainError, match="still_installed"):
        remove_workspace("T0ORGTEAM1", [installed(None, "E0GRIDORG1")], data, TODAY)
    assert data.removed == []


@pytest.mark.parametrize("workspace, key", [("T0ALPHA001", "still_installed"), ("T0NOBODY01", "no_such_workspace"),
                                             ("alpha; drop", "invalid_workspace")])  # fmt: skip
def test_a_removal_is_refused_while_installed_unknown_or_malformed(workspace: str, key: str) -> None:
    data = FakeWorkspaceData(Footprint("T0ALPHA001", None, 2, 1))
    with pytest.raises(DomainError) as refused:
        remove_workspace(workspace, [installed("T0ALPHA001")], data, TODAY)
    assert refused.value.key == key and data.kept == [Footprint("T0ALPHA001", None, 2, 1)]


def test_an_uninstalled_workspace_is_removed_and_the_others_stay() -> None:
    data = FakeWorkspaceData(Footprint("T0ALPHA001", None, 2, 1), Footprint("T0GONE0001", None, 1, 1))
    assert remove_workspace("T0GONE0001", [installed("T0ALPHA001")], data, TODAY).removed == {"accounts": 1}
    assert data.kept == [Footprint("T0ALPHA001", None, 2, 1)]
