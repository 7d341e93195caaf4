"""Stripe as settlebot's `PaymentGateway`: a settlement pays the subscription's open invoices
with `invoices.pay`, oldest due first, each under `<settlement key>:<invoice id>` (settlebot's
own key, committed before the call, never the SDK's random one), stopping at the first invoice
not paid.

Before paying an invoice it is read: one no longer open with the amount confirmed is not paid
(`invoice_changed`), except a paid one, which is asked again under its key: Stripe replays the
first answer when this settlement paid it, and refuses ("already paid") when someone else did,
so asking again never pays twice. That is also how a settlement left pending is found again
(`find_payment`): Stripe has no look-up by idempotency key.
"""

from __future__ import annotations

import logging

import stripe

from domain.errors import InvalidInput
from domain.ports import ChargeLine, ChargeResult, ChargeStatus, GatewayUnreachable, LineResult, TokenizedCard
from payments.stripe import declines, writing
from payments.stripe.errors import StripeAuthFailed, StripeLayerError, StripeNotFound, StripeRejected, StripeUnavailable
from payments.stripe.models import Declined, NotPayable, Paid, PaymentOutcome, RequiresAction
from payments.stripe.paying import pay_invoice
from payments.stripe.reading import invoice as read_invoice

log = logging.getLogger(__name__)


def line_key(idempotency_key: str, invoice_id: str) -> str:
    return f"{idempotency_key}:{invoice_id}"


class StripeGateway:
    """Implements `domain.ports.PaymentGateway` over a `StripeClient`."""

    moves_real_money = True  # Stripe's own test mode is shown by Stripe: settlebot's sandbox notices stay off

    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    def pay(self, *, idempotency_key: str, token: str, lines: tuple[ChargeLine, ...]) -> ChargeResult:
        results: list[LineResult] = []
        for line in lines:
            result = self._pay_line(line_key(idempotency_key, line.invoice_id), token, line)
            results.append(result)
            if result.status is not ChargeStatus.SUCCEEDED:
                break
        return ChargeResult.of_lines(tuple(results))

    def find_payment(
        self, idempotency_key: str, lines: tuple[ChargeLine, ...], *, token: str | None
    ) -> ChargeResult | None:
        """None while the first invoice is still open (Stripe can't say whether the key was seen
        without paying it), or without the card (a replay must repeat the request exactly); else
        the payment as asked again under the same keys."""
        if not lines or token is None or _state(self._client, lines[0].invoice_id) == "open":
            return None
        return self.pay(idempotency_key=idempotency_key, token=token, lines=lines)

    def make_default(self, *, idempotency_key: str, subscription_id: str, token: str) -> None:
        try:
            writing.set_default_card(self._client, subscription_id, token, idempotency_key)
        except StripeUnavailable as error:
            raise GatewayUnreachable(error.reason) from error
        except StripeLayerError as error:
            log.warning("subscription %s: Stripe refused the new default card (%s)", subscription_id,
                        type(error).__name__)  # fmt: skip

    def update_expiry(self, *, idempotency_key: str, token: str, exp_month: int, exp_year: int) -> None:
        try:
            writing.update_card_expiry(self._client, token, exp_month, exp_year, idempotency_key)
        except (StripeUnavailable, StripeAuthFailed) as error:
            raise GatewayUnreachable(type(error).__name__) from error
        except StripeRejected as error:
            field = "exp_year" if "year" in (error.param or error.code or "") else "exp_month"
            raise InvalidInput(f"invalid_{field}", field=field) from error

    def tokenize(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> TokenizedCard:
        raise InvalidInput("add_card_in_stripe", field="number")

    def _pay_line(self, key: str, token: str, line: ChargeLine) -> LineResult:
        try:
            current = read_invoice(self._client, line.invoice_id)
        except StripeNotFound:
            return LineResult(line.invoice_id, ChargeStatus.DECLINED, decline_code=declines.INVOICE_CHANGED)
        except (StripeUnavailable, StripeAuthFailed) as error:
            raise GatewayUnreachable(type(error).__name__) from error
        as_confirmed = current.status == "open" and current.remaining == line.amount
        if not as_confirmed and current.status != "paid":
            log.info("invoice %s not paid: it is %s, not open as confirmed", line.invoice_id, current.status)
            return LineResult(line.invoice_id, ChargeStatus.DECLINED, decline_code=declines.INVOICE_CHANGED)
        try:
            outcome = pay_invoice(self._client, line.invoice_id, token, key)
        except StripeAuthFailed as error:
            log.error("Stripe refused settlebot's API key paying invoice %s", line.invoice_id)
            raise GatewayUnreachable("auth_failed") from error
        except StripeRejected as error:
            log.warning("Stripe rejected paying invoice %s: %s", line.invoice_id, error.code)
            return LineResult(line.invoice_id, ChargeStatus.ERROR, decline_code=declines.PROCESSING_ERROR)
        return _line(line.invoice_id, outcome)


def _line(invoice_id: str, outcome: PaymentOutcome) -> LineResult:
    if isinstance(outcome, Paid):
        return LineResult(invoice_id, ChargeStatus.SUCCEEDED, reference=invoice_id)
    if isinstance(outcome, Declined):
        reason = declines.reason(outcome.code, outcome.decline_code)
        return LineResult(invoice_id, ChargeStatus.DECLINED, decline_code=reason)
    if isinstance(outcome, RequiresAction):
        return LineResult(invoice_id, ChargeStatus.REQUIRES_ACTION, decline_code=declines.AUTHENTICATION_REQUIRED,
                          action_url=outcome.hosted_invoice_url)  # fmt: skip
    if isinstance(outcome, NotPayable):
        return LineResult(invoice_id, ChargeStatus.DECLINED, decline_code=declines.INVOICE_CHANGED)
    raise GatewayUnreachable(outcome.reason)


def _state(client: stripe.StripeClient, invoice_id: str) -> str:
    try:
        return read_invoice(client, invoice_id).status
    except StripeNotFound:
        return "missing"
    except (StripeUnavailable, StripeAuthFailed) as error:
        raise GatewayUnreachable(type(error).__name__) from error
