"""The domain's error family: each carries a message key the handlers translate."""

from __future__ import annotations


class DomainError(Exception):
    """A known, expected failure that a user can be told about.

    ``key`` names a message in the catalogs; ``params`` fill its placeholders.
    """

    key = "error_generic"

    def __init__(self, key: str | None = None, **params: object) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(self.key)


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it does."""

    key = "not_found"


class NotAllowed(DomainError):
    """The actor may see the thing but not do this to it."""

    key = "not_allowed"


class InvalidInput(DomainError):
    """A value the user typed is wrong; ``field`` names the input when known."""

    key = "invalid_input"

    def __init__(self, key: str | None = None, field: str | None = None, **params: object) -> None:
        super().__init__(key, **params)
        self.field = field


class AlreadySettled(DomainError):
    key = "already_settled"


class BalanceChanged(DomainError):
    """The open invoices are not the ones the person confirmed; nothing was charged.

    ``params``: ``old`` and ``new`` (Money), the balance shown and the balance now.
    """

    key = "balance_changed"


class SettlementInProgress(DomainError):
    key = "settlement_in_progress"


class PaymentPending(DomainError):
    """The processor did not answer; the attempt stays pending and is completed by reconciliation."""

    key = "payment_pending"


class ProcessorUnavailable(DomainError):
    """The payment processor did not answer (down, rate-limiting): nothing was changed; try again."""

    key = "processor_unavailable"


class LinkSpent(DomainError):
    """The add-card link was used (or expired) meanwhile: the card was not saved."""

    key = "link_spent"


class CardExpired(DomainError):
    """The chosen card's expiry has passed; refused before any charge."""

    key = "card_expired"


class ImportRefused(DomainError):
    """An import file is refused whole; ``path`` locates the first problem."""

    key = "import_invalid"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path=path, reason=reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class BadRecord(DomainError):
    """A stored record that cannot be read as a domain object (a row that fails to map).

    It belongs to that one record: the use cases that go over many records set it aside
    and carry on with the others.
    """

    key = "record_unreadable"

    def __init__(self, table: str, record_id: str, reason: str) -> None:
        super().__init__(table=table, record_id=record_id, reason=reason)
        self.table = table
        self.record_id = record_id
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.table} {self.record_id}: {self.reason}"
