"""A pytest plugin for tests that must have the machine to themselves: ``@pytest.mark.serial``.

Under pytest-xdist every test holds a lock file for its whole setup, call and teardown: shared for an
ordinary test, exclusive for a ``serial`` one, so a serial test runs while no other worker runs a test.
The lock lives in the run's base temporary folder, which the workers share.  Without xdist there is
nothing to share the machine with and no lock is taken.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "serial: measures time against a budget; under pytest-xdist it runs while no other test runs"
    )


@pytest.fixture(autouse=True)
def _serial_tests_run_alone(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if not hasattr(request.config, "workerinput"):
        yield
        return
    exclusive = request.node.get_closest_marker("serial") is not None
    lock = tmp_path_factory.getbasetemp().parent / "serial-tests.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
