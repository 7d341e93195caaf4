"""SQL implementations of the repository ports in ``domain.ports``."""

from storage.repositories.alerts import SqlAlerts
from storage.repositories.billing import SqlAccounts, SqlCards, SqlInvoices, SqlSubscriptions
from storage.repositories.links import SqlLinks
from storage.repositories.settlements import SqlAttempts, SqlInstallation, SqlPayments

__all__ = [
    "SqlAccounts",
    "SqlAlerts",
    "SqlAttempts",
    "SqlCards",
    "SqlInstallation",
    "SqlInvoices",
    "SqlLinks",
    "SqlPayments",
    "SqlSubscriptions",
]
