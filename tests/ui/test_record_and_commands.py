"""Recording a session through the console and replaying it; command lists picked, edited, sent and run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input

from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Kind, Traffic
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.command_list import CommandListPane
from qlaterm.ui.record import RecordDialog
from tests.replay.kit import replay

from .conftest import SIZE, Console, running_console


async def type_line(console: Console, line: str, until: str) -> None:
    """Type ``line`` on the command line, press Enter and wait for the line ``until``."""
    await console.pilot.press(*line)  # typing is slow on a busy machine: the wait starts at Enter
    arrived = console.waiter(lambda e: isinstance(e, Traffic) and e.text == until, timeout=20)
    await console.pilot.press("enter")
    await arrived
    await console.settle()


async def register_and_answer_a_read(console: Console, ep: str) -> None:
    """Configure, add 19/0/0, register; the platform reads it and the typed answer goes back."""
    app = console.app
    port = app.platform.port if app.platform else 0
    await type_line(console, f'AT+QLACONFIG=0,"127.0.0.1",{port},"{ep}",300,3', "OK")
    await type_line(console, 'AT+QLAADDOBJ=19,0,1,"0"', "+QLAADDOBJ: 0")
    await type_line(console, "AT+QLAREG", "+QLAREG: 0")
    assert app.platform is not None
    read = await console.server_asks("read", app.platform.read(ep, "/19/0/0"))  # as the platform pane asks
    mid = app.state.oldest_request().mid  # type: ignore[union-attr]
    await type_line(console, f'AT+QLARDRSP={mid},1,19,0,0,1,5,"abcde",0', "+QLARDRSP: 0")
    await read


def recorded_read(ep: str) -> list[str]:
    """What :func:`register_and_answer_a_read` records: addresses and message IDs become captures."""
    return [
        f'AT+QLACONFIG=0,"{{host}}",{{port}},"{ep}",300,3',
        "OK",
        'AT+QLAADDOBJ=19,0,1,"0"',
        "OK",
        "+QLAADDOBJ: 0",
        "AT+QLAREG",
        "OK",
        "+QLAREG: 0",
        "@platform read /19/0/0",
        '+QLAURC: "read",{mid1},19,0,0',
        'AT+QLARDRSP={mid1},1,19,0,0,1,5,"abcde",0',
        "OK",
        "+QLARDRSP: 0",
    ]


async def record_to(console: Console, path: Path) -> RecordDialog:
    """alt+r, the path typed, Enter; returns the dialog that asked."""
    await console.pilot.press("alt+r")
    await console.pilot.pause()
    dialog = console.app.screen
    assert isinstance(dialog, RecordDialog)
    dialog.query_one("#record-path", Input).value = str(path)
    await console.pilot.press("enter")
    await console.settle()
    return dialog


def steps(text: str) -> list[str]:
    """The lines of a recording, comments aside, and @timeout, which a slow machine may need before a line
    that took long to come."""
    return [line for line in text.splitlines() if not line.startswith(("//", "@timeout"))]


async def test_a_session_recorded_in_the_console_replays_green(tmp_path: Path) -> None:
    async with running_console() as console:
        app = console.app
        await app.state_read.wait()
        await register_and_answer_a_read(console, "ep1")
        app.action_reread()  # the console's own reads: not part of the recording
        await console.settle()
        await record_to(console, tmp_path / "session.txt")
    text = (tmp_path / "session.txt").read_text(encoding="utf-8")
    assert steps(text) == recorded_read("ep1")
    status, output = await asyncio.to_thread(replay, tmp_path, text, name="replayed.txt")
    assert status == 0, output


async def test_recording_from_the_mark(tmp_path: Path) -> None:
    async with running_console() as console:
        app = console.app
        await app.state_read.wait()
        await type_line(console, "ATI", "OK")
        await console.pilot.press("alt+m")
        await type_line(console, "AT+CGSN=1", "OK")
        await record_to(console, tmp_path / "marked.txt")
    lines = [line for line in (tmp_path / "marked.txt").read_text().splitlines() if not line.startswith("//")]
    assert lines[0] == "AT+CGSN=1" and lines[-1] == "OK" and "ATI" not in lines


async def test_recording_a_range_from_the_middle_of_the_session_replays_green(tmp_path: Path) -> None:
    async with running_console() as console:
        app = console.app
        await app.state_read.wait()
        await type_line(console, "ATI", "OK")
        await console.pilot.press("alt+m")  # the range starts
        await register_and_answer_a_read(console, "ep2")
        await console.pilot.press("alt+m")  # and ends
        await type_line(console, "AT+QLADEREG", "+QLADEREG: 0")
        dialog = await record_to(console, tmp_path / "range.txt")
        assert dialog.ended is not None
    text = (tmp_path / "range.txt").read_text(encoding="utf-8")
    assert "(the marked range)" in text.splitlines()[0]
    assert steps(text) == recorded_read("ep2")
    status, output = await asyncio.to_thread(replay, tmp_path, text, name="replayed.txt")
    assert status == 0, output


async def commands_console(path: Path) -> QlatermApp:
    return QlatermApp(InProcTransport(platform_port=0, network="ideal"), commands=path)


async def test_a_command_list_line_is_picked_edited_and_sent(tmp_path: Path) -> None:
    path = tmp_path / "commands.txt"
    path.write_text("// three commands\nATI\nAT+CSQ\nAT+CGSN=1\n", encoding="utf-8")
    app = await commands_console(path)
    async with app.run_test(size=SIZE) as pilot:
        console = Console(app, pilot)
        await app.state_read.wait()
        await console.settle()
        pane = app.query_one(CommandListPane)
        assert app.focused is pane.options
        await pilot.press("down", "enter")
        await pilot.pause()
        command = app.query_one("#command-input")
        assert command.value == "AT+CSQ" and app.focused is command  # type: ignore[attr-defined]
        await pilot.press("backspace", "backspace", "backspace", *"CIMI")
        assert command.value == "AT+CIMI", command.value  # type: ignore[attr-defined]
        sent = console.waiter(lambda e: isinstance(e, Traffic) and e.kind is Kind.SENT and e.text == "AT+CIMI")
        await pilot.press("enter")
        await sent
        await console.settle()
        # alt+c goes back to the list
        await pilot.press("alt+c")
        await pilot.pause()
        assert app.focused is pane.options


async def test_run_all_marks_each_step_as_it_passes(tmp_path: Path) -> None:
    path = tmp_path / "commands.txt"
    path.write_text('AT\nOK\nAT+QLAADDOBJ=19,0,1,"0"\nOK\n+QLAADDOBJ: 0\n'
                    'AT+QLACONFIG=0,"{host}",{port},"ep1",300,3\nOK\nAT+QLAREG\nOK\n+QLAREG: 0\n', encoding="utf-8")
    app = await commands_console(path)
    async with app.run_test(size=SIZE) as pilot:
        console = Console(app, pilot)
        await app.state_read.wait()
        await console.settle()
        pane = app.query_one(CommandListPane)
        await pilot.press("r")
        for _ in range(200):
            if pane.outcome is not None:
                break
            await pilot.pause(0.05)
        assert pane.outcome is not None and pane.outcome.passed, pane.outcome
        prompts = [str(pane.options.get_option_at_index(i).prompt) for i in range(pane.options.option_count)]
        assert all(p.startswith("✓ ") for p in prompts), prompts
        assert "all 10 steps held ✓" in str(pane.query_one("#command-list-status").render())
        assert app.state.registered  # the console's model followed the run


async def test_run_all_marks_the_step_that_did_not_hold(tmp_path: Path) -> None:
    path = tmp_path / "commands.txt"
    path.write_text("AT\nERROR\nATI\n", encoding="utf-8")
    app = await commands_console(path)
    async with app.run_test(size=SIZE) as pilot:
        await app.state_read.wait()
        pane = app.query_one(CommandListPane)
        await pilot.press("r")
        for _ in range(200):
            if pane.outcome is not None:
                break
            await pilot.pause(0.05)
        assert pane.outcome is not None and not pane.outcome.passed
        prompts = [str(pane.options.get_option_at_index(i).prompt) for i in range(3)]
        assert [p[0] for p in prompts] == ["✓", "✗", "·"]
        status = str(pane.query_one("#command-list-status").render())
        assert "✗ ERROR" in status and "received OK" in status


async def test_a_command_list_that_does_not_parse_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("AT+QLARDRSP={mid},1\n", encoding="utf-8")
    app = await commands_console(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert not app.query(CommandListPane)
        assert any("bad.txt:1:13" in str(n.message) for n in app._notifications)
