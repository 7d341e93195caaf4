"""Settlements counted by outcome and reason, and the attempt's id bound for the log lines after."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec

from domain.errors import DomainError, PaymentPending
from domain.ports import StorageUnavailable
from domain.settlement import SettlementResult
from telemetry import context
from telemetry.metrics import label, metrics

log = logging.getLogger(__name__)
P = ParamSpec("P")


def counted_settlement(settle: Callable[P, SettlementResult]) -> Callable[P, SettlementResult]:
    """Wrap a call of the ``settle`` use case: ``settlebot_settlements_total{outcome, reason}`` is
    succeeded/declined/failed with the processor's decline code, pending (the processor did not
    answer), refused with the domain's reason (already settled, card expired...), unavailable
    (the database) or error."""

    @functools.wraps(settle)
    def counted(*args: P.args, **kwargs: P.kwargs) -> SettlementResult:
        try:
            result = settle(*args, **kwargs)
        except PaymentPending:
            _count("pending", "gateway_unreachable")
            raise
        except DomainError as error:
            _count("refused", error.key)
            raise
        except StorageUnavailable:
            _count("unavailable", "database")
            raise
        except Exception as error:
            _count("error", type(error).__name__)
            raise
        context.annotate(attempt_id=result.attempt.id)
        reason = result.attempt.decline_code or "none"
        _count(result.outcome.value, reason)
        log.info("settlement %s (%s)", result.outcome.value, reason)
        return result

    return counted


def _count(outcome: str, reason: str) -> None:
    metrics().settlements.labels(outcome, label(reason)).inc()
