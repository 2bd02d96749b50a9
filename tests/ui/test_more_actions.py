"""Quick actions for Send, session recovery and reboot, driven end to end against the simulator and platform."""

from __future__ import annotations

import asyncio

from textual.widgets import RadioButton, Select

from qlaterm.at.network import NETWORK_COMMANDS
from qlaterm.link.session import Kind
from qlaterm.platform.model import SendReceived
from qlaterm.ui.dialogs import RebootDialog, SendDataDialog
from qlaterm.ui.dialogs.value_editor import ValueEditor
from tests.ui.conftest import Console


def footer_actions(console: Console) -> set[str]:
    return {b.binding.action for b in console.app.active_bindings.values() if b.enabled}


def sent(console: Console) -> list[str]:
    return [e.text for e in console.app.transcript.entries if e.kind is Kind.SENT]


async def test_send_data_con_reaches_the_platform(console: Console) -> None:
    assert "send_data" not in footer_actions(console)  # the module refuses Send unless platform is AndLink
    await console.send('AT+QLACFG="platform",2')
    await console.register()
    assert "send_data" in footer_actions(console)
    events = console.platform.events()
    await console.pilot.press("f11")
    dialog = console.app.screen
    assert isinstance(dialog, SendDataDialog)
    types = dialog.query_one(".value-type", Select)
    assert [value for _, value in types._options if value != Select.BLANK] == [1, 2]  # string and opaque only
    await console.pilot.press(*"hello")
    dialog.query_one("#con", RadioButton).value = True
    await console.pilot.pause()
    assert dialog.lines() == ['AT+QLASENDDATA=1,5,"hello",1']
    ack = console.urc("send_ack")
    await console.pilot.press("ctrl+s")
    await ack
    received = await events.wait_for(SendReceived, timeout=5)
    assert b"hello" in received.payload


async def test_send_data_dialog_warns_when_the_platform_is_not_andlink(console: Console) -> None:
    await console.settle()
    console.app.action_send_data()  # from the palette
    await console.pilot.pause()
    dialog = console.app.screen
    assert isinstance(dialog, SendDataDialog)
    assert dialog.query("#send-disabled")
    dialog.query_one(ValueEditor).set(2, "0102")
    assert dialog.lines() == ["AT+QLASENDDATA=2,2,0102"]


async def test_recover_in_status_7(console: Console) -> None:
    await console.send('AT+QLACFG="recovery_mode",1')
    await console.register()
    assert "recover" not in footer_actions(console)
    simulator = console.app.simulator
    assert simulator is not None
    await simulator.deep_sleep()
    await simulator.wake()  # prints the banner at once: the console re-reads the state
    await console.settle()
    assert console.state.status == 7
    assert "recover" in footer_actions(console)
    recovered = console.urc("recovered")
    await console.pilot.press("f12")
    await recovered
    await console.settle()
    assert "AT+QLARECOVER" in sent(console)
    assert console.state.registered and "recover" not in footer_actions(console)


async def test_reboot_offered_when_the_server_executes_3_0_4(console: Console) -> None:
    await console.register()
    assert "reboot" not in footer_actions(console)
    urc = console.urc("execute")
    execute = asyncio.ensure_future(console.platform.execute("ep1", "/3/0/4"))
    await urc
    await execute
    await console.settle()
    assert console.state.reboot_requested == (3, 0, 4)
    assert "reboot" in footer_actions(console)
    assert any("reboot requested" in (n.title or "") for n in console.app._notifications)
    await console.pilot.press("ctrl+b")
    dialog = console.app.screen
    assert isinstance(dialog, RebootDialog) and dialog.lines() == ["AT+QRST=1"]
    rdy = console.line("RDY")
    await console.pilot.press("ctrl+s")
    await rdy
    await console.settle()
    assert "AT+QRST=1" in sent(console)
    assert console.state.reboot_requested is None and console.state.status == 0
    read = ["AT", "AT+QLASTATUS?", "AT+QLACONFIG?", "AT+QLACFG?", "AT+QLAADDOBJ?", *NETWORK_COMMANDS]
    assert sent(console)[-len(read):] == read


async def test_reboot_is_in_the_palette(console: Console) -> None:
    titles = {e.action.title for e in console.app.palette_entries()}
    assert {"Reboot module", "Recover session", "Send data"} <= titles
