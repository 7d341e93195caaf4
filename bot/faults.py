"""Fault injection for tests only: ``FAULT_INJECTION`` names a point where the process misbehaves.

Start-up refuses it unless ``SETTLEBOT_TEST_MODE=1`` says the process runs under a test harness.

Points:
- ``kill_after_charge``: SIGKILL this process (and, from a worker, its server) right after the
  gateway charged, before the settlement is committed (crash-consistency tests).
- ``gateway_timeout_after_charge``: the gateway charges, then the first answer for each key is
  lost as in a network timeout (the retry under the same key must not charge again).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal

from domain.ports import ChargeLine, ChargeResult, GatewayUnreachable, PaymentGateway, TokenizedCard

log = logging.getLogger(__name__)
POINTS = {"kill_after_charge", "gateway_timeout_after_charge"}


class FaultyGateway:
    """Wraps a gateway and misbehaves at the configured point."""

    def __init__(self, inner: PaymentGateway, point: str) -> None:
        if point not in POINTS:
            raise ValueError(f"FAULT_INJECTION must be one of {sorted(POINTS)}")
        self.inner = inner
        self.point = point
        self.timed_out: set[str] = set()  # keys whose first answer was lost

    @property
    def moves_real_money(self) -> bool:
        return self.inner.moves_real_money

    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        result = self.inner.pay(idempotency_key=idempotency_key, token=token, lines=lines)
        if self.point == "kill_after_charge":
            log.warning("fault injection: killing the process after charge %s", idempotency_key)
            if multiprocessing.parent_process() is not None:  # a worker: the server dies with it
                os.kill(os.getppid(), signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)
        if idempotency_key not in self.timed_out:
            self.timed_out.add(idempotency_key)
            log.warning("fault injection: the answer for %s is lost (timeout)", idempotency_key)
            raise GatewayUnreachable("fault injection: the gateway did not answer in time")
        return result

    def find_payment(
        self, idempotency_key: str, lines: tuple[ChargeLine, ...], *, token: str | None
    ) -> ChargeResult | None:
        return self.inner.find_payment(idempotency_key, lines, token=token)

    def make_default(self, *, idempotency_key: str, subscription_id: str, token: str) -> None:
        self.inner.make_default(idempotency_key=idempotency_key, subscription_id=subscription_id, token=token)

    def update_expiry(self, *, idempotency_key: str, token: str, exp_month: int, exp_year: int) -> None:
        self.inner.update_expiry(idempotency_key=idempotency_key, token=token, exp_month=exp_month, exp_year=exp_year)

    def tokenize(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedCard:
        return self.inner.tokenize(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)
