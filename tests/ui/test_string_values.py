"""Non-ASCII and quoted string values: ``<len>`` in UTF-8 bytes in the dialogs, a quote warned about before
anything is sent (in the dialogs and on the command line)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from qlaterm.link.session import Kind
from qlaterm.ui.dialogs import AnswerDialog, NotifyDialog
from qlaterm.ui.dialogs.value_editor import ValueEditor
from tests.ui.conftest import Console


def sent(console: Console) -> list[str]:
    return [e.text for e in console.app.transcript.entries if e.kind is Kind.SENT]


async def answering_a_read(console: Console) -> tuple[Any, AnswerDialog, ValueEditor]:
    """Registered with 19/0/0; the platform reads it and F2 opens the answer: the read, the dialog, its editor."""
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    read = await console.server_asks("read", console.platform.read("ep1", "/19/0/0"))
    await console.pilot.press("f2")
    dialog = console.app.screen
    assert isinstance(dialog, AnswerDialog)
    return read, dialog, dialog.query_one(ValueEditor)


async def test_a_non_ascii_answer_counts_bytes_and_reaches_the_platform(console: Console) -> None:
    read, dialog, editor = await answering_a_read(console)
    editor.query_one(Input).value = "héllo 服务"
    await console.pilot.pause()
    assert "len 13 bytes (8 characters in UTF-8)" in str(editor.query_one(".computed").render())
    mid = dialog.request.mid
    assert str(dialog.query_one("#dialog-preview").render()) == f'AT+QLARDRSP={mid},1,19,0,0,1,13,"héllo 服务",0'
    assert str(dialog.query_one("#dialog-error").render()) == ""
    await console.pilot.press("ctrl+s")
    result = await read
    assert result.ok and result.value == "héllo 服务"


async def test_a_quote_in_a_dialog_value_is_warned_about_before_sending(console: Console) -> None:
    read, dialog, editor = await answering_a_read(console)
    editor.query_one(Input).value = 'say "hi"'
    await console.pilot.pause()
    warning = str(dialog.query_one("#dialog-error").render())
    assert "⚠ <value> contains a double quote" in warning and "opaque hex" in warning
    editor.set(2, '22686922')  # the same bytes as opaque hex: nothing to warn about
    await console.pilot.pause()
    assert str(dialog.query_one("#dialog-error").render()) == ""
    await console.pilot.press("ctrl+s")
    assert (await read).payload == b'"hi"'


async def test_a_quote_typed_on_the_command_line_is_held_with_the_reason(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    line = 'AT+QLACFG="cfg_res",3,0,17,"a"b"'
    field = console.app.query_one("#command-input", Input)
    field.value = line
    await console.pilot.pause()
    verdict = str(console.app.query_one("#verdict").render())
    assert 'the "cfg_res" setting contains a double quote' in verdict
    await console.pilot.press("enter")
    await console.pilot.pause()
    assert line not in sent(console)
    assert "not sent · Enter again sends it anyway" in str(console.app.query_one("#verdict").render())
    done = console.line("OK")
    await console.pilot.press("enter")
    await done
    assert line in sent(console)


async def test_the_notify_dialog_counts_bytes_too(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    await console.pilot.press("f3")
    dialog = console.app.screen
    assert isinstance(dialog, NotifyDialog)
    dialog.query_one(ValueEditor).query_one(Input).value = "ü"
    await console.pilot.pause()
    assert ",1,2,\"ü\"," in str(dialog.query_one("#dialog-preview").render())
