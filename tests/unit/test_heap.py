"""The start-up heap frozen by long-running processes (bot.heap)."""

from __future__ import annotations

import gc
import weakref

from bot.heap import freeze_boot_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_start_ups_garbage_is_freed_not_frozen_and_what_is_made_later_is_still_collected() -> None:
    before = _Node()
    kept = weakref.ref(before)
    del before  # garbage when the heap is frozen
    try:
        freeze_boot_heap()
        assert kept() is None  # collected first, never kept for good
        assert gc.get_freeze_count() > 0  # what is alive is out of the collector's reach
        later = _Node()
        made_later = weakref.ref(later)
        del later
        gc.collect()
        assert made_later() is None  # objects made after start-up are collected as before
    finally:
        gc.unfreeze()
