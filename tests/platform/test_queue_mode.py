"""Queue mode (LwM2M 1.0 section 6.5): requests for a sleeping device registered with binding UQ wait on
the platform until the device is heard from, then go in the order they were made."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiocoap import Code

from qlaterm.platform.cli import PlatformShell
from qlaterm.platform.model import Queued, RequestTimeout, Sent
from qlaterm.platform.server import Platform
from tests.simkit import ModuleDriver, running_module
from tests.tinyclient import TinyClient

AWAKE = 0.2


@pytest.fixture
async def sleepy() -> AsyncIterator[Platform]:
    async with Platform(port=0, queue_awake=AWAKE) as platform:
        yield platform


@pytest.fixture
async def client() -> AsyncIterator[TinyClient]:
    c = TinyClient("dev-q")
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


async def asleep(platform: Platform, client: TinyClient, binding: str = "UQ") -> None:
    assert (await client.register(platform.port, binding=binding)).code == Code.CREATED
    await asyncio.sleep(AWAKE * 1.5)


async def test_a_request_waits_for_the_next_update_and_then_goes_in_order(
    sleepy: Platform, client: TinyClient
) -> None:
    await asleep(sleepy, client)
    events = sleepy.events()
    first = asyncio.create_task(sleepy.read("dev-q", "/3/0/0"))
    second = asyncio.create_task(sleepy.read("dev-q", "/19/0/0"))
    queued = [await events.wait_for(Queued, timeout=2), await events.wait_for(Queued, timeout=2)]
    assert [(q.operation, q.path, q.position) for q in queued] == [("read", (3, 0, 0), 1), ("read", (19, 0, 0), 2)]
    assert queued[0].summary() == "queued read dev-q /3/0/0 (#1, until it is heard from)"
    assert [p.path for p in sleepy.queued("dev-q")] == [(3, 0, 0), (19, 0, 0)]
    await asyncio.sleep(0.1)
    assert not client.received and not first.done()
    lines = await PlatformShell(sleepy).run_line("queue dev-q")
    assert [line.split(" waiting")[0] for line in lines] == ["1. read /3/0/0", "2. read /19/0/0"]

    assert (await client.update(sleepy.port)).code == Code.CHANGED
    assert (await first).value == "ACME" and (await second).value == "hello"
    assert [r.path for r in client.received if r.path] == [("3", "0", "0"), ("19", "0", "0")]
    sent = await events.wait_for(Sent, timeout=2)
    assert sent.path == (3, 0, 0) and sent.summary().startswith("sent queued read dev-q /3/0/0 after ")
    assert sleepy.queued("dev-q") == []
    assert await PlatformShell(sleepy).run_line("queue dev-q") == ["nothing queued for dev-q"]


async def test_a_queued_request_times_out_when_the_device_stays_silent(sleepy: Platform, client: TinyClient) -> None:
    await asleep(sleepy, client)
    with pytest.raises(RequestTimeout, match=r"queued, not heard from within 0\.3 s"):
        await sleepy.read("dev-q", "/3/0/0", timeout=0.3)
    assert sleepy.queued("dev-q") == [] and not client.received


async def test_a_device_without_q_and_one_just_heard_from_are_asked_at_once(
    sleepy: Platform, client: TinyClient
) -> None:
    await asleep(sleepy, client, binding="U")
    assert (await sleepy.read("dev-q", "/3/0/0", timeout=2)).value == "ACME"
    await client.register(sleepy.port, binding="UQ")
    assert (await sleepy.read("dev-q", "/3/0/0", timeout=2)).value == "ACME"


# ------------------------------------------------------------------------ with the simulated module

EP = "866971030603068"


@asynccontextmanager
async def module_in_queue_mode() -> AsyncIterator[tuple[ModuleDriver, Platform]]:
    """The simulated module registered with binding UQ to a platform whose devices listen for no time at
    all after they were heard from: every request waits for the module's next message."""
    async with Platform(port=0, queue_awake=0.0) as platform, running_module(network="ideal") as d:
        assert await d.command("AT+QLAADDOBJ=19,0,1,0") == ["OK"]
        await d.expect(r"\+QLAADDOBJ: 0")
        assert await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"{EP}",300,3,1') == ["OK"]
        assert await d.command("AT+QLAREG") == ["OK"]
        await d.expect(r"\+QLAREG: 0")
        assert (await platform.wait_for_registration(EP)).binding == "UQ"
        yield d, platform


async def test_a_read_for_the_sleeping_module_goes_with_its_next_update() -> None:
    async with module_in_queue_mode() as (d, platform):
        events = platform.events()
        read = asyncio.create_task(platform.read(EP, "/19/0/0"))
        queued = await events.wait_for(Queued, timeout=5)
        assert (queued.operation, queued.path, queued.position) == ("read", (19, 0, 0), 1)
        assert [(p.operation, p.path) for p in platform.queued(EP)] == [("read", (19, 0, 0))]
        assert not read.done() and not any('"read"' in line for line in d.drain())

        assert (await d.command("AT+QLAUPDATE=0,300"))[-1] == "OK"
        await d.expect(r"\+QLAUPDATE: 0,\d+")
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,5,abcde,0") == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        assert (await read).value == "abcde"
        sent = await events.wait_for(Sent, timeout=5)
        assert (sent.operation, sent.path) == ("read", (19, 0, 0)) and sent.waited > 0
        assert platform.queued(EP) == []


async def test_a_read_for_a_module_that_stays_asleep_times_out_in_the_queue() -> None:
    async with module_in_queue_mode() as (d, platform):
        with pytest.raises(RequestTimeout, match=r"queued, not heard from within 0\.2 s"):
            await platform.read(EP, "/19/0/0", timeout=0.2)
        assert platform.queued(EP) == []
        assert not any("QLAURC" in line for line in d.drain())
