"""Fixtures shared by the whole test suite: free ports, the lwm2m-node-lib peers, tests that run alone, and
the closing line on missing peers.

Kept small on purpose; fixtures that only one area needs live in a conftest.py in that area's folder.
"""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator, Iterator

import hypothesis  # noqa: F401  (imported up front: a late import at the end of a run trips a CPython 3.11 AST bug)
import pytest

from qlaterm.platform.server import Platform
from tests.peers.node_lwm2m import NodeLwm2mClient, NodeLwm2mServer
from tests.peers.ports import free_udp_port
from tests.peers.summary import install as install_missing_peers_summary


def pytest_configure(config: pytest.Config) -> None:
    install_missing_peers_summary(config)


@pytest.fixture(autouse=True)
def _serial_tests_run_alone(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under pytest-xdist, a test marked ``serial`` runs while no other worker runs a test.

    Every test holds a lock file for its whole setup, call and teardown: shared for an ordinary test,
    exclusive for a ``serial`` one.  The lock lives in the run's base temporary folder, which the workers
    share; without xdist there is nothing to share the machine with and no lock is taken.
    """
    if not hasattr(request.config, "workerinput"):
        yield
        return
    exclusive = request.node.get_closest_marker("serial") is not None
    lock = tmp_path_factory.getbasetemp().parent / "serial-tests.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield


@pytest.fixture
def udp_port() -> int:
    """A UDP port on 127.0.0.1 that was free when the test started."""
    return free_udp_port()


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    """The bundled platform on a free UDP port (``platform.port``), stopped after the test."""
    async with Platform(port=0) as p:
        yield p


@pytest.fixture
async def node_server() -> AsyncIterator[NodeLwm2mServer]:
    """lwm2m-node-lib's LwM2M server, listening on its own free UDP port (``node_server.port``)."""
    server = NodeLwm2mServer()
    try:
        await server.start(free_udp_port())
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def node_client() -> AsyncIterator[NodeLwm2mClient]:
    """lwm2m-node-lib's LwM2M client console, started but not connected to any server."""
    client = NodeLwm2mClient()
    try:
        await client.start()
        yield client
    finally:
        await client.stop()
