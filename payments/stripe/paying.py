"""Pay one invoice with a chosen card under settlebot's idempotency key, as a typed outcome.

The key is settlebot's own, committed before the call; asking again with the same key (after a
lost answer, a crash or a timeout) gets Stripe's first answer back, never a second payment.
"""

from __future__ import annotations

import logging

import stripe
from stripe.params import InvoicePayParams

from payments.stripe import parsing
from payments.stripe.errors import StripeNotFound, StripeRejected, StripeUnavailable, translate
from payments.stripe.models import Declined, NotPayable, Paid, PaymentOutcome, RequiresAction, Unreachable
from payments.stripe.reading import invoice as read_invoice

logger = logging.getLogger(__name__)
REQUIRES_ACTION = frozenset({"invoice_payment_intent_requires_action", "authentication_required"})


def pay_invoice(
    client: stripe.StripeClient, invoice_id: str, payment_method: str, idempotency_key: str
) -> PaymentOutcome:  # fmt: skip
    """Pay the invoice's remaining amount with `payment_method` (off-session).

    Returns:
        Paid, Declined (Stripe's code and decline_code), RequiresAction (with the invoice's hosted
        page), NotPayable (no longer open: its state), or Unreachable (ask again, same key).

    Raises:
        StripeAuthFailed: the key was refused.
        StripeRejected: the request itself was wrong (e.g. a card of another customer).
    """
    params: InvoicePayParams = {"payment_method": payment_method, "off_session": True}
    try:
        paid = client.v1.invoices.pay(invoice_id, params, {"idempotency_key": idempotency_key})
    except stripe.CardError as error:
        return _card_error(client, invoice_id, error)
    except stripe.StripeError as error:
        return _other_error(client, invoice_id, translate(error))
    return Paid(parsing.invoice(parsing.plain(paid)))


def _card_error(client: stripe.StripeClient, invoice_id: str, error: stripe.CardError) -> PaymentOutcome:
    details = error.error
    decline_code = details.decline_code if details else None
    code = error.code or "card_declined"
    logger.info("stripe declined invoice %s: %s/%s", invoice_id, code, decline_code)
    if code in REQUIRES_ACTION or decline_code in REQUIRES_ACTION:
        try:
            url = read_invoice(client, invoice_id).hosted_invoice_url
        except StripeUnavailable:
            url = None
        return RequiresAction(invoice_id, url)
    message = (details.message if details else None) or error.user_message or code
    return Declined(invoice_id, code, decline_code, message)


def _other_error(client: stripe.StripeClient, invoice_id: str, error: Exception) -> PaymentOutcome:
    if isinstance(error, StripeUnavailable):
        logger.warning("stripe unreachable paying invoice %s: %s", invoice_id, error.reason)
        return Unreachable(invoice_id, error.reason)
    if isinstance(error, StripeRejected) and not isinstance(error, StripeNotFound):
        try:
            current = read_invoice(client, invoice_id)
        except StripeUnavailable as unavailable:
            return Unreachable(invoice_id, unavailable.reason)
        if current.status != "open" and current.status != "uncollectible":
            return NotPayable(current)
    raise error
