"""The simulated module, driven through AT commands, against lwm2m-node-lib's LwM2M server.

The server is a peer written elsewhere: it registers the module, then reads, writes, executes and observes
a custom object whose answers come from AT+QLARDRSP / QLAWRRSP / QLAEXERSP / QLAOBSRSP / QLANOTIFY.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.peers.node_lwm2m import NodeLwm2mServer
from tests.simkit import ModuleDriver, running_module

pytestmark = pytest.mark.interop


async def _register(d: ModuleDriver, server: NodeLwm2mServer) -> None:
    assert await d.command("AT+QLAADDOBJ=19,0,2,0,1") == ["OK"]
    await d.expect(r"\+QLAADDOBJ: 0")
    await d.command(f'AT+QLACONFIG=0,"127.0.0.1",{server.port},"bc26-node",300,3')
    assert await d.command("AT+QLAREG") == ["OK"]
    await d.expect(r"\+QLAREG: 0")
    assert (await server.wait_for(r"^Endpoint name: (\S+)")).group(1) == "bc26-node"


async def test_node_server_reads_writes_executes_and_observes_through_at(node_server: NodeLwm2mServer) -> None:
    async with running_module(time_scale=0.01) as d:
        await _register(d, node_server)

        # Read of a built-in resource: answered by the module itself
        out = await node_server.command("read 1 /3/0/0", r"^(Value: .*|Error.*)")
        assert "Quectel" in out

        # Read of a custom resource: a URC, answered with AT+QLARDRSP
        reading = asyncio.create_task(node_server.command("read 1 /19/0/0", r"^(Value: .*|Error.*)"))
        mid = (await d.expect(r'\+QLAURC: "read",(\d+),19,0,0')).group(1)
        assert await d.command(f'AT+QLARDRSP={mid},1,19,0,0,1,11,"hello-world",0') == ["OK"]
        await d.expect(r"\+QLARDRSP: 0")
        out = await reading
        assert "hello-world" in out, out

        # Write (Content-Format 1541, old LwM2M text): a type 1 URC
        writing = asyncio.create_task(node_server.command("write 1 /19/0/1 on", r"(Success|Error)"))
        mid = (await d.expect(r'\+QLAURC: "write",(\d+),19,0,1,1,2,"on",0')).group(1)
        assert await d.command(f"AT+QLAWRRSP={mid},2") == ["OK"]
        await d.expect(r"\+QLAWRRSP: 0")
        assert "Success" in await writing

        # Execute
        executing = asyncio.create_task(node_server.command("execute 1 /19/0/1 now", r"(Success|Error)"))
        mid = (await d.expect(r'\+QLAURC: "execute",(\d+),19,0,1')).group(1)
        assert await d.command(f"AT+QLAEXERSP={mid},2") == ["OK"]
        await d.expect(r"\+QLAEXERSP: 0")
        assert "Success" in await executing

        # Observe, then notifications reach the server
        await node_server.send("observe 1 19 0 0")
        mid = (await d.expect(r'\+QLAURC: "observe",(\d+),0,19,0,0')).group(1)
        assert await d.command(f"AT+QLAOBSRSP={mid},1,19,0,0,1,2,v0,0") == ["OK"]
        await d.expect(r"\+QLAOBSRSP: 0")
        assert await d.command("AT+QLANOTIFY=19,0,0,1,2,v1,0,0") == ["OK"]
        await d.expect(r"\+QLANOTIFY: 0")
        # the server prints the observation on the first notification it matches (see the peer notes)
        await node_server.wait_for(r"Got new value: v1")
        assert await d.command("AT+QLANOTIFY=19,0,0,1,2,v2,0,1") == ["OK"]
        await node_server.wait_for(r"Got new value: v2")
        # lwm2m-node-lib does not acknowledge CON notifications: the module reports the timeout (status 1)
        # once the retransmissions of "retransmit" are spent (fast-forwarded by the time scale)
        await d.expect(r'\+QLAURC: "report_ack",[01],\d+', timeout=10)


async def test_node_server_writes_the_lifetime_and_the_module_sends_an_update(node_server: NodeLwm2mServer) -> None:
    async with running_module(time_scale=0.01) as d:
        await _register(d, node_server)
        out = await node_server.command("write 1 /1/0/1 100", r"(Success|Error).*")
        assert "Success" in out, out
        await d.expect(r'\+QLAURC: "lifetime_changed",100')
        await d.expect(r'\+QLAURC: "ping",0')  # the server knows the registration under its new lifetime
        listing = await node_server.command("list", r".*[Ll]ifetime.*")
        assert '"lifetime": "100"' in listing, listing


async def test_node_server_writes_attributes_and_the_module_notifies_by_them(node_server: NodeLwm2mServer) -> None:
    """``writeAttr`` then ``observe`` of the current time: pmax=2 (20 ms at the time scale) brings
    notifications without the terminal's help, and Discover reports the attributes."""
    async with running_module(time_scale=0.01) as d:
        await _register(d, node_server)
        out = await node_server.command("writeAttr 1 3 0 13 pmin=1,pmax=2", r"^(Attributes wrote.*|Error.*)")
        assert "Attributes wrote" in out, out
        out = await node_server.command("discover 1 3 0 13", r"^pmax.*")
        assert "pmin = 1" in out and "pmax=2" in out, out
        await node_server.send("observe 1 3 0 13")
        first = await node_server.wait_for(r"Got new value: (\d+)")
        second = await node_server.wait_for(r"Got new value: (\d+)")
        assert int(second.group(1)) >= int(first.group(1))
        assert d.drain() == []  # built-in: the terminal hears nothing of it
