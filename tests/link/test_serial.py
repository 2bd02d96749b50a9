"""The console's serial transport against ``qlaterm-sim --pty``: a real pseudo-terminal, pyserial-asyncio.

The simulator is stopped and started again on the same ``--link`` path; the transport reports the loss,
reopens the port by itself and the session carries on.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console

from qlaterm.link.base import LinkState, LinkStatus
from qlaterm.link.serial import SerialTransport
from qlaterm.link.session import Session, SessionEvent
from tests.sim.test_serve import running_sim


def link_is(state: LinkState):  # type: ignore[no-untyped-def]
    return lambda e: isinstance(e, LinkStatus) and e.state is state


async def test_pty_session_survives_the_simulator_restarting(tmp_path: Path) -> None:
    path = tmp_path / "bc26"
    events: list[SessionEvent] = []
    async with running_sim("--pty", "--no-server", "--link", str(path)):
        session = Session(SerialTransport(str(path), retry=0.05, max_retry=0.2), timeout=3)
        session.subscribe(events.append)
        await session.open()
        assert session.link.state is LinkState.CONNECTED
        reply = await session.send("AT+QLASTATUS?")
        assert reply.ok and [x.text for x in reply.lines] == ["+QLASTATUS: 0"]
        lost = asyncio.create_task(session.wait_for(link_is(LinkState.LOST)))
    await lost  # the simulator is gone: the link says so
    back = asyncio.create_task(session.wait_for(link_is(LinkState.CONNECTED)))
    async with running_sim("--pty", "--no-server", "--link", str(path)):
        await back
        reply = await session.send("AT")
        assert reply.ok
        await session.close()
    states = [e.state for e in events if isinstance(e, LinkStatus)]
    assert states[:1] == [LinkState.CONNECTING] and LinkState.LOST in states
    assert states[-2:] == [LinkState.CONNECTED, LinkState.CLOSED]


async def test_socket_url_and_a_port_that_is_not_there() -> None:
    session = Session(SerialTransport("socket://127.0.0.1:9", retry=0.05, max_retry=0.1), timeout=0.3)
    lost = asyncio.create_task(session.wait_for(link_is(LinkState.LOST)))
    await session.open()
    status = await lost
    assert isinstance(status, LinkStatus) and "127.0.0.1:9" in status.detail
    reply = await session.send("AT")  # written into the void: times out, never raises
    assert reply.final is None
    await session.close()



async def test_console_over_the_pty_reconnects_and_rereads(tmp_path: Path) -> None:
    """The whole console on the serial transport: the status pane says lost, then the state is read again."""
    from qlaterm.link.session import Traffic
    from qlaterm.ui.app import QlatermApp
    from qlaterm.ui.status import StatusPane

    path = tmp_path / "bc26"
    first = running_sim("--pty", "--no-server", "--link", str(path))
    await first.__aenter__()
    app = QlatermApp(SerialTransport(str(path), retry=0.05, max_retry=0.2))
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.state.status == 0 and app.state.link.state is LinkState.CONNECTED
            lost = asyncio.ensure_future(app.session.wait_for(link_is(LinkState.LOST)))
        finally:
            await first.__aexit__(None, None, None)
        await lost
        await pilot.pause()
        shown = Console(width=48, record=True, file=io.StringIO())
        shown.print(app.query_one(StatusPane).render_state(app.state.now()))
        assert "● lost" in shown.export_text()
        reread = asyncio.ensure_future(
            app.session.wait_for(lambda e: isinstance(e, Traffic) and e.text == "+QLASTATUS: 0", timeout=20)
        )
        async with running_sim("--pty", "--no-server", "--link", str(path)):
            await reread
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.state.link.state is LinkState.CONNECTED and app.state.status == 0
