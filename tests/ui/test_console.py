"""Command line, transcript, help, keys, palette and the platform pane, driven through Pilot."""

from __future__ import annotations

import time
from pathlib import Path

from textual.selection import Selection
from textual.widgets import Input, Markdown, Static

from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Kind, Rebooted, Traffic
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.dialogs import HelpScreen, SaveLogDialog
from qlaterm.ui.folding_log import FoldingLog
from qlaterm.ui.transcript import MASK, Transcript
from tests.ui.conftest import SIZE, Console

AEP_MISTAKE = 'AT+QLACONFIG=0,"221.229.214.202,5683",dev,86400,3'


def hint(console: Console) -> str:
    return "\n".join(str(console.app.query_one(part, Static).render()) for part in ("#hint", "#verdict"))


async def test_hint_shows_signature_and_current_parameter(console: Console) -> None:
    await console.pilot.press(*"AT+QLAUPDATE=0,")
    text = hint(console)
    assert "AT+QLAUPDATE=<mode>,<lifetime/binding_mode>" in text
    assert "lifetime/binding_mode: mode 0: 20-31536000 s" in text


async def test_validation_holds_a_mistake_then_sends_on_second_enter(console: Console) -> None:
    await console.pilot.press(*AEP_MISTAKE)
    await console.pilot.press("enter")
    text = hint(console)
    assert "+CME ERROR: 2" in text and 'server and port are separate parameters: "221.229.214.202",5683' in text
    assert "Enter again sends it anyway" in text
    assert AEP_MISTAKE not in [e.text for e in console.app.transcript.entries if e.kind is Kind.SENT]
    refused = console.line("+CME ERROR: 2")
    await console.pilot.press("enter")
    await refused
    await console.settle()
    assert "+CME ERROR: 2   (wrong number of parameters)" in console.transcript_text()


async def test_len_mistake_is_explained(console: Console) -> None:
    await console.pilot.press(*'AT+QLANOTIFY=19,0,0,2,18,"0102030405060708AA",0')
    assert "<len> counts bytes: 18 hex digits are 9 bytes, not 18" in hint(console)


async def test_completion_and_history(console: Console) -> None:
    pilot = console.pilot
    command = console.app.query_one("#command-input", Input)
    await pilot.press(*"at+qlast")
    await pilot.pause()
    await pilot.press("tab")
    assert command.value == "at+qlastatus?"
    done = console.line("+QLASTATUS: 0")
    await pilot.press("enter")
    await done
    await pilot.press(*"AT")
    await pilot.press("enter")
    await console.settle()
    await pilot.press("up")
    assert command.value == "AT"
    await pilot.press("up")
    assert command.value == "at+qlastatus?"
    await pilot.press("down", "down")
    assert command.value == ""


async def test_completion_of_qlacfg_setting_names(console: Console) -> None:
    await console.pilot.press(*'AT+QLACFG="acc')
    await console.pilot.pause()
    await console.pilot.press("tab")
    assert console.app.query_one("#command-input", Input).value == 'AT+QLACFG="access_mode",'


async def test_broken_line_is_shown_raw_and_flagged(console: Console) -> None:
    console.app.session._on_data(b'\r\n+QLAURC: "read",oops,19,0,0\r\n\r\n\xff\xfeabc\r\n')
    await console.pilot.pause()
    entries = [e for e in console.app.transcript.entries if e.kind is Kind.BROKEN]
    assert len(entries) == 2
    assert entries[0].text.startswith('+QLAURC: "read",oops,19,0,0   [not understood: <messageID> is not a number')
    assert entries[1].text.startswith("\\xff\\xfeabc")


async def test_a_flood_of_anything_from_the_device_is_drawn_without_a_crash(console: Console, tmp_path: Path) -> None:
    """Random bytes and URC-shaped lines of every kind with random fields, through the real panes."""
    import random

    from qlaterm.at.catalogue import URCS

    rng = random.Random(2026)
    chunks = []
    for n in range(600):
        kind = rng.choice(list(URCS))
        if n % 2:  # fields of any shape
            choices = ["-1", "0", "3", "65536", '"x"', '""', "ff", str(n)]
            fields = ",".join(rng.choice(choices) for _ in range(rng.randint(0, 9)))
        else:  # the catalogue's fields, so that requests, parts and answers pile up in the panes
            fields = ",".join(str(rng.randint(1, 40)) if p.name == "messageID" else rng.choice(["0", "1", "2", "19"])
                              for p in URCS[kind].params if not p.optional)
        chunks.append(f'\r\n+QLAURC: "{kind}",{fields}\r\n'.encode())
        chunks.append(rng.randbytes(rng.randint(0, 80)))
    data = b"".join(chunks)
    for start in range(0, len(data), 97):  # in pieces that cut lines anywhere
        console.app.session._on_data(data[start : start + 97])
    console.app.transcript.flush()
    await console.pilot.pause()
    await console.settle()
    console.app.save_screenshot(str(tmp_path / "flood.svg"))  # every pane drawn
    assert console.app.is_running and len(console.app.transcript.entries) > 600
    assert len(console.state.requests) > 10  # the requests pane and the object tree had work to do


async def test_psk_masked_on_screen_and_in_saved_log(console: Console, tmp_path: Path) -> None:
    await console.send('AT+QLACONFIG=0,"127.0.0.1",5684,"ep",300,0,"ep","00112233AABBCCDD"', "AT+QLACONFIG?")
    await console.pilot.pause(0)
    transcript = console.app.transcript
    transcript.flush()
    shown = "\n".join(transcript.source_lines())  # unfolded: a PSK must not hide across a fold either
    assert "00112233AABBCCDD" not in shown and MASK in shown
    await console.pilot.press("ctrl+s")
    dialog = console.app.screen
    assert isinstance(dialog, SaveLogDialog)
    target = tmp_path / "session.log"
    dialog.query_one("#path", Input).value = str(target)
    await console.pilot.press("enter")
    await console.settle()
    saved = target.read_text()
    assert "00112233AABBCCDD" not in saved and f'"ep","{MASK}"' in saved
    assert saved.splitlines()[0][:4].isdigit()  # every line dated: 2026-… 12:34:56.789
    assert f"transcript saved to {target}" in console.transcript_text()


async def test_find_and_filter(console: Console) -> None:
    await console.send("AT+QLASTATUS?", "ATI")
    transcript = console.app.transcript
    transcript.flush()
    await console.pilot.press("ctrl+f")
    assert console.app.focused is not None and console.app.focused.id == "find-input"
    await console.pilot.press(*"revision")
    await console.pilot.click("#find-filter")
    await console.pilot.pause()
    assert transcript.filter_text == "revision"
    assert len(transcript.lines) == 1 and "Revision: BC26NBR01A08" in transcript.lines[0]
    await console.pilot.press("escape")
    await console.pilot.pause()
    assert transcript.filter_text == "" and len(transcript.lines) > 10


async def test_follow_mode_pauses_when_scrolled_up(console: Console) -> None:
    transcript = console.app.transcript
    for n in range(200):
        transcript.add(Traffic(0.0, Kind.TEXT, f"line {n}"))
    transcript.flush()
    await console.pilot.pause()
    assert transcript.following and transcript.is_vertical_scroll_end
    transcript.focus()
    await console.pilot.press("home")  # the user scrolls (a program scrolling the view does not pause it)
    await console.pilot.pause()
    assert not transcript.following and "paused" in str(transcript.border_subtitle)
    transcript.add(Traffic(0.0, Kind.TEXT, "new"))
    transcript.flush()
    await console.pilot.pause()
    assert transcript.scroll_y == 0  # did not jump
    await console.pilot.press("end")
    await console.pilot.pause()
    assert transcript.following


async def test_f1_help_is_for_the_focused_pane(console: Console) -> None:
    await console.pilot.press("f1")
    screen = console.app.screen
    assert isinstance(screen, HelpScreen) and "## Command line" in screen.markdown
    assert "| `f2` | Answer request | `answer` |" in screen.markdown
    assert screen.query_one(Markdown)
    await console.pilot.press("escape")
    console.app.query_one(Transcript).focus()
    await console.pilot.press("f1")
    assert "## AT transcript" in console.app.screen.markdown


async def test_every_action_is_in_the_palette_and_bound(console: Console) -> None:
    titles = {e.action.title for e in console.app.palette_entries()}
    serial_only = {"serial_settings", "toggle_dtr", "toggle_rts"}  # (tests/ui/test_serial_controls.py)
    assert {a.title for action, a in QlatermApp.ACTIONS.items() if action not in serial_only} == titles
    bound = {b.action for b in QlatermApp.BINDINGS}
    assert set(QlatermApp.ACTIONS) <= bound


async def test_keymap_file_remaps_a_binding(tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('[keys]\nadd_object = "f12"\nnot_a_binding = "x"\n'
                      '"platform.go" = "ctrl+g"\n"log.wrap" = "ctrl+w"\n')
    app = QlatermApp(InProcTransport(platform_port=0, network="ideal"), keymap_file=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await app.state_read.wait()  # the link is up and the state read: every action is available
        await pilot.press("f12")
        await pilot.pause()
        from qlaterm.ui.dialogs import AddObjectDialog

        assert isinstance(app.screen, AddObjectDialog)
        problems = [str(n.message) for n in app._notifications]
        assert any("not_a_binding" in p for p in problems)
        assert not any("platform.go" in p or "log.wrap" in p for p in problems)  # pane bindings are known


async def test_reboot_rereads_the_state(console: Console) -> None:
    await console.register()
    rebooted = console.waiter(lambda e: isinstance(e, Rebooted))
    await console.send("AT+QRST=1")
    await rebooted
    reread = console.line("AT+QLAADDOBJ?")
    await reread
    await console.settle()
    assert console.state.status == 0  # the registration did not survive the reboot


async def test_platform_pane_read_goes_through_the_console(console: Console) -> None:
    await console.register("AT+QLAADDOBJ=19,0,1,0")
    pane = console.app.query_one("#platform")
    urc = console.urc("read")
    await console.press_button("#platform-go")  # Read /19/0/0, the pane's default
    await urc
    await console.pilot.pause()  # not settle(): the pane's worker waits for this very answer
    await console.pilot.press("f2")
    from qlaterm.ui.dialogs.value_editor import ValueEditor

    console.app.screen.query_one(ValueEditor).set(1, "via pane")
    await console.pilot.press("ctrl+s")
    await console.app.workers.wait_for_complete()
    await console.pilot.pause()
    pane._flush()  # type: ignore[attr-defined]
    log = "\n".join(pane.query_one("#platform-log", FoldingLog).source_lines())
    assert 'read ep1 /19/0/0: 2.05 Content cf=0 text "via pane"' in log
    assert "<- 127.0.0.1" in log and "CON POST" in log  # the CoAP log beside the events




async def test_ctrl_t_takes_the_keyboard_to_the_platform_pane_then_hides_it(console: Console) -> None:
    pane = console.app.query_one("#platform")
    await console.pilot.press("ctrl+t")
    assert pane.display and console.app.focused is console.app.query_one("#platform-op")
    await console.pilot.press("ctrl+t")
    assert not pane.display and console.app.focused is console.app.query_one("#command-input")
    await console.pilot.press("ctrl+t")
    assert pane.display and console.app.focused is console.app.query_one("#platform-op")


async def test_long_lines_fold_at_the_pane_width_and_fold_again_when_it_changes(console: Console) -> None:
    line = 'AT+QLACONFIG=0,"lwm2m.example-platform.com",5683,"866971030603068",86400,3'
    await console.send(line)
    transcript = console.app.transcript
    transcript.flush()
    await console.pilot.pause()

    def pieces() -> list[str]:
        start = next(i for i, shown in enumerate(transcript.lines) if "AT+QLACONFIG=0" in shown)
        found = [transcript.lines[start]]
        found += [shown for shown in transcript.lines[start + 1 :] if shown.startswith(" ")][:3]
        return found

    width = transcript.scrollable_content_region.width
    folded = pieces()
    assert len(folded) == 2 and all(len(piece) <= width for piece in folded)
    assert folded[1].startswith(" " * 13 + "> ")
    assert folded[0][15:] + folded[1][15:] == line  # nothing lost at the fold
    assert folded[0].endswith(",")  # folded after a parameter, not inside one
    copied = transcript.get_selection(Selection(None, None))  # select all, as a mouse drag would
    assert copied is not None and f"> {line}\n" in copied[0]  # the AT line pastes as one line
    assert not transcript.show_horizontal_scrollbar

    await console.pilot.resize_terminal(170, 40)  # a wider pane: the line fits whole
    await console.pilot.pause()
    assert transcript.scrollable_content_region.width > width
    assert len(pieces()) == 1 and pieces()[0].endswith(line)

    await console.pilot.resize_terminal(120, 40)
    await console.pilot.pause()
    transcript.focus()
    await console.pilot.press("w")  # folding off: the line whole, scrolled sideways
    await console.pilot.pause()
    assert not transcript.folding and len(pieces()) == 1 and pieces()[0].endswith(line)
    await console.pilot.press("w")
    await console.pilot.pause()
    assert pieces() == folded

    # A line still waiting for the next batch when the width changes is shown once, not twice.
    transcript.add(Traffic(time.time(), Kind.NOTE, "a note that arrives just before the pane is resized"))
    await console.pilot.resize_terminal(130, 40)
    await console.pilot.pause()
    transcript.flush()
    assert transcript.lines == transcript.folded(transcript.source_lines())
    # The same with nothing shown yet (as at start), where there is nothing to fold again.
    transcript.clear_all()
    transcript.add(Traffic(time.time(), Kind.NOTE, "the first line, waiting while the first layout happens"))
    await console.pilot.resize_terminal(120, 40)
    await console.pilot.pause()
    transcript.flush()
    assert len(list(transcript.source_lines())) == 1
    assert transcript.lines == transcript.folded(transcript.source_lines())
