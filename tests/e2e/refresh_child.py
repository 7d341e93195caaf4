"""A settlebot process that needs a workspace's bot token at a given moment: built by the real
composition root from the environment, it prints the token it was given (for the test only).

    python -m tests.e2e.refresh_child TEAM_ID START_AT_EPOCH
"""

from __future__ import annotations

import sys
import time

from bot.bootstrap import build_services
from bot.settings import load_settings


def main(team_id: str, start_at: float) -> None:
    services = build_services(load_settings())
    assert services.clients is not None
    time.sleep(max(0.0, start_at - time.time()))
    client = services.clients.client_for(team_id)
    assert client.auth_test()["team_id"] == team_id
    print(client.token, flush=True)
    services.close()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
