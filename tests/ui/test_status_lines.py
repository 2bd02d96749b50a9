"""The status pane's lines as drawn: separators keep their spaces beside a differently styled part, and a
compact row too long for the pane ends in "…"."""

from __future__ import annotations

from textual.strip import Strip

from qlaterm.ui.status import StatusPane
from tests.ui.conftest import Console, running_console


def drawn(pane: StatusPane) -> list[Strip]:
    return [pane.render_line(y) for y in range(pane.size.height)]


def row(strips: list[Strip], label: str) -> Strip:
    return next(strip for strip in strips if strip.text.lstrip(" │╭╰").startswith(label))


async def test_the_sim_condition_follows_a_spaced_separator(console: Console) -> None:
    strips = drawn(console.app.query_one(StatusPane))
    radio = row(strips, "Radio")
    assert "PSM off · sim ideal" in radio.text
    # the separator is drawn with the text before it: the dimmed part starts at its first letter, so no
    # renderer (a terminal, an SVG screenshot) can lose the space that opens a differently styled run
    segments = [segment for segment in radio if segment.text]
    dimmed = next(i for i, segment in enumerate(segments) if "sim ideal" in segment.text)
    assert segments[dimmed].text.startswith("sim ideal")
    assert segments[dimmed - 1].text.endswith(" · ")


async def test_a_compact_row_too_long_for_the_pane_ends_in_an_ellipsis() -> None:
    async with running_console(size=(80, 24)) as console:
        pane = console.app.query_one(StatusPane)
        assert pane.compact
        network = row(drawn(pane), "Network")
        assert network.cell_length == pane.size.width
        shown = network.text.rstrip(" │")
        assert shown.endswith("…"), shown
        assert shown.startswith("Network registered, home ·"), shown
