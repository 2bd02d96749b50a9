"""The interop harness itself works: each peer starts, talks, and is seen to talk.

If these fail, every interop test fails for a reason that has nothing to do with qlaterm.
"""

from __future__ import annotations

import pytest

from tests.peers.libcoap import coap_client, coap_server
from tests.peers.node_lwm2m import NodeLwm2mClient, NodeLwm2mServer
from tests.peers.ports import AVOID, free_tcp_port, free_udp_port, free_udp_port_pair

pytestmark = pytest.mark.interop


async def test_node_client_registers_with_node_server(
    node_server: NodeLwm2mServer, node_client: NodeLwm2mClient
) -> None:
    await node_client.command("create /3/0", r"^ObjectUri: /3/0")
    out = await node_client.connect("127.0.0.1", node_server.port or 0, "ep")
    assert "Device location: rd/1" in out

    match = await node_server.wait_for(r"^Endpoint name: (\S+)")
    assert match.group(1) == "ep"
    listing = await node_server.command("list", r'"name": "ep"')
    assert '-> Device Id "1"' in listing


async def test_coap_client_gets_time_from_coap_server() -> None:
    port = free_udp_port_pair()
    async with coap_server(port) as server:
        result = await coap_client(f"coap://127.0.0.1:{port}/time", "-m", "get", wait=3)
        await server.wait_for(r"c:GET .*Uri-Path:time", timeout=5)
    assert result.returncode == 0, result.describe()
    # /time answers the server's clock, e.g. "Nov 25 12:57:27" (the year is left out).
    assert result.stdout.strip(), result.describe()
    assert any(ch.isdigit() for ch in result.stdout), result.describe()


def test_free_ports_avoid_the_reserved_ones() -> None:
    ports = {free_udp_port() for _ in range(20)} | {free_tcp_port() for _ in range(20)}
    assert not ports & AVOID
    assert all(1024 <= p <= 65535 for p in ports)
