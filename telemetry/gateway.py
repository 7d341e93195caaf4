"""The payment gateway port, timed and counted; each charge logged with the ids bound to it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from domain.errors import DomainError
from domain.ports import ChargeLine, ChargeResult, PaymentGateway, TokenizedCard
from telemetry.metrics import label, metrics

log = logging.getLogger(__name__)


class InstrumentedGateway:
    """Wraps any ``PaymentGateway``: latency per operation, errors by type, one log line per charge."""

    def __init__(self, inner: PaymentGateway, clock: Callable[[], float] = time.perf_counter) -> None:
        self.inner = inner
        self._clock = clock

    @property
    def moves_real_money(self) -> bool:
        return self.inner.moves_real_money

    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        started = self._clock()
        with self._timed("pay"):
            result = self.inner.pay(idempotency_key=idempotency_key, token=token, lines=lines)
        log.info("gateway payment %s: %s%s in %.0f ms", idempotency_key, result.status.value,
                 f" ({result.decline_code})" if result.decline_code else "",
                 (self._clock() - started) * 1000)  # fmt: skip
        return result

    def find_payment(
        self, idempotency_key: str, lines: tuple[ChargeLine, ...], *, token: str | None
    ) -> ChargeResult | None:
        with self._timed("find_payment"):
            return self.inner.find_payment(idempotency_key, lines, token=token)

    def make_default(self, *, idempotency_key: str, subscription_id: str, token: str) -> None:
        with self._timed("make_default"):
            self.inner.make_default(idempotency_key=idempotency_key, subscription_id=subscription_id, token=token)

    def update_expiry(self, *, idempotency_key: str, token: str, exp_month: int, exp_year: int) -> None:
        with self._timed("update_expiry"):
            self.inner.update_expiry(
                idempotency_key=idempotency_key, token=token, exp_month=exp_month, exp_year=exp_year
            )

    def tokenize(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedCard:
        with self._timed("tokenize"):
            return self.inner.tokenize(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)

    @contextmanager
    def _timed(self, operation: str) -> Iterator[None]:
        """Time the call; an exception other than a refusal of the input counts as an error."""
        instruments = metrics()
        started = self._clock()
        try:
            yield
        except DomainError:
            raise
        except Exception as exc:
            instruments.gateway_errors.labels(operation, label(type(exc).__name__)).inc()
            log.warning("gateway %s failed: %s", operation, type(exc).__name__)
            raise
        finally:
            instruments.gateway_seconds.labels(operation).observe(self._clock() - started)
