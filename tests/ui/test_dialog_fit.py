"""Tall dialogs on a short screen: the fields scroll, the preview and the buttons stay in view."""

from __future__ import annotations

from textual.widget import Widget

from qlaterm.ui.dialogs import AnswerDialog, ConfigDialog
from tests.ui.conftest import Console, running_console


def on_screen(widget: Widget) -> bool:
    """The widget is drawn whole: inside the screen and inside what its dialog shows."""
    screen = widget.screen
    shown = widget.region.intersection(screen.query_one("#dialog").content_region)
    return bool(widget.region) and shown == widget.region


def in_view(widget: Widget) -> bool:
    """The widget is inside the visible part of the scrolling fields."""
    body = widget.screen.query_one("#dialog-body")
    return body.content_region.contains_region(widget.region)


async def walk_fields(console: Console) -> None:
    """Tab through every field: each one the keyboard reaches is scrolled into view."""
    screen = console.app.screen
    for _ in range(12):
        await console.pilot.press("tab")
        await console.pilot.pause()
        focused = screen.focused
        if focused is not None and focused in screen.query_one("#dialog-body").query("*"):
            assert in_view(focused), focused


async def test_server_form_at_80x24_keeps_preview_and_buttons() -> None:
    async with running_console(size=(80, 24)) as console:
        await console.pilot.press("f7")
        await console.pilot.pause()
        dialog = console.app.screen
        assert isinstance(dialog, ConfigDialog)
        for part in ("#dialog-preview", "#send", "#cancel"):
            assert on_screen(dialog.query_one(part)), part
        assert dialog.query_one("#dialog-body").max_scroll_y > 0  # the fields scroll
        await walk_fields(console)
        assert on_screen(dialog.query_one("#send"))


async def test_instance_answer_at_80x24_keeps_preview_and_buttons() -> None:
    async with running_console(size=(80, 24)) as console:
        await console.register("AT+QLAADDOBJ=19,0,3,0,1,2")
        read = await console.server_asks("read", console.platform.read("ep1", "/19/0"))
        await console.pilot.press("f2")
        await console.pilot.pause()
        dialog = console.app.screen
        assert isinstance(dialog, AnswerDialog)
        for part in ("#dialog-preview", "#send", "#cancel"):
            assert on_screen(dialog.query_one(part)), part
        await walk_fields(console)
        await console.pilot.press("escape")
        read.cancel()
