"""The LwM2M client's CoAP side as libcoap's coap-client (a peer written elsewhere) sees it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiocoap.numbers.codes import CONTENT

from qlaterm.sim.client.core import LwM2MClient, ServerTarget
from tests.peers.libcoap import coap_client
from tests.sim.test_client import LwServer, Recorder, make_client

pytestmark = pytest.mark.interop


@pytest.fixture
async def client() -> AsyncIterator[tuple[LwM2MClient, Recorder]]:
    """A client registered with a small aiocoap server, so that its socket is open."""
    server = LwServer()
    await server.start()
    handler = Recorder()
    lwm2m, _, _ = make_client(handler, {19: {0: [0]}})
    try:
        target = ServerTarget(host="127.0.0.1", port=server.port, endpoint="ep", lifetime=300, binding="U")
        assert await lwm2m.register(target) == 0
        yield lwm2m, handler
    finally:
        await lwm2m.close()
        await server.stop()


async def test_coap_client_reads_manufacturer(client: tuple[LwM2MClient, Recorder]) -> None:
    lwm2m, _ = client
    result = await coap_client(f"coap://127.0.0.1:{lwm2m.port}/3/0/0", "-m", "get", wait=3)
    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == "Quectel", result.describe()


async def test_coap_client_gets_deferred_answer(client: tuple[LwM2MClient, Recorder]) -> None:
    lwm2m, handler = client
    running = asyncio.create_task(coap_client(f"coap://127.0.0.1:{lwm2m.port}/19/0/0", "-m", "get", wait=3))
    request = await handler.next_request()
    assert await lwm2m.respond(request.mid, CONTENT, {(19, 0, 0): "from-the-terminal"}) == 0
    result = await running
    assert result.stdout.strip() == "from-the-terminal", result.describe()


async def test_coap_client_observes(client: tuple[LwM2MClient, Recorder]) -> None:
    lwm2m, handler = client
    running = asyncio.create_task(
        coap_client(f"coap://127.0.0.1:{lwm2m.port}/19/0/0", "-m", "get", "-s", "3", wait=3)
    )
    request = await handler.next_request()
    assert request.op == "observe"
    await lwm2m.respond(request.mid, CONTENT, {(19, 0, 0): "first"})
    con = await lwm2m.notify((19, 0, 0), {(19, 0, 0): "second"}, con=True)
    assert await asyncio.wait_for(con.result, 5) == 0  # coap-client ACKs a CON notification
    result = await running
    assert result.stdout.strip() == "firstsecond", result.describe()  # coap-client adds no newline
