"""Installation mode's storage on SQLite and PostgreSQL: an OAuth state is consumed once, and a
token refresh's lock excludes the same workspace across connections but not other workspaces."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import Engine, update

from installations.stores import SingleUseStateStore
from storage.locks import RefreshLock
from storage.slack_tables import OAUTH_STATES


def test_an_oauth_state_is_consumed_once(engine: Engine) -> None:
    states = SingleUseStateStore(engine)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("never-issued") is False


def test_an_expired_oauth_state_is_refused(engine: Engine) -> None:
    states = SingleUseStateStore(engine)
    state = states.issue()
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    with engine.begin() as conn:
        conn.execute(update(OAUTH_STATES).where(OAUTH_STATES.c.state == state).values(expire_at=past))
    assert states.consume(state) is False


def test_concurrent_consumers_of_one_state_let_one_through(engine: Engine) -> None:
    states = SingleUseStateStore(engine)
    state = states.issue()
    outcomes: list[bool] = []
    threads = [threading.Thread(target=lambda: outcomes.append(states.consume(state))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]


def test_a_refresh_lock_excludes_the_same_workspace_only(engine: Engine) -> None:
    first, second = RefreshLock(engine), RefreshLock(engine)
    with first.hold("-:T1", timeout=1.0) as held:
        assert held
        started = time.monotonic()
        with second.hold("-:T1", timeout=0.3) as again:
            assert not again and time.monotonic() - started >= 0.3
        with second.hold("-:T2", timeout=0.3) as other:
            assert other
    with second.hold("-:T1", timeout=0.3) as after:
        assert after  # released on exit
