"""Toasts rise above the command line and the footer: they never cover the line being typed."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from textual.widgets._toast import Toast, ToastRack  # the toast widgets: there are no public names for them

from tests.ui.conftest import Console, running_console
from tests.ui.test_console import AEP_MISTAKE


async def shown_toasts(console: Console) -> list[Toast]:
    await console.pilot.pause()
    await console.pilot.pause()
    toasts = list(console.app.screen.get_child_by_type(ToastRack).query(Toast))
    assert toasts and all(t.region.height for t in toasts)
    return toasts


def assert_clear_of_the_command_line(console: Console, toasts: list[Toast]) -> None:
    app = console.app
    for widget in (app.query_one("#command-input"), app.query_one("CommandLine")):
        for toast in toasts:
            assert not toast.region.overlaps(widget.region), (toast.region, widget.region)
    footer = app.query_one("RankedFooter")
    assert all(not t.region.overlaps(footer.region) for t in toasts)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_toast_sits_above_the_command_line(size: tuple[int, int]) -> None:
    async with running_console(size=size, notifications=True) as console:
        console.app.notify("AT+QLAREG\nERROR — the module has no server", title="refused", severity="error")
        toasts = await shown_toasts(console)
        assert_clear_of_the_command_line(console, toasts)
        command = console.app.query_one("CommandLine")
        assert max(t.region.bottom for t in toasts) == command.region.y  # right above it, not floating higher


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_toasts_move_up_when_the_command_line_grows(size: tuple[int, int]) -> None:
    async with running_console(size=size, notifications=True) as console:
        console.app.notify("first", title="one", timeout=60)
        console.app.notify("second", title="two", timeout=60)
        await shown_toasts(console)
        command = console.app.query_one("CommandLine")
        before = command.region.height
        console.app.query_one("#command-input", Input).value = AEP_MISTAKE
        await console.pilot.press("enter")  # held: the verdict explains why, on several rows
        await console.pilot.pause()
        assert command.region.height > before
        toasts = await shown_toasts(console)
        assert_clear_of_the_command_line(console, toasts)
