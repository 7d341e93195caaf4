"""The baseline: a bare Bolt app whose listeners only ack, served like settlebot (waitress,
the same thread count, the same Bolt listener pool), receiving the same signed requests.

    python -m bench.bare_bolt [--process-before-response] [--threads 32]
"""

from __future__ import annotations

import argparse
import logging
import os
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import HttpServer


def build_app(process_before_response: bool, threads: int) -> App:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False, process_before_response=process_before_response,
        listener_executor=ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bolt"),
        logger=logging.getLogger("bare.bolt"),
    )  # fmt: skip

    def only_ack(ack: Ack) -> None:
        ack()

    app.command("/settle")(only_ack)
    app.action("settle_open")(only_ack)
    app.view("settle_modal")(only_ack)
    return app


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--process-before-response", action="store_true")
    p.add_argument("--threads", type=int, default=32)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = build_app(args.process_before_response, args.threads)
    server = HttpServer(SlackRequestHandler(app), "127.0.0.1", 0, args.threads)
    print(f"bare bolt listening on http://{server.host}:{server.port}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
