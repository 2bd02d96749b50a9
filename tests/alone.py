"""A pytest plugin for tests that must have the machine to themselves: ``@pytest.mark.serial``.

Under pytest-xdist every test holds a lock file for its whole setup, call and teardown: shared for an
ordinary test, exclusive for a ``serial`` one, so a serial test runs while no other worker runs a test.
A second lock, the gate, is taken exclusively for the moment of acquiring the first, and a serial test
keeps it while it waits: ordinary tests queue behind a waiting serial test instead of starving it (a
worker would otherwise sit idle until every other worker ran out of tests).  The locks live in the run's
base temporary folder, which the workers share.  Without xdist there is nothing to share the machine with
and no lock is taken.

The collection is ordered for the workers too (the same order in each, as xdist requires): tests marked
``slow`` first, so the long waits overlap the rest, and ``serial`` ones last, when the other workers are
finishing anyway instead of idling behind the gate.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "serial: measures time against a budget; under pytest-xdist it runs while no other test runs"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("serial") is not None:
            return 2
        return 0 if item.get_closest_marker("slow") is not None else 1

    items.sort(key=rank)  # stable: within a rank the collection order stays


@pytest.fixture(autouse=True)
def _serial_tests_run_alone(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if not hasattr(request.config, "workerinput"):
        yield
        return
    exclusive = request.node.get_closest_marker("serial") is not None
    folder = tmp_path_factory.getbasetemp().parent
    with (folder / "serial-tests.gate").open("a") as gate, (folder / "serial-tests.lock").open("a") as lock:
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
        yield
