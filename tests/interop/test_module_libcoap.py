"""libcoap's coap-client (a peer written elsewhere) talks to the simulated module's CoAP port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from qlaterm.platform.server import Platform
from tests.peers.libcoap import coap_client
from tests.simkit import ModuleDriver, running_module

pytestmark = pytest.mark.interop


@asynccontextmanager
async def registered() -> AsyncIterator[tuple[ModuleDriver, str, int]]:
    """A module with /19/0/0, registered with a platform; yields it and the module's CoAP address."""
    async with Platform(port=0) as platform, running_module() as d:
        await d.command("AT+QLAADDOBJ=19,0,1,0")
        await d.expect(r"\+QLAADDOBJ: 0")
        await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"libcoap-ep",300,3')
        await d.command("AT+QLAREG")
        await d.expect(r"\+QLAREG: 0")
        host, port = platform.devices["libcoap-ep"].address
        yield d, host, port


async def test_coap_client_reads_the_device_object_and_a_custom_resource() -> None:
    async with registered() as (d, host, port):

        result = await coap_client(f"coap://{host}:{port}/3/0/0", "-m", "get", wait=3)
        assert result.stdout.strip() == "Quectel", result.describe()

        reading = asyncio.create_task(coap_client(f"coap://{host}:{port}/19/0/0", "-m", "get", wait=5))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f'AT+QLARDRSP={mid},1,19,0,0,1,7,"libcoap",0') == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        result = await reading
        assert result.stdout.strip() == "libcoap", result.describe()


async def test_coap_client_reads_an_answer_longer_than_a_block_in_block2_pieces() -> None:
    """A 3000-character value answered in three AT parts reaches libcoap whole, through its own Block2
    handling, and the terminal is asked only once."""
    async with registered() as (d, host, port):

        reading = asyncio.create_task(coap_client(f"coap://{host}:{port}/19/0/0", "-m", "get", wait=5))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        parts = ["x" * 1000, "y" * 1000, "z" * 1000]
        for index, part in zip((2, 1, 0), parts, strict=True):
            assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,1000,{part},{index}") == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        result = await reading
        assert result.stdout.strip() == "".join(parts), result.describe()
        assert d.drain() == []  # libcoap's requests for the later pieces never reached the terminal


async def test_coap_client_observes_and_gets_a_long_notification_whole() -> None:
    """libcoap observes (for two seconds); a 2000-character notification reaches it whole, the later
    Block2 pieces fetched by libcoap from the module's memory."""
    async with registered() as (d, host, port):

        observing = asyncio.create_task(coap_client(f"coap://{host}:{port}/19/0/0", "-s", "2", wait=5))
        mid = (await d.expect(r'\+QLAURC: "observe",(\d+),0,19,0,0')).group(1)
        assert await d.command(f'AT+QLAOBSRSP={mid},1,19,0,0,1,5,"first",0') == ["OK"]
        await d.expect(r"\+QLAOBSRSP: 0")
        value = "n" * 1000 + "o" * 1000
        assert await d.command(f"AT+QLANOTIFY=19,0,0,1,1000,{value[:1000]},1,0") == ["OK"]
        assert await d.command(f"AT+QLANOTIFY=19,0,0,1,1000,{value[1000:]},0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        result = await observing
        assert result.stdout.strip() == "first" + value, result.describe()  # coap-client prints payloads back to back
