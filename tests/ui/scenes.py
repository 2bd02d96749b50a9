"""Scenes shared by the snapshot tests and ``make screenshots``: the main screen and every dialog.

Snapshot scenes run the real simulator (without the platform, on a fixed clock, with fixed message IDs
injected as URC lines) so that every run draws the same frame.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input

from qlaterm.link.base import SerialSettings
from qlaterm.link.inproc import InProcTransport
from qlaterm.state import Request
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.dialogs import (
    AddObjectDialog,
    AnswerDialog,
    ConfigDialog,
    DeleteObjectDialog,
    ExecuteDialog,
    HelpScreen,
    NotifyDialog,
    RebootDialog,
    SaveLogDialog,
    SendDataDialog,
    SerialDialog,
    SettingsDialog,
    UpdateDialog,
    WriteDialog,
)
from qlaterm.ui.dialogs.config import ConfigDefaults

SIZE = (120, 40)
FIXED_TIME = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC

SETUP = (
    'AT+QLACONFIG=0,"127.0.0.1",5684,"866971030603068",300,0,"866971030603068","000102030405060708090A0B0C0D0E0F"',
    'AT+QLACFG="auto_ack",0',
    "AT+QLAADDOBJ=19,0,2,0,1",
    "AT+QLAADDOBJ=19,1,1,0",
)
URCS = (
    b'\r\n+QLAURC: "observe",36581,0,19,0,0\r\n',
    b'\r\n+QLAURC: "read",36582,19,1,0\r\n',
    b'\r\n+QLAURC: "write",36583,19,1,0,2,20,"7B226F75746C6574537461747573223A2231227D",0\r\n',
    b'\r\n+QLAURC: "execute",36584,19,0,1\r\n',
)


def fixed_app() -> QlatermApp:
    """The console over the simulator, no platform, every timestamp the same."""
    return QlatermApp(InProcTransport(platform_port=None, network="ideal"), clock=lambda: FIXED_TIME)


async def settle(pilot: Pilot[None]) -> None:
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    # A DataTable measures its new rows when it is next idle: a snapshot waits for the columns' widths.
    for table in app.screen.query(DataTable):
        while table._require_update_dimensions or table._updated_cells:  # Textual's own pending-measure flags
            await pilot.pause()


def still(screen: Screen[object]) -> None:
    """No blinking cursors in a snapshot."""
    for widget in screen.query(Input):
        widget.cursor_blink = False


async def main_scene(pilot: Pilot[None]) -> None:
    """Configured, objects added, four server requests waiting."""
    app = pilot.app
    assert isinstance(app, QlatermApp)
    await app.state_read.wait()
    await settle(pilot)
    await app._send_all(list(SETUP))
    for urc in URCS:
        app.session._on_data(urc)
    await settle(pilot)
    app.transcript.flush()
    still(app.screen)
    await pilot.pause()


def requests() -> dict[str, Request]:
    at = FIXED_TIME - 7
    return {
        "read": Request(36582, "read", (19, 1, 0), at),
        "observe": Request(36581, "observe", (19, 0, 0), at),
        "write": Request(36583, "write", (19, 1, 0), at, 2, {0: [b'{"outletStatus":"1"}']}),
        "execute": Request(36584, "execute", (19, 0, 1), at),
    }


def dialog(name: str, app: QlatermApp) -> Screen[object]:
    state = app.state
    r = requests()
    factories = {
        "answer_read": lambda: AnswerDialog(r["read"], state),
        "answer_observe": lambda: AnswerDialog(r["observe"], state),
        "answer_instance": lambda: AnswerDialog(Request(36585, "read", (19, 0, -1), FIXED_TIME), state),
        "write": lambda: WriteDialog(r["write"]),
        "execute": lambda: ExecuteDialog(r["execute"]),
        "notify": lambda: NotifyDialog(state, (19, 0, 0)),
        "update": lambda: UpdateDialog(state),
        "config": lambda: ConfigDialog(state, ConfigDefaults("127.0.0.1", 5683, "866971030603068")),
        "settings": lambda: SettingsDialog(state),
        "add_object": lambda: AddObjectDialog(),
        "delete_object": lambda: DeleteObjectDialog(state),
        "save_log": lambda: SaveLogDialog(Path("/tmp"), "qlaterm.log"),
        "send_data": lambda: SendDataDialog(state),
        "reboot": lambda: RebootDialog((3, 0, 4)),
        "serial": lambda: SerialDialog("/dev/ttyUSB0 @ 115200 8N1", SerialSettings()),
        "help": lambda: HelpScreen(app.query_one("#command").HELP + "\n" + app._keys_help()),  # type: ignore[attr-defined]
    }
    return factories[name]()


DIALOGS = ("answer_read", "answer_observe", "answer_instance", "write", "execute", "notify", "update", "config",
           "settings", "add_object", "delete_object", "save_log", "send_data", "reboot", "serial",
           "help")


async def hex_scene(pilot: Pilot[None]) -> None:
    """The main scene with the transcript in the hex view."""
    await main_scene(pilot)
    app = pilot.app
    assert isinstance(app, QlatermApp)
    app.action_hex_view()
    await settle(pilot)
    still(app.screen)
    await pilot.pause()


async def dialog_scene(pilot: Pilot[None], name: str) -> None:
    await main_scene(pilot)
    app = pilot.app
    assert isinstance(app, QlatermApp)
    await app.push_screen(dialog(name, app))
    await pilot.pause()
    await pilot.pause()
    still(app.screen)
    await pilot.pause()
