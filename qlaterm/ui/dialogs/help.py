"""F1: help for the focused pane, then the keys (as currently mapped)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["HelpScreen"]


class HelpScreen(ModalScreen[None]):
    """A scrollable Markdown page (arrows, PgUp/PgDn); Escape, F1 or q closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }

    #help {
        width: 100;
        max-width: 95%;
        height: 90%;
        border: thick $accent;
        background: $surface;
    }

    #help Markdown {
        height: auto;
    }
    """

    AUTO_FOCUS = "#help"
    BINDINGS = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(self.markdown)

    def action_close(self) -> None:
        self.dismiss(None)
