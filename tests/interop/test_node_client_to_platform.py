"""lwm2m-node-lib's LwM2M client (a peer written elsewhere) against the bundled platform.

The node client registers without a Content-Format, answers without one, and silently drops GETs
whose Accept it does not know (TLV, SenML): the platform reads it with Accept text/plain.
"""

from __future__ import annotations

import pytest
from aiocoap import Code

from qlaterm.platform.model import Deregistered
from qlaterm.platform.server import Platform
from tests.peers.node_lwm2m import NodeLwm2mClient

pytestmark = pytest.mark.interop

TEXT = 0


async def register(client: NodeLwm2mClient, platform: Platform, endpoint: str) -> None:
    await client.command("create /3/0", r"^ObjectUri: /3/0")
    await client.command("set /3/0 0 ACME", r"-> 0: ACME")
    out = await client.connect("127.0.0.1", platform.port, endpoint)
    assert "Device location: rd/" in out


async def test_node_client_registers_and_the_platform_reads_it(
    platform: Platform, node_client: NodeLwm2mClient
) -> None:
    await register(node_client, platform, "node-ep")
    device = await platform.wait_for_registration("node-ep", timeout=10)
    assert device.lwm2m_version == "1.0" and device.binding == "U"
    assert (3, 0) in device.object_paths()

    result = await platform.read("node-ep", "/3/0/0", accept=TEXT, timeout=10)
    assert result.code == Code.CONTENT
    assert result.content_format is None  # the node client answers without Content-Format
    assert result.payload == b"ACME" and result.values == {(3, 0, 0): "ACME"}


async def test_node_client_write_observe_and_deregister(platform: Platform, node_client: NodeLwm2mClient) -> None:
    await register(node_client, platform, "node-ep2")
    await platform.wait_for_registration("node-ep2", timeout=10)

    written = await platform.write("node-ep2", "/3/0/0", "Bolt", timeout=10)
    assert written.code == Code.CHANGED
    assert (await platform.read("node-ep2", "/3/0/0", accept=TEXT, timeout=10)).value == "Bolt"

    obs = await platform.observe("node-ep2", "/3/0/0", accept=TEXT, timeout=10)
    assert obs.established and obs.first.value == "Bolt"
    await node_client.command("set /3/0 0 Nut", r"-> 0: Nut")
    note = await obs.next(timeout=10)
    assert note.values == {(3, 0, 0): "Nut"}

    events = platform.events()
    await node_client.command("disconnect", r"Disconnected")
    gone = await events.wait_for(Deregistered, timeout=10)
    assert gone.endpoint == "node-ep2" and "node-ep2" not in platform.devices
    assert not obs.active
