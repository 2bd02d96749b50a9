"""Whatever a device sends, the console keeps running: a thousand pending requests, a URC flood."""

from __future__ import annotations

from textual.widgets import Input

from qlaterm.ui.dialogs import HelpScreen
from qlaterm.ui.requests import SHOWN, RequestsPane
from tests.ui.conftest import Console
from tests.ui.test_follow import newest_visible


def reads(first: int, count: int) -> bytes:
    return b"".join(b'\r\n+QLAURC: "read",%d,19,0,0\r\n' % mid for mid in range(first, first + count))


async def test_a_thousand_pending_requests_and_a_key_is_answered(console: Console) -> None:
    app = console.app
    for start in range(1, 1001, 100):  # as they come off the link: many reads, many refreshes
        app.session._on_data(reads(start, 100))
        await console.pilot.pause()
    await console.pilot.pause(0.12)
    pane = app.query_one(RequestsPane)
    assert len(app.state.requests) == 1000
    assert pane.row_count == SHOWN and pane.border_subtitle.startswith("1000 waiting (oldest 200 shown)")
    assert newest_visible(app.transcript) and '"read",1000,' in app.transcript.lines[-1]
    pane.focus()
    await console.pilot.press("down", "down")
    app.session._on_data(reads(1001, 5))  # more arrive while a row is selected
    await console.pilot.pause()
    assert pane.selected_mid == 3
    app.query_one("#command-input", Input).focus()
    await console.pilot.press("A", "T")
    assert app.query_one("#command-input", Input).value == "AT"
    await console.pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)


async def test_sixty_seconds_of_urcs_at_2000_lines_a_second_and_the_console_keeps_up() -> None:
    """120,000 URC lines as 60 s of a 2,000 lines/s flood would bring them (20 ms slices of 40 lines, on a
    clock that advances with them, without sleeping): the transcript still follows to the newest line and a
    key typed in the middle of it is answered."""
    from qlaterm.link.inproc import InProcTransport
    from qlaterm.ui.app import QlatermApp

    now = [1_767_225_600.0]
    app = QlatermApp(InProcTransport(platform_port=None, network="ideal"), clock=lambda: now[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        command = app.query_one("#command-input", Input)
        command.focus()
        slice_lines, slices = 40, 60 * 50
        n = 0
        for index in range(slices):
            app.session._on_data(b"".join(
                b'\r\n+QLAURC: "report_ack",0,%d\r\n' % ((n + i) % 65536) if i % 2 else b'\r\n+QLAURC: "ping",0\r\n'
                for i in range(slice_lines)))
            n += slice_lines
            now[0] += 0.02
            if index % 100 == 99:  # every 2 s of the flood the app gets a turn, as the event loop would give it
                await pilot.pause()
            if index == slices // 2:
                await pilot.press("A", "T")
        await pilot.pause()
        app.transcript.flush()
        await pilot.pause()
        assert n == 120_000 and len(app.transcript.entries) == app.transcript.max_lines
        last = (n - 1) % 65536  # message IDs are 16 bits
        assert f'"report_ack",0,{last}' in app.transcript.lines[-1] and newest_visible(app.transcript)
        assert app.transcript.following and command.value == "AT"
        await pilot.press("+")
        assert command.value == "AT+"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_urcs_that_leave_the_status_pane_as_it_is_do_not_repaint_it(console: Console) -> None:
    from qlaterm.ui.status import StatusPane

    pane = console.app.query_one(StatusPane)
    console.app.session._on_data(b'\r\n+QLAURC: "ping",0\r\n')  # what the pane shows after a ping
    await console.pilot.pause()
    refreshes: list[bool] = []
    original = pane.refresh

    def counted(*args: object, layout: bool = False, **kwargs: object) -> StatusPane:
        refreshes.append(layout)
        return original(*args, layout=layout, **kwargs)  # type: ignore[arg-type]  # Widget.refresh's own keywords

    pane.refresh = counted  # type: ignore[method-assign]  # counting the repaints of this one pane
    console.app.session._on_data(b'\r\n+QLAURC: "ping",0\r\n' * 50)
    await console.pilot.pause()
    pane.refresh_state()
    assert refreshes == []
