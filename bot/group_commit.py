"""Group commit of webhook events: concurrent requests hand their (event id, type) to one
recorder, which records every waiting one in a single transaction and then wakes each with its
answer. A request is answered only after its own event is committed (a 2xx before that would lose
the event on a crash), yet a burst costs one transaction per batch instead of one per event.

No thread of its own: the first request to arrive records its batch (itself and whoever waits),
then hands the turn to the first request that arrived meanwhile, which records the next batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

Record = Callable[[Sequence[tuple[str, str]]], set[str]]  # (id, type) pairs -> the ids new
MAX_BATCH = 256


class _Waiter:
    __slots__ = ("error", "event", "first", "id", "leads", "type", "woken")

    def __init__(self, event_id: str, type_: str) -> None:
        self.id, self.type = event_id, type_
        self.woken = threading.Event()
        self.leads = False
        self.first: bool | None = None
        self.error: BaseException | None = None


class GroupRecorder:
    """Records events through `record` (one transaction per call), batching concurrent callers.

    Args:
        record: records a batch in one transaction; the ids recorded for the first time.
        max_batch: events at most in one transaction.
    """

    def __init__(self, record: Record, max_batch: int = MAX_BATCH) -> None:
        self._record, self._max = record, max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Waiter] = []
        self._busy = False

    @property
    def waiting(self) -> int:
        """Deliveries waiting for a batch to take them."""
        return len(self._waiting)

    def record(self, event_id: str, type_: str) -> bool:
        """Once the event is committed: True when it was delivered for the first time, False for
        a duplicate (of an earlier delivery, or of a concurrent one in the same batch).

        Raises:
            Whatever `record` raised for the batch (the database is unavailable...).
        """
        me = _Waiter(event_id, type_)
        with self._lock:
            self._waiting.append(me)
            if not self._busy:
                self._busy = me.leads = True
        while me.first is None and me.error is None:
            if me.leads:
                self._record_batch()
            else:
                me.woken.wait()
                me.woken.clear()
        if me.error is not None:
            raise me.error
        return me.first is True

    def _record_batch(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
        try:
            new = self._record([(w.id, w.type) for w in batch])
        except BaseException as error:  # every waiter of the batch is told; nothing of it was committed
            for waiter in batch:
                waiter.error = error
        else:
            for waiter in batch:
                waiter.first = waiter.id in new
                new.discard(waiter.id)  # a second delivery of the id in this batch is a duplicate
        self._hand_over(batch)

    def _hand_over(self, batch: list[_Waiter]) -> None:
        """The turn to the first request that arrived meanwhile; the batch's requests woken."""
        with self._lock:
            if self._waiting:
                self._waiting[0].leads = True
                self._waiting[0].woken.set()
            else:
                self._busy = False
        for waiter in batch:
            waiter.leads = False
            waiter.woken.set()
