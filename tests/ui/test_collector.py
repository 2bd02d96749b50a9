"""The console's paced garbage collection: passes walk only what is new, and nothing is lost to it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from qlaterm.ui.collector import PacedCollector


class Node:
    """An object that can sit in a reference cycle (and be watched through a weak reference)."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> tuple[Node, weakref.ref[Node]]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a, weakref.ref(a)


@pytest.fixture
def collector() -> Iterator[PacedCollector]:
    paced = PacedCollector(quiet_ticks=2)
    paced.start()
    yield paced
    paced.stop()


def test_start_leaves_what_exists_out_of_later_passes(collector: PacedCollector) -> None:
    assert gc.get_freeze_count() > 0


def test_a_busy_tick_freezes_what_survived(collector: PacedCollector) -> None:
    before = gc.get_freeze_count()
    kept = [Node() for _ in range(1000)]
    collector.traffic()
    collector.tick()
    assert gc.get_freeze_count() >= before + len(kept)


def test_garbage_cycles_are_collected_by_a_busy_tick(collector: PacedCollector) -> None:
    node, ref = cycle()
    del node
    collector.traffic()
    collector.tick()
    assert ref() is None


def test_a_cycle_frozen_while_alive_is_freed_once_the_link_is_quiet(collector: PacedCollector) -> None:
    node, ref = cycle()
    collector.traffic()
    collector.tick()  # frozen while still referred to
    del node
    gc.collect()
    assert ref() is not None  # out of the collector's sight
    collector.tick()
    assert ref() is not None  # one quiet tick is not enough
    collector.tick()
    assert ref() is None


def test_stop_gives_every_object_back_to_the_collector(collector: PacedCollector) -> None:
    collector.stop()
    assert gc.get_freeze_count() == 0
