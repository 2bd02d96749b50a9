"""A Log that folds lines wider than the pane, so that a long AT line or CoAP record is read whole.

Textual's :class:`~textual.widgets.Log` keeps plain strings and scrolls sideways for long ones, and a
QLACONFIG line or a decoded payload then loses its end at the pane's edge. Here each line is cut into
pieces that fit, and every piece after the first starts with blanks up to the line's text, keeping the
time stamp column clear and the marker in place, so that the lines still read as columns::

    15:02:41.015 > AT+QLACONFIG=0,"127.0.0.1",5683,"866971030603068",
                 > 86400,3

Pieces end after a comma or a blank where one is near the edge, else at the edge: cheap enough for floods.
The lines as given are kept, and folded again when the width changes; ``w`` turns folding off and on.

Follow mode (``following``) is the user's choice alone, as in toolong's tail mode: scrolling up (keys, wheel,
scroll bar) pauses it, reaching the end again by scrolling down or ``End`` resumes it, and nothing else —
a burst of lines, a flood, the pane growing or shrinking under a relayout — changes it.  While following, the
view is pinned to the newest line after every write and every resize.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterable

from rich.cells import cell_len, get_character_cell_size
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.scrollbar import ScrollDown, ScrollTo, ScrollUp
from textual.selection import Selection
from textual.widgets import Log

__all__ = ["STAMP", "FoldingLog", "continuation", "fold", "stamp", "unfold"]

STAMP = len("12:34:56.789 ")
"""Width of the time stamp column every line of the console's logs starts with."""

def stamp(at: float, *, date: bool = False) -> str:
    """The time stamp that starts every line of these logs: ``12:34:56.789`` (with the date in saved logs)."""
    clock = time.strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S", time.localtime(at))
    return f"{clock}.{int(at * 1000) % 1000:03d}"


_NARROWEST = 16
"""Below this many columns of text per piece folding helps nobody: lines are left whole."""


def fold(line: str, width: int, indent: str) -> list[str]:
    """``line`` cut into pieces of at most ``width`` terminal columns, every piece after the first starting
    with ``indent``. A piece ends after a comma or a blank when one falls in its last third (so that an AT
    parameter stays whole), else at the width. A line that fits, or a width too small to hold ``indent``
    and some text, is left whole."""
    room = width - len(indent)
    if room < _NARROWEST:
        return [line]
    widths: list[int] | None = None  # columns per character, for lines that are not plain ASCII
    if line.isascii():
        if len(line) <= width:
            return [line]
    else:
        if cell_len(line) <= width:
            return [line]
        widths = [get_character_cell_size(c) for c in line]
    pieces: list[str] = []
    start, size, prefix = 0, width, ""
    while True:
        end = _fit(line, widths, start, size)
        if end >= len(line):
            pieces.append(prefix + line[start:])
            return pieces
        cut = max(line.rfind(",", start, end), line.rfind(" ", start, end)) + 1
        taken = cut - start if widths is None else sum(widths[start:cut])
        if cut <= start or taken <= size * 2 // 3:
            cut = max(end, start + 1)  # (a character wider than the whole room goes alone)
        pieces.append(prefix + line[start:cut])
        start, size, prefix = cut, room, indent


def _fit(line: str, widths: list[int] | None, start: int, size: int) -> int:
    """Where a piece of ``line`` from ``start`` that takes at most ``size`` columns ends."""
    if widths is None:
        return min(len(line), start + size)
    used, end = 0, start
    while end < len(line) and used + widths[end] <= size:
        used += widths[end]
        end += 1
    return end


def continuation(line: str) -> str:
    """What starts a folded piece of ``line``: blanks under the time stamp, the line's marker (it carries
    the line's colour) or two more blanks, and a blank before the text."""
    marker, _, _ = line[STAMP:].partition(" ")
    if not marker or len(marker) > 2:
        return " " * (STAMP + 2)
    return " " * STAMP + marker + " "


_CONTINUATION = re.compile("\n" + " " * STAMP + r"(?:\S{1,2} | {2})")
"""A line break and the indent of a folded piece (every line of these logs starts with its time stamp,
so nothing else starts with these blanks)."""


def unfold(text: str) -> str:
    """``text`` copied from a folded log with each line whole again."""
    return _CONTINUATION.sub("", text)


class FoldingLog(Log):
    """A :class:`~textual.widgets.Log` fed with :meth:`add_lines`, folding what is wider than the pane."""

    DEFAULT_CSS = """
    FoldingLog.-folding {
        overflow-x: hidden;
    }
    """

    BINDINGS = [Binding("w", "toggle_fold", "Wrap", show=False, id="log.wrap")]

    folding: reactive[bool] = reactive(True)
    """Fold long lines at the pane's width; False leaves them whole, to be scrolled sideways."""

    following: reactive[bool] = reactive(True)
    """New lines scroll into view; False while the user reads further up."""

    def __init__(self, *, max_lines: int, highlight: bool = False, id: str | None = None) -> None:
        # folding from the start: the class is there when the log is first styled, not restyled on mount
        super().__init__(highlight=highlight, max_lines=max_lines, id=id, classes="-folding")
        self._sources: deque[str] = deque(maxlen=max_lines)
        self._fold_width = 0
        self._resuming = False
        """The user scrolled down: reaching the end follows again."""

    # -- for subclasses -----------------------------------------------------------------------------------

    def source_lines(self) -> Iterable[str]:
        """Every line shown, unfolded, oldest first: what is folded again when the width changes."""
        return self._sources

    def folded(self, lines: Iterable[str]) -> list[str]:
        """``lines`` as they go into the Log at the current width."""
        width = self._fold_width
        if not self.folding or width <= 0:
            return list(lines)
        out: list[str] = []
        for line in lines:
            if len(line) <= width and line.isascii():
                out.append(line)
            else:
                out.extend(fold(line, width, continuation(line)))
        return out

    # -- feeding ------------------------------------------------------------------------------------------

    def add_lines(self, lines: list[str]) -> None:
        """Show ``lines`` (kept unfolded for a later width change)."""
        self._sources.extend(lines)
        self.show(self.folded(lines))

    def show(self, lines: list[str]) -> None:
        """Write already folded lines, keeping the newest in view while following."""
        self.write_lines(lines, scroll_end=False)
        self.pin()

    def pin(self) -> None:
        """While following, put the view on the newest line (now: the size is already known)."""
        if self.following and not self.is_vertical_scrollbar_grabbed and self.scroll_y != self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def refold(self) -> None:
        """Show every source line again at the current width, keeping the view at the end while following."""
        share = self.scroll_y / self.max_scroll_y if self.max_scroll_y else 1.0
        self.clear()
        self.write_lines(self.folded(self.source_lines()), scroll_end=False)
        if self.following:
            self.pin()
        else:
            self.call_after_refresh(lambda: self.scroll_to(y=round(share * self.max_scroll_y), animate=False))

    # -- follow mode: decided by the user's scrolling only ---------------------------------------------

    def _user_scrolls_up(self) -> None:
        self._resuming = False
        self.following = False

    def _user_scrolls_down(self) -> None:
        self._resuming = True
        if self.is_vertical_scroll_end:
            self.following = True

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._resuming and not self.following and new >= self.max_scroll_y:
            self._resuming = False
            self.following = True

    def action_scroll_up(self) -> None:
        self._user_scrolls_up()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self._user_scrolls_up()
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self._user_scrolls_up()
        super().action_scroll_home()

    def action_scroll_down(self) -> None:
        self._user_scrolls_down()
        super().action_scroll_down()

    def action_page_down(self) -> None:
        self._user_scrolls_down()
        super().action_page_down()

    def action_scroll_end(self) -> None:
        self.action_follow()

    def action_follow(self) -> None:
        """Follow the newest line again."""
        self._resuming = False
        self.following = True
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if not (event.ctrl or event.shift) and self.max_scroll_y:
            self._user_scrolls_up()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if not (event.ctrl or event.shift):
            self._user_scrolls_down()

    def on_scroll_up(self, _: ScrollUp) -> None:
        self._user_scrolls_up()

    def on_scroll_down(self, _: ScrollDown) -> None:
        self._user_scrolls_down()

    def on_scroll_to(self, message: ScrollTo) -> None:
        if message.y is not None and message.y < self.scroll_y:
            self._user_scrolls_up()
        elif message.y is not None:
            self._user_scrolls_down()

    def _text_width(self) -> int:
        # Folded as if the vertical scrollbar were there: it appears once the lines fill the pane, and
        # folding again at that moment would move the whole view.
        region = self.scrollable_content_region.width
        return region if self.show_vertical_scrollbar else region - self.styles.scrollbar_size_vertical

    def on_resize(self) -> None:
        width = self._text_width()
        if width != self._fold_width:
            self._fold_width = width
            # Nothing shown yet (the first layout): lines still to come are folded at this width anyway.
            if self.folding and self._lines:
                self.refold()
                return
        # a relayout (the hint above the command line grew, a pane appeared) changed the height
        self.call_after_refresh(self.pin)
        self.pin()

    def watch_folding(self, folding: bool) -> None:
        # Folded lines fit: no horizontal scrollbar (an "auto" one can stay on from before a refold).
        self.set_class(folding, "-folding")
        if self.is_mounted and self._lines:
            self.refold()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text with folded lines whole again: a copied AT line pastes as one line."""
        got = super().get_selection(selection)
        if got is None or not self.folding:
            return got
        text, ending = got
        return unfold(text), ending

    def action_toggle_fold(self) -> None:
        self.folding = not self.folding
