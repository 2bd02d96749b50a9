"""Each quick action driven end to end in sim mode: keys in the console, effect at the bundled platform."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, Select

from qlaterm.link.session import Kind, Traffic
from qlaterm.ui.dialogs import (
    AddObjectDialog,
    AnswerDialog,
    ConfigDialog,
    ExecuteDialog,
    NotifyDialog,
    SettingsDialog,
    UpdateDialog,
    WriteDialog,
)
from qlaterm.ui.dialogs.value_editor import ValueEditor
from tests.ui.conftest import Console


async def type_into(console: Console, widget: Input, text: str) -> None:
    widget.focus()
    widget.value = ""
    await console.pilot.press(*text)


async def test_startup_reads_the_module_state(console: Console) -> None:
    sent = [e.text for e in console.app.transcript.entries if e.kind is Kind.SENT]
    assert sent[:5] == ["AT", "AT+QLASTATUS?", "AT+QLACONFIG?", "AT+QLACFG?", "AT+QLAADDOBJ?"]
    assert console.state.status == 0 and console.state.config_known and console.state.config is None
    assert console.app.focused is not None and console.app.focused.id == "command-input"


async def test_configure_add_object_register_from_dialogs(console: Console) -> None:
    pilot = console.pilot
    await pilot.press("f7")
    dialog = console.app.screen
    assert isinstance(dialog, ConfigDialog)
    server = dialog.query_one("#server", Input)
    port = dialog.query_one("#port", Input)
    assert server.value == "127.0.0.1" and port.value == str(console.platform.port)  # proposed in sim mode
    await type_into(console, dialog.query_one("#endpoint", Input), "dev-a")
    await pilot.press("ctrl+s")
    await console.settle()
    assert console.state.config.endpoint == "dev-a"

    await pilot.press("f9")
    assert isinstance(console.app.screen, AddObjectDialog)
    await type_into(console, console.app.screen.query_one("#resources", Input), "0 1")
    await pilot.press("enter")
    await console.settle()
    assert console.state.objects == {19: {0: (0, 1)}}

    registered = console.line("+QLAREG: 0")
    await pilot.press("f4")
    await registered
    device = await console.platform.wait_for_registration("dev-a")
    assert (19, 0) in device.object_paths()


async def test_number_fields_take_digits_only(console: Console) -> None:
    await console.pilot.press("f7")
    dialog = console.app.screen
    assert isinstance(dialog, ConfigDialog)
    port = dialog.query_one("#port", Input)
    await type_into(console, port, "56.8x3")  # a host typed into the wrong field cannot end up there
    assert port.value == "5683"


async def test_register_without_configuration_opens_the_form_first(console: Console) -> None:
    await console.pilot.press("f4")
    assert isinstance(console.app.screen, ConfigDialog)
    registered = console.line("+QLAREG: 0")
    await console.pilot.press("ctrl+s")
    await registered
    assert console.state.registered


async def test_read_answered_from_the_dialog_reaches_the_platform(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,2,0,1")
    read = await console.server_asks("read", console.platform.read("ep1", "/19/0/0"))
    assert [r.label for r in console.state.requests.values()] == ["read /19/0/0"]
    await console.pilot.press("f2")
    dialog = console.app.screen
    assert isinstance(dialog, AnswerDialog)
    editor = dialog.query_one(ValueEditor)
    await type_into(console, editor.query_one(Input), "hello")
    assert "len 5 bytes · hex 68656C6C6F" in str(editor.query_one(".computed").render())
    await console.pilot.press("enter")
    result = await read
    assert result.ok and result.value == "hello"
    await console.settle()
    assert not console.state.requests and console.state.values[(19, 0, 0)] == "hello"


async def test_instance_read_answers_every_resource(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,2,0,1")
    read = await console.server_asks("read", console.platform.read("ep1", "/19/0"))
    await console.pilot.press("f2")
    dialog = console.app.screen
    editors = list(dialog.query(ValueEditor))
    assert len(editors) == 2
    editors[0].set(1, "abc")
    editors[1].set(3, "42")
    await console.pilot.pause()
    assert dialog.lines() == [
        f'AT+QLARDRSP={dialog.request.mid},1,19,0,0,1,3,"abc",1',
        f"AT+QLARDRSP={dialog.request.mid},1,19,0,1,3,2,42,0",
    ]
    await console.pilot.press("ctrl+s")
    result = await read
    # TLV carries no types: the platform sees the bytes the module encoded (42 as one byte)
    assert result.ok and result.values[(19, 0, 0)] == b"abc" and result.values[(19, 0, 1)] == b"\x2a"


async def test_read_rejected_with_not_found(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    read = await console.server_asks("read", console.platform.read("ep1", "/19/0/0"))
    await console.pilot.press("f2")
    console.app.screen.query_one("#result", Select).value = 13
    await console.pilot.press("ctrl+s")
    result = await read
    assert result.code.dotted == "4.04"


async def test_observe_then_con_notify_shows_report_ack(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    observe = await console.server_asks("observe", console.platform.observe("ep1", "/19/0/0"))
    await console.pilot.press("f2")
    dialog = console.app.screen
    assert isinstance(dialog, AnswerDialog) and dialog.request.kind == "observe"
    dialog.query_one(ValueEditor).set(3, "21")
    await console.pilot.press("ctrl+s")
    observation = await observe
    assert observation.first.value == "21"  # text/plain: the platform sees text
    await console.settle()
    assert console.state.is_observed((19, 0, 0))

    events = console.platform.events()
    await console.pilot.press("f3")
    notify = console.app.screen
    assert isinstance(notify, NotifyDialog) and notify.path == (19, 0, 0)
    notify.query_one(ValueEditor).set(3, "22")
    notify.query_one("#con").value = True
    await console.pilot.pause()
    acked = console.urc("report_ack")
    await console.pilot.press("ctrl+s")
    await acked
    from qlaterm.platform.model import Notification

    note = await events.wait_for(Notification)
    assert note.values[(19, 0, 0)] == "22" and note.con
    assert '"report_ack",0' in console.transcript_text()

    # The platform forgets the observation (as after a restart): the next CON notification gets RST, the
    # module ends the observation, and the console stops marking the resource as observed.
    observation._stop_local("forgotten")
    await console.pilot.press("f3")
    notify = console.app.screen
    assert isinstance(notify, NotifyDialog)
    notify.query_one(ValueEditor).set(3, "23")
    notify.query_one("#con").value = True
    await console.pilot.pause()
    reset = console.waiter(lambda e: isinstance(e, Traffic) and e.text.startswith('+QLAURC: "report_ack",9,'))
    await console.pilot.press("ctrl+s")
    await reset
    await console.settle()
    assert not console.state.is_observed((19, 0, 0))


async def test_write_accepted_shows_decoded_json(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,1,1,0")
    write = await console.server_asks("write", console.platform.write("ep1", "/19/1/0", b'{"outletStatus":"1"}'))
    await console.pilot.press("f2")
    dialog = console.app.screen
    assert isinstance(dialog, WriteDialog)
    shown = str(dialog.query_one("#written").render())
    assert '"outletStatus": "1"' in shown  # JSON pretty-printed
    await console.pilot.click("#accept")
    result = await write
    assert result.code.dotted == "2.04"
    await console.settle()
    assert console.state.values[(19, 1, 0)] == b'{"outletStatus":"1"}'


async def test_write_rejected(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    write = await console.server_asks("write", console.platform.write("ep1", "/19/0/0", "x"))
    await console.pilot.press("f2")
    console.app.screen.query_one("#reason", Select).value = 12
    await console.pilot.click("#reject")
    assert (await write).code.dotted == "4.01"


async def test_execute_accepted_and_rejected(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    for button, code in (("#accept", "2.04"), ("#reject", "4.00")):
        execute = await console.server_asks("execute", console.platform.execute("ep1", "/19/0/0"))
        await console.pilot.press("f2")
        assert isinstance(console.app.screen, ExecuteDialog)
        await console.pilot.click(button)
        assert (await execute).code.dotted == code
        await console.settle()


async def test_update_lifetime_and_deregister(console: Console) -> None:
    await console.register()
    from qlaterm.platform.model import Deregistered, Updated

    events = console.platform.events()
    await console.pilot.press("f5")
    dialog = console.app.screen
    assert isinstance(dialog, UpdateDialog)
    await type_into(console, dialog.query_one("#lifetime", Input), "600")
    updated = console.waiter(lambda e: isinstance(e, Traffic) and e.text.startswith("+QLAUPDATE: 0,"))
    await console.pilot.press("enter")
    await updated
    assert (await events.wait_for(Updated)).device.lifetime == 600
    await console.settle()
    assert console.state.config.lifetime == 600

    gone = console.line("+QLADEREG: 0")
    await console.pilot.press("f6")
    await gone
    await events.wait_for(Deregistered)
    await console.settle()
    assert console.state.status == 4


async def test_settings_form_buffer_mode_and_drain(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    await console.pilot.press("f8")
    dialog = console.app.screen
    assert isinstance(dialog, SettingsDialog)
    dialog.query_one("#name", Select).value = "access_mode"
    await console.pilot.pause()
    await console.pilot.pause()
    dialog.query_one("#v0", Select).value = 1
    await console.pilot.pause()
    assert dialog.lines() == ['AT+QLACFG="access_mode",1']
    await console.pilot.press("ctrl+s")
    await console.settle()
    assert console.state.buffer_mode

    buffered = console.urc("buffer")
    read = asyncio.ensure_future(console.platform.read("ep1", "/19/0/0"))
    await buffered
    await console.settle()
    assert not console.state.requests
    await console.pilot.press("ctrl+r")
    await console.settle()
    request = console.state.oldest_request()
    assert request is not None and request.buffered and request.label == "read /19/0/0"
    await console.pilot.press("f2")
    console.app.screen.query_one(ValueEditor).set(1, "from buffer")
    await console.pilot.press("ctrl+s")
    assert (await read).value == "from buffer"


async def test_cfg_res_form_adds_the_fixed_prefix(console: Console) -> None:
    await console.pilot.press("f8")
    dialog = console.app.screen
    dialog.query_one("#name", Select).value = "cfg_res"
    await console.pilot.pause()
    await console.pilot.pause()
    dialog.query_one("#v0", Input).value = "QL-01"
    await console.pilot.pause()
    await console.pilot.press("ctrl+s")
    await console.settle()
    assert 'AT+QLACFG="cfg_res",3,0,17,"QL-01"' in console.transcript_text()
    assert console.state.settings["cfg_res"] == ("QL-01",)


async def test_delete_object(console: Console) -> None:
    await console.send("AT+QLAADDOBJ=19,0,1,0", "AT+QLAADDOBJ=20,0,1,0")
    await console.settle()
    await console.pilot.press("f10")
    dialog = console.app.screen
    dialog.query_one("#obj", Select).value = 20
    await console.pilot.press("ctrl+s")
    await console.settle()
    assert console.state.objects == {19: {0: (0,)}}


async def test_refused_action_is_explained(console: Console) -> None:
    await console.pilot.press("f6")  # deregister while not registered: explained first
    await console.pilot.press("f6")  # and sent when asked again
    await console.settle()
    assert "+CME ERROR: 4   (not registered)" in console.transcript_text()
    assert any("not registered" in str(n.message) for n in console.app._notifications)


async def test_picking_a_reject_code_previews_the_reject_line(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    write = await console.server_asks("write", console.platform.write("ep1", "/19/0/0", "x"))
    await console.pilot.press("f2")
    dialog = console.app.screen
    assert isinstance(dialog, WriteDialog)
    mid = dialog.request.mid

    def preview() -> str:
        return str(dialog.query_one("#dialog-preview").render())

    assert preview() == f"AT+QLAWRRSP={mid},2"  # Accept is in focus
    dialog.query_one("#reason", Select).value = 13  # 4.04
    await console.pilot.pause()
    assert preview() == f"AT+QLAWRRSP={mid},13"
    dialog.query_one("#reject").focus()
    await console.pilot.pause()
    assert preview() == f"AT+QLAWRRSP={mid},13"
    dialog.query_one("#accept").focus()
    await console.pilot.pause()
    assert preview() == f"AT+QLAWRRSP={mid},2"
    dialog.query_one("#reason").focus()
    await console.pilot.pause()
    assert preview() == f"AT+QLAWRRSP={mid},13"
    await console.pilot.press("ctrl+s")  # sends what the preview shows
    assert (await write).code.dotted == "4.04"


async def test_an_execute_reject_code_is_previewed(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    execute = await console.server_asks("execute", console.platform.execute("ep1", "/19/0/0"))
    await console.pilot.press("f2")
    dialog = console.app.screen
    assert isinstance(dialog, ExecuteDialog)
    dialog.query_one("#reason", Select).value = 14  # 4.05
    await console.pilot.pause()
    assert str(dialog.query_one("#dialog-preview").render()) == f"AT+QLAEXERSP={dialog.request.mid},14"
    await console.pilot.click("#reject")
    assert (await execute).code.dotted == "4.05"
