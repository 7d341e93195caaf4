"""The two parts of the corpus of Slack request bodies that ``test_corpus.py`` sends.

- In-house (``tests/corpus/*.json``, committed): bodies settlebot's engineers wrote from the
  shapes Slack documents, each ``source`` naming the page it is shaped after.
- Genuine (outside the repository): bodies copied from slackapi's public SDK and Bolt test
  suites, each ``source`` naming repository, path and commit. The workplace's rule keeps
  content brought from fetched snapshots out of developers' commits, so they live in the
  steering repository's ``shared/slack-corpus`` (``<repo>/../shared/slack-corpus``) or wherever
  ``SLACK_CORPUS_DIR`` points.

Each body file holds ``source``, ``kind`` (``slash_command``, ``block_actions``,
``view_submission``, ``view_closed``, ``event:<type>``, ``url_verification``, ``ssl_check``,
``app_rate_limited``), ``content_type``, ``body`` (a form string, or the JSON object Slack
posts, an interaction's being the ``payload`` field of a form) and an optional ``note``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).parents[2]
IN_HOUSE_DIR = REPO / "tests" / "corpus"
GENUINE_ENV = "SLACK_CORPUS_DIR"
SHARED_DIR = REPO.parent / "shared" / "slack-corpus"

Doc = dict[str, Any]


def genuine_dir() -> Path | None:
    """``SLACK_CORPUS_DIR`` if set (even if wrong: a typo must fail, not skip), else the
    steering repository's shared folder if it exists."""
    configured = os.environ.get(GENUINE_ENV)
    if configured:
        return Path(configured)
    return SHARED_DIR if SHARED_DIR.is_dir() else None


def why_no_genuine() -> str:
    return (f"no genuine Slack bodies here: {GENUINE_ENV} is not set and {SHARED_DIR} does not exist "
            "(they are kept outside the repository; see tests/corpus/README.md)")  # fmt: skip


def load(directory: Path | None, part: str) -> dict[str, Doc]:
    """``{"<part>/<file stem>": doc}``; nothing when the directory is absent."""
    if directory is None or not directory.is_dir():
        return {}
    return {f"{part}/{path.stem}": json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))}


def bodies(docs: dict[str, Doc], kind: str) -> list[Any]:
    """The bodies of one kind (``event:app_home_opened``, or ``event`` for every event)."""
    return [d["body"] for d in docs.values() if d["kind"] == kind or d["kind"].split(":")[0] == kind]
