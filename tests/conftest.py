"""Fixtures shared by the whole test suite: free ports, the lwm2m-node-lib peers, tests that run alone, and
the closing line on missing peers.

Kept small on purpose; fixtures that only one area needs live in a conftest.py in that area's folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import hypothesis  # noqa: F401  (imported up front: a late import at the end of a run trips a CPython 3.11 AST bug)
import pytest

from qlaterm.platform.server import Platform
from tests.peers.node_lwm2m import NodeLwm2mClient, NodeLwm2mServer
from tests.peers.ports import free_udp_port

# Tests marked serial run alone; a run that skipped tests for missing peers ends by saying so.
pytest_plugins = ["tests.alone", "tests.peers.summary"]


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
