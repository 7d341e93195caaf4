"""The baseline for Stripe webhooks: a bare WSGI app that only verifies the signature with the
stripe SDK (400 if bad, else an empty 200), served like settlebot (waitress, the same threads).

    python -m bench.stripe_bare [--threads 32]     (STRIPE_WEBHOOK_SECRET in the environment)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from typing import Any

import stripe
from werkzeug.wrappers import Request, Response

from bot.server import HttpServer


class VerifyOnly:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            stripe.Webhook.construct_event(request.get_data(), request.headers.get("Stripe-Signature", ""),
                                           self._secret, 300)  # fmt: skip
            response = Response("", status=200)
        except (stripe.SignatureVerificationError, ValueError):
            response = Response("", status=400)
        return response(environ, start_response)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=32)
    args = p.parse_args()
    server = HttpServer(VerifyOnly(os.environ["STRIPE_WEBHOOK_SECRET"]), "127.0.0.1", 0, args.threads)
    print(f"bare webhook app listening on http://{server.host}:{server.port}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
