"""The delivery lock: one delivery run at a time across processes' threads, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

from storage.locks import DeliveryLock


def test_a_second_run_waits_for_the_first_and_gives_up_after_its_timeout(engine: Engine) -> None:
    first, second = DeliveryLock(engine), DeliveryLock(engine)
    with first.hold(1.0) as held:
        assert held
        started = time.monotonic()
        with second.hold(0.3) as other:
            assert not other
        assert time.monotonic() - started >= 0.3
    with second.hold(1.0) as other:
        assert other  # free once the first is done


def test_runs_never_overlap(engine: Engine) -> None:
    inside, overlaps = [0], [0]
    guard = threading.Lock()

    def run() -> None:
        with DeliveryLock(engine).hold(10.0) as held:
            assert held
            with guard:
                inside[0] += 1
                overlaps[0] = max(overlaps[0], inside[0])
            time.sleep(0.05)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert overlaps[0] == 1
