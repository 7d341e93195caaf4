"""The tenancy rule of ``domain.tenancy.Tenant.owns`` as a SQL condition on ``accounts``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_

from domain.tenancy import Tenant
from storage.models import AccountRow


def of_tenant(tenant: Tenant) -> ColumnElement[bool]:
    """Accounts that belong to ``tenant``: its workspace's, its Grid org's, and (``unassigned``)
    those linked to none."""
    team, org = AccountRow.team_id, AccountRow.enterprise_id
    owned: list[ColumnElement[bool]] = []
    if tenant.team_id is not None:
        owned.append(team == tenant.team_id)
    if tenant.enterprise_id is not None:
        owned.append(and_(team.is_(None), org == tenant.enterprise_id))
    if tenant.unassigned:
        owned.append(and_(team.is_(None), org.is_(None)))
    return or_(*owned) if owned else false()
