"""The checker's verdict under the command line is drawn whole, however long, at 80×24 and 120×40."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widget import Widget

from tests.ui.conftest import running_console
from tests.ui.test_console import AEP_MISTAKE


def drawn(widget: Widget) -> str:
    """The text the widget draws in its region, wrapped lines joined, blanks dropped (to compare words)."""
    width, height = widget.size
    strips = widget.render_lines(Region(0, 0, width, height))
    return "".join("".join(segment.text for segment in strip) for strip in strips).replace(" ", "")


def squeezed(text: str) -> str:
    return text.replace(" ", "")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_explanation_and_the_held_line_are_drawn_whole(size: tuple[int, int]) -> None:
    async with running_console(size=size) as console:
        await console.pilot.press(*AEP_MISTAKE)
        await console.pilot.pause()
        verdict = console.app.query_one("#verdict")
        seen = drawn(verdict)
        assert squeezed('server and port are separate parameters: "221.229.214.202",5683') in seen
        await console.pilot.press("enter")
        await console.pilot.pause()
        seen = drawn(verdict)
        assert squeezed("not sent · Enter again sends it anyway") in seen
        assert squeezed("+CME ERROR: 2") in seen and squeezed('"221.229.214.202",5683') in seen


async def test_a_long_correct_command_shows_its_verdict_at_80_columns() -> None:
    async with running_console(size=(80, 24)) as console:
        await console.pilot.press(*'AT+QLACONFIG=0,"device1-api.10646.cn",5683,"866971030603068",86400,3')
        await console.pilot.pause()
        assert squeezed("✓ ready to send") in drawn(console.app.query_one("#verdict"))
