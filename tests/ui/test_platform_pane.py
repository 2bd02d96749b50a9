"""The platform pane (sim mode): the device operations go to, the operation's own argument, a path that fits."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiocoap import CON, Code, Message
from textual.app import App, ComposeResult
from textual.widgets import Input

from qlaterm.platform.model import Queued, Registered, Sent
from qlaterm.platform.server import Platform
from qlaterm.ui.platform_pane import Choice, PlatformPane
from tests.tinyclient import TinyClient
from tests.ui.conftest import Console, running_console


def pane(console: Console) -> PlatformPane:
    return console.app.query_one(PlatformPane)


async def pick_operation(console: Console, key: str) -> None:
    """Pick an operation the way the keyboard does: focus the picker, press its number."""
    console.app.query_one("#platform-op", Choice).focus()
    await console.pilot.press(key)


async def type_argument(console: Console, text: str) -> None:
    console.app.query_one("#platform-arg", Input).focus()
    await console.pilot.press(*text)


async def test_the_third_field_is_emptied_and_relabelled_for_each_operation(console: Console) -> None:
    arg = console.app.query_one("#platform-arg", Input)
    assert not arg.display  # Read, the default, takes no argument
    await pick_operation(console, "2")
    assert pane(console).operation == "write" and arg.display and arg.border_title == "value"
    await type_argument(console, "hello")
    await pick_operation(console, "3")
    assert pane(console).operation == "execute"
    assert arg.value == "" and arg.border_title == "arguments"
    await pick_operation(console, "7")
    assert arg.border_title == "attributes" and "pmin=" in arg.placeholder and "pmax=" in arg.placeholder
    await pick_operation(console, "1")
    assert not arg.display


async def test_an_execute_after_a_write_carries_no_value(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    await pick_operation(console, "2")
    await type_argument(console, "hello")
    await pick_operation(console, "3")
    request = pane(console).request()
    assert request == ("ep1", "execute", "/19/0/0", "")
    execute = await console.server_asks("execute", pane(console).operate(*request))
    posts = [r for r in console.platform.coap_log if r.direction == "out" and r.path == "/19/0/0"]
    assert posts and "hello" not in posts[-1].payload
    await console.pilot.press("f2")
    await console.pilot.click("#accept")
    assert (await execute).code.dotted == "2.04"


@pytest.mark.parametrize("size", [(120, 40), (100, 30), (80, 24)])
async def test_the_path_field_shows_a_long_path_beside_the_argument(size: tuple[int, int]) -> None:
    async with running_console(size=size) as console:
        for key in "21":  # an operation with an argument (the path field at its narrowest), then one without
            await pick_operation(console, key)
            await console.pilot.pause()
            path = console.app.query_one("#platform-path", Input)
            assert path.content_region.width > len("/10250/0/5750"), path.content_region
            arg = console.app.query_one("#platform-arg", Input)
            assert not arg.display or arg.content_region.width >= 6, arg.content_region
            row = console.app.query_one("#platform-ops").content_region
            for button, label in (("#platform-go", "Go"), ("#platform-sleep", "Sleep")):
                region = console.app.query_one(button).region  # the whole label, inside the row
                assert region.right <= row.right and region.width >= len(label) + 2, (button, region, row)
            log = console.app.query_one("#platform-log").region
            assert log.height >= 1 and log.y >= row.bottom, (log, row)


async def register_raw(port: int, endpoint: str, *, sock: socket.socket | None = None,
                       mid: int = 4242) -> socket.socket:
    """A second device: a bare UDP socket that registers and then never answers."""
    if sock is None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
    register = Message(code=Code.POST, uri_path=("rd",), uri_query=(f"ep={endpoint}", "lt=300"), payload=b"</3/0>")
    register.mtype, register.mid, register.token = CON, mid, b"\x01"
    sock.sendto(register.encode(), ("127.0.0.1", port))
    return sock


async def test_operations_go_to_the_picked_device_not_the_last_registered(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    silent = await register_raw(console.platform.port, "silent")
    try:
        await console.platform.wait_for_registration("silent", timeout=5)
        await console.pilot.pause()
        picker = console.app.query_one("#platform-ep", Choice)
        assert [value for _, value in picker.options] == ["ep1", "silent"]
        assert picker.value == "silent"  # until one is picked, the device that registered last

        picker.focus()
        await console.pilot.press("left")
        assert picker.value == "ep1" and pane(console).endpoint == "ep1"
        address = console.platform.devices["ep1"].address
        assert f"@ {address[0]}:{address[1]}" in str(console.app.query_one("#platform-device").render())
        request = pane(console).request()
        assert request is not None and request[0] == "ep1"
        read = await console.server_asks("read", pane(console).operate(*request))
        await console.pilot.press("f2")
        from qlaterm.ui.dialogs.value_editor import ValueEditor

        console.app.screen.query_one(ValueEditor).set(1, "picked")
        await console.pilot.press("ctrl+s")
        assert (await read).value == "picked"

        # the picked device stays picked when the other one registers again, last
        with console.platform.events() as events:
            await register_raw(console.platform.port, "silent", sock=silent, mid=4243)
            await events.wait_for(Registered, lambda e: e.endpoint == "silent", timeout=5)
        await console.pilot.pause()
        assert pane(console).endpoint == "ep1" and picker.value == "ep1"
    finally:
        silent.close()


async def test_a_picked_device_that_left_is_marked_and_not_operated_on(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    picker = console.app.query_one("#platform-ep", Choice)
    picker.focus()
    await console.pilot.press("1")  # picked explicitly
    deregistered = console.line("+QLADEREG: 0")
    await console.send("AT+QLADEREG")
    await deregistered
    await console.settle()
    assert picker.value == "ep1" and "gone" in picker.label
    assert pane(console).request() is None


async def test_the_device_line_counts_the_requests_waiting_for_a_sleeping_device() -> None:
    async with Platform(port=0, queue_awake=0.0) as platform:  # a UQ device sleeps as soon as it was heard from

        class PaneOnly(App[None]):
            def compose(self) -> ComposeResult:
                yield PlatformPane(platform)

        client = TinyClient("sleepy")
        await client.start()
        app = PaneOnly()
        try:
            async with app.run_test(size=(120, 30)) as pilot:
                line = app.query_one("#platform-device")
                await client.register(platform.port, binding="UQ")
                await pilot.pause()
                assert "b=UQ" in str(line.render()) and "queued" not in str(line.render())
                with platform.events() as events:
                    reads = [asyncio.create_task(platform.read("sleepy", p)) for p in ("/3/0/0", "/19/0/0")]
                    await events.wait_for(Queued, lambda e: e.position == 2, timeout=5)
                    await pilot.pause()
                    assert "b=UQ · 2 queued · /1/0" in str(line.render())
                    await client.update(platform.port)
                    await events.wait_for(Sent, lambda e: e.path == (19, 0, 0), timeout=5)
                    await asyncio.gather(*reads)
                    await pilot.pause()
                    assert "queued" not in str(line.render())
        finally:
            await client.stop()
