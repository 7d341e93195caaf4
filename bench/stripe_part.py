"""Part 5: Stripe as the billing backend: webhooks (acknowledgement, a burst handled once) and
the sync (full, incremental). See `bench.stripe_hooks` and `bench.stripe_sync`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bench import stripe_hooks, stripe_sync
from bench.config import Config

log = logging.getLogger(__name__)


def run(cfg: Config, workdir: Path) -> list[dict[str, Any]]:
    rows = stripe_hooks.run(cfg, workdir)
    log.info("stripe webhooks: %s", rows)
    return rows + stripe_sync.run(cfg, workdir)
