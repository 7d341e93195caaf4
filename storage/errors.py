"""Storage errors, and reading which unique constraint a database refused."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


class ConflictError(RuntimeError):
    """A write lost a race against another: the row it would create already exists.

    Raised for alerts and reminders (one open alert per subscription, one reminder per
    stage); the caller can treat it as "someone else did it" and move on.
    ``constraint`` names what was violated, as the database reported it.
    """

    def __init__(self, constraint: str) -> None:
        super().__init__(f"conflict on {constraint}")
        self.constraint = constraint


def unique_violation(exc: IntegrityError) -> str | None:
    """The violated unique constraint, or None when ``exc`` is another integrity error.

    PostgreSQL reports the constraint's name; SQLite reports ``table.column[, ...]``.
    """
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        if getattr(orig, "sqlstate", None) != "23505":
            return None
        return str(diag.constraint_name or "unique")
    if getattr(orig, "sqlite_errorname", "") in (
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    ):
        return str(orig).removeprefix("UNIQUE constraint failed: ")
    return None
