"""Find and filter in the transcript: matches are highlighted, Enter jumps, the switch hides the rest."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, Label

__all__ = ["FindBar"]


class FindBar(Horizontal):
    """Hidden until ctrl+f; Escape closes it and clears search and filter."""

    # Not in the footer (it is full of the main actions); the placeholder says how to leave.
    BINDINGS = [Binding("escape", "close", "Close find", show=False, id="find.close")]

    @dataclass
    class Changed(Message):
        text: str
        filter: bool

    @dataclass
    class Next(Message):
        text: str

    @dataclass
    class Closed(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Label("Find")
        yield Input(placeholder="text in the transcript · Enter: previous match · Esc closes", id="find-input")
        yield Checkbox("filter", id="find-filter")

    def open(self) -> None:
        self.display = True
        self.query_one("#find-input", Input).focus()

    def action_close(self) -> None:
        self.query_one("#find-input", Input).value = ""
        self.query_one("#find-filter", Checkbox).value = False
        self.display = False
        self.post_message(self.Closed())

    def _changed(self) -> None:
        self.post_message(self.Changed(self.query_one("#find-input", Input).value,
                                       self.query_one("#find-filter", Checkbox).value))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._changed()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Next(event.value))
