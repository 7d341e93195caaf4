"""At start-up, a configured token that works again means the app is installed again."""

from __future__ import annotations

import logging
import threading

from slack_sdk.errors import SlackApiError

from bot.bootstrap import Services

log = logging.getLogger(__name__)


def confirm_installation(services: Services) -> bool:
    """While the record says the installation is gone, ask ``auth.test`` with the configured
    token; if Slack accepts it, clear the record (posting resumes). True when installed."""
    gone = services.delivery_paused()
    if gone is None:  # installed, or installation mode (where no one token can tell)
        return True
    if services.client is None:
        return False
    try:
        services.client.auth_test()
    except SlackApiError as exc:
        log.warning("the installation is still gone (%s since %s): auth.test answered %s; nothing is posted",
                    gone.reason, gone.since.isoformat(), exc.response.get("error"))  # fmt: skip
        return False
    except OSError as exc:
        log.warning("auth.test failed (%s): the installation stays recorded as gone", type(exc).__name__)
        return False
    services.installation.clear()
    log.info("auth.test accepted the configured token: the app is installed again; posting resumes")
    return True


def confirm_in_background(services: Services) -> threading.Thread:
    """``confirm_installation`` on a thread of its own, so that a slow Slack never delays serving."""
    thread = threading.Thread(target=confirm_installation, args=(services,), name="installation", daemon=True)
    thread.start()
    return thread
