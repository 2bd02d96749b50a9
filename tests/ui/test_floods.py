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
