"""Explanations are readable: the meaning after a code in the transcript and the checker's explanation under
the command line reach the WCAG AA contrast of 4.5:1 against their background, in the default dark and light
themes, drawn from component classes that follow a theme switch."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.widget import Widget

from tests.ui.conftest import Console

THEMES = ["textual-dark", "textual-light"]


def relative_luminance(color: Color) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.rgb
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_gives_the_wcag_extremes() -> None:
    assert contrast(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21.0)
    assert contrast(Color(118, 118, 118), Color(255, 255, 255)) == pytest.approx(4.54, abs=0.01)


def drawn_segment(widget: Widget, text: str) -> Segment:
    for y in range(widget.size.height):
        for segment in widget.render_line(y):
            if text in segment.text and segment.style is not None:
                return segment
    raise AssertionError(f"{text!r} is not drawn in {widget!r}")


def drawn_contrast(widget: Widget, text: str) -> float:
    """The contrast of ``text`` as drawn: its colour against its background (or the widget's), not dimmed."""
    style = drawn_segment(widget, text).style
    assert style is not None and style.color is not None, text
    assert not style.dim, f"{text!r} is dimmed, which lowers its contrast below what its colour says"
    colour = Color.from_rich_color(style.color)
    background = Color.from_rich_color(style.bgcolor) if style.bgcolor else widget.background_colors[1]
    return contrast(colour, background)


@pytest.mark.parametrize("theme", THEMES)
async def test_meanings_in_the_transcript_reach_4_5_to_1(console: Console, theme: str) -> None:
    app = console.app
    app.theme = theme
    added = console.line("+QLAADDOBJ: 0")
    await app._send_all(["AT+QLARDRSP=1,1,19,0,0,1,1,a,0"])  # +CME ERROR: 4, the rest of a batch is dropped
    await app._send_all(["AT+QLAADDOBJ=19,0,1,0"])
    await added
    app.transcript.flush()
    await console.settle()
    assert "+CME ERROR: 4   (not registered)" in console.transcript_text()
    for meaning in ("(not registered)", "(success)"):
        assert drawn_contrast(app.transcript, meaning) >= 4.5, (theme, meaning)


@pytest.mark.parametrize("theme", THEMES)
async def test_the_checkers_explanation_reaches_4_5_to_1(console: Console, theme: str) -> None:
    app = console.app
    app.theme = "nord"  # drawn once in another theme: the switch below must recolour it
    field = app.query_one("#command-input")
    field.value = 'AT+QLACONFIG=0,"221.229.214.202,5683","ep",300,3'  # type: ignore[attr-defined]
    await console.settle()
    app.theme = theme
    await console.settle()
    verdict = app.query_one("#verdict")
    assert drawn_contrast(verdict, "+CME ERROR: 2") >= 4.5
    assert drawn_contrast(verdict, "hint: server and port") >= 4.5
    field.value = "AT+QLAUPDATE=0,300"  # type: ignore[attr-defined]  # not registered: the state's objection
    await console.settle()
    assert drawn_contrast(verdict, "⚠ the module is not registered") >= 4.5
