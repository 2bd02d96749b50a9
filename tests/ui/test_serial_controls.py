"""Serial port controls in the console: the settings dialog on the open port, DTR and RTS toggles, the
status pane's Port row; in sim mode the same keys say there is no serial port."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console as RichConsole
from textual.widgets import Input, Select

from qlaterm.link.base import LinkState, SerialSettings
from qlaterm.link.serial import SerialTransport
from qlaterm.link.session import Kind
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.dialogs.serial import SerialDialog
from qlaterm.ui.status import StatusPane
from tests.sim.test_serve import running_sim
from tests.ui.conftest import Console


def status(app: QlatermApp) -> str:
    out = RichConsole(width=48, record=True, file=io.StringIO())
    out.print(app.query_one(StatusPane).render_state(app.state.now()))
    return out.export_text()


def notes(app: QlatermApp) -> list[str]:
    return [e.text for e in app.transcript.entries if e.kind is Kind.NOTE]


async def test_the_dialog_changes_the_open_port_and_the_module_still_answers(tmp_path: Path) -> None:
    path = tmp_path / "bc26"
    async with running_sim("--pty", "--no-server", "--link", str(path)):
        transport = SerialTransport(str(path), SerialSettings(9600))
        app = QlatermApp(transport)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.state.link.state is LinkState.CONNECTED
            assert "9600 8N1 · DTR on · RTS on" in status(app)
            await pilot.press("shift+f8")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, SerialDialog)
            dialog.query_one("#baud", Input).value = "57600"
            dialog.query_one("#stopbits", Select).value = 2.0
            await pilot.pause()
            assert "9600 8N1  →  57600 8N2" in str(dialog.query_one("#dialog-preview").render())
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert transport.settings == SerialSettings(57600, stopbits=2.0)
            assert transport._port().baudrate == 57600
            assert "serial settings: 57600 8N2" in notes(app)
            assert "57600 8N2 · DTR on" in status(app) and app.sub_title.endswith("57600 8N2")
            replies = await app._send_all(["AT+QLASTATUS?"])
            assert replies[0].ok
            # a pty has no modem lines: the console says so and shows them unchanged
            await pilot.press("shift+f9")
            await pilot.pause()
            assert transport.dtr and "DTR on" in status(app)
            assert any("no DTR line" in str(n.message) for n in app._notifications)


async def test_dtr_and_rts_toggle_from_keys_and_the_palette() -> None:
    # a pyserial URL whose port object takes the modem lines (a pty has none)
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = SerialTransport(f"socket://127.0.0.1:{port}")
    app = QlatermApp(transport)
    async with server, app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("shift+f9")
        await pilot.pause()
        assert not transport.dtr and not transport._port().dtr
        assert "DTR off · RTS on" in status(app)
        entries = {e.action.title: e for e in app.palette_entries()}
        assert {"Serial settings", "Toggle DTR", "Toggle RTS"} <= set(entries)
        entries["Toggle RTS"].run()
        await pilot.pause()
        assert not transport.rts and "DTR off · RTS off" in status(app)
        assert notes(app)[-2:] == ["DTR off", "RTS off"]
        await pilot.press("shift+f9")
        assert transport.dtr


async def test_the_simulator_has_no_serial_port(console: Console) -> None:
    app = console.app
    titles = {e.action.title for e in app.palette_entries()}
    assert not {"Serial settings", "Toggle DTR", "Toggle RTS"} & titles
    for key in ("shift+f8", "shift+f9", "shift+f10"):
        await console.pilot.press(key)
    await console.pilot.pause()
    assert not isinstance(app.screen, SerialDialog)
    messages = [str(n.message) for n in app._notifications]
    assert sum("is not a serial port" in m for m in messages) == 3
    assert "Port" not in console.status_text()
