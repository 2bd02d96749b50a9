"""A pane's place on the first frame: its frame and title, the pane itself mounted right after.

The console's first frame shows the whole layout: every pane's border, title and size, the transcript and a
command line that takes input at once.  The panes whose widgets cost most to build and draw (the object
tree, the requests table, the platform pane) are not part of that frame: a :class:`Slot` with the pane's id
stands in for each (so the app's CSS gives it the pane's border and size and nothing moves when the pane
arrives), and :meth:`Slot.fill` puts the pane in its place.  Like Textual's ``Lazy``, but the place is
kept while the pane is built.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget

__all__ = ["Slot"]


class Slot(Widget):
    """Stands where the widget ``build`` makes will be, with the same ``id`` and border title."""

    def __init__(self, build: Callable[[], Widget], *, id: str, title: str) -> None:
        super().__init__(id=id)
        self._build = build
        self.border_title = title

    def render(self) -> str:
        return ""

    async def fill(self) -> Widget | None:
        """Replace the slot with its widget, in the same place among its siblings; returns the widget (None
        when the slot is no longer on a screen: the console is closing)."""
        parent = self.parent
        if not isinstance(parent, Widget) or not self.is_attached:
            return None
        widget = self._build()
        index = parent.children.index(self)
        await self.remove()  # first: the widget takes the slot's id
        if index < len(parent.children):
            await parent.mount(widget, before=index)
        else:
            await parent.mount(widget)
        return widget
