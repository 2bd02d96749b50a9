"""What the module does when the server goes quiet under a live registration (SPEC sections 1–2), and the
URCs the buffer of access_mode 1 keeps besides server requests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiocoap
from aiocoap.numbers.codes import Code

from tests.sim.test_lwm2m import EP, registered
from tests.simkit import ModuleDriver

SCALE = 0.01
"""Time scale: the default retransmission budget (2 s, 5 resends: 126 s) takes 1.26 s."""


@asynccontextmanager
async def server_gone_quiet(**kwargs: object) -> AsyncIterator[ModuleDriver]:
    """A registered module whose server then stops answering: the platform is replaced by a silent socket."""
    kwargs.setdefault("time_scale", SCALE)
    async with registered(**kwargs) as (d, platform):  # type: ignore[arg-type]
        port = platform.port
        await platform.stop()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(("127.0.0.1", port))
            yield d


async def test_failed_update_loses_the_registration_status_5() -> None:
    async with server_gone_quiet() as d:
        lines = await d.command("AT+QLAUPDATE=0,600")
        mid = lines[0].removeprefix("+QLAUPDATE: ")
        assert lines == [f"+QLAUPDATE: {mid}", "OK"]
        await d.expect(rf"\+QLAUPDATE: 1,{mid}", timeout=10)
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 5", "OK"]
        # registered no more: the commands that need a registration say so
        assert await d.command("AT+QLADEREG") == ["+CME ERROR: 4"]


async def test_deregistering_is_status_3_then_4() -> None:
    async with server_gone_quiet() as d:
        assert await d.command("AT+QLADEREG") == ["OK"]
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 3", "OK"]
        assert await d.command("AT+QLADEREG") == ["+CME ERROR: 15"]
        await d.expect(r"\+QLADEREG: 1", timeout=10)
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 4", "OK"]


async def test_automatic_update_that_fails_prints_ping_and_status_5() -> None:
    # lifetime 20 s → an Update every 10 s, 0.1 s at this scale; its retransmissions then run out
    async with server_gone_quiet(lifetime=20) as d:
        await d.expect(r'\+QLAURC: "ping",1', timeout=10)
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 5", "OK"]


async def test_recovery_after_deep_sleep_without_a_server_fails() -> None:
    async with server_gone_quiet() as d:
        await d.module.deep_sleep()
        await d.module.wake()
        await d.expect(r"\+IP: .*")
        code = (await d.expect(r'\+QLAURC: "recovered",(\d+)', timeout=10)).group(1)
        assert code != "0"
        assert await d.command("AT+QLASTATUS?") == ["+QLASTATUS: 5", "OK"]


async def test_read_with_a_uri_query_is_reported_with_it() -> None:
    async with registered() as (d, platform):
        host, port = platform.devices[EP].address
        ctx = await aiocoap.Context.create_client_context(transports=["udp6"])
        try:
            read = aiocoap.Message(code=Code.GET, uri=f"coap://{host}:{port}/19/0/0?pmin=10")
            asking = asyncio.ensure_future(ctx.request(read).response)
            mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0,"pmin=10"')).group(1)
            assert await d.command(f"AT+QLARDRSP={mid},1,19,0,0,1,2,ok,0") == ["OK"]
            response = await asking
            assert response.code == Code.CONTENT and response.payload == b"ok"
        finally:
            await ctx.shutdown()


async def test_buffer_mode_keeps_lifetime_changes_and_reboot_requests_too() -> None:
    async with registered(settings=('AT+QLACFG="access_mode",1',)) as (d, platform):
        assert (await platform.write(EP, "/1/0/1", 600)).code == Code.CHANGED
        await d.expect(r'\+QLAURC: "buffer"')
        await d.expect(r'\+QLAURC: "ping",0')  # the Update announcing the new lifetime is not buffered
        await platform.execute(EP, "/3/0/4")
        assert await d.command("AT+QLARD?") == ["+QLARD: 2", "OK"]
        assert await d.command("AT+QLARD") == ['+QLARD: 1,"lifetime_changed",600', "OK"]
        assert await d.command("AT+QLARD") == ['+QLARD: 0,"execute",0,3,0,4', "OK"]
        # binding changes are not in the buffer table: printed at once
        await platform.write(EP, "/1/0/7", "UQ")
        await d.expect(r'\+QLAURC: "binding_changed",UQ')
        assert await d.command("AT+QLARD?") == ["+QLARD: 0", "OK"]
