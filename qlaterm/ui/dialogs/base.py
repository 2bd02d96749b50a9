"""What every quick-action dialog shares: a titled box, an error line, Send/Cancel, Escape closes.

A dialog's result is the list of AT lines to send (None when cancelled); the app sends them in order
through the session, so a dialog never touches the link and is easy to test on its own.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from qlaterm.at.check import Rejected, check_line

__all__ = ["ActionDialog", "DialogScreen", "Field"]

ResultT = TypeVar("ResultT")


class Field(Horizontal):
    """A label and its widget on one line."""

    DEFAULT_CSS = """
    Field { height: auto; }
    Field > Label { width: 19; padding: 1 1 0 0; text-align: right; }
    Field > .field-body { width: 1fr; }
    """

    def __init__(self, label: str, *children: Any, id: str | None = None) -> None:
        super().__init__(Label(label), *children, id=id)
        for child in children:
            child.add_class("field-body")


class DialogScreen(ModalScreen[ResultT]):
    """A box centred over the console: title, body, preview, error line and buttons.

    Its rules load with the first dialog opened, not with the console's first frame.
    """

    SCOPED_CSS = False
    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
    }

    #dialog {
        width: 90;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }

    #dialog-title {
        width: 1fr;
        text-style: bold;
        background: $accent 30%;
        padding: 0 1;
        margin-bottom: 1;
    }

    #dialog-body {
        height: auto;
    }

    #dialog-foot {
        dock: bottom;
        height: auto;
    }

    #dialog-preview {
        height: auto;
        margin-top: 1;
        padding: 0 1;
        background: $boost;
    }

    #dialog-error {
        height: auto;
        padding: 0 1;
    }

    #dialog-buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }

    #dialog-buttons Button {
        margin-left: 1;
    }

    .dialog-keys {
        width: 1fr;
        color: $text-muted;
        padding: 1 0 0 1;
    }

    .written {
        background: $boost;
        padding: 0 1;
        margin-top: 1;
        height: auto;
        max-height: 12;
    }

    .dialog-note {
        color: $text-muted;
        padding: 0 1;
    }

    #setting-help {
        color: $text-muted;
        padding: 0 1 0 15;
        height: auto;
    }

    #setting-values {
        height: auto;
    }

    #ack {
        margin: 1 0 0 15;
    }
    """


class ActionDialog(DialogScreen[list[str] | None]):
    """Base of the quick-action dialogs; subclasses provide ``body`` and ``lines``."""

    AUTO_FOCUS = "#dialog-body Input"
    TITLE: ClassVar[str] = ""
    SEND_LABEL: ClassVar[str] = "Send"
    HELP: ClassVar[str] = ""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "send", "Send", id="dialog.send", priority=True),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text(), id="dialog-title")
            # the preview, the error and the buttons stay on screen; the fields scroll when the screen is short
            with Vertical(id="dialog-foot"):
                yield Static("", id="dialog-preview")
                yield Static("", id="dialog-error")
                with Horizontal(id="dialog-buttons"):
                    yield from self.buttons()
            with VerticalScroll(id="dialog-body"):
                yield from self.body()

    def title_text(self) -> str:
        return self.TITLE

    def body(self) -> ComposeResult:
        yield from ()

    def buttons(self) -> ComposeResult:
        yield Static("ctrl+s sends · Esc cancels", classes="dialog-keys")
        yield Button(self.SEND_LABEL, variant="primary", id="send")
        yield Button("Cancel", id="cancel")

    def lines(self) -> list[str]:
        """The AT lines this dialog sends; raise ValueError with a message the user can act on."""
        return []

    def on_mount(self) -> None:
        self.update_preview()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_if_shown)

    def _fit_if_shown(self) -> None:
        if self.is_attached and self.query("#dialog-title"):  # not once the dialog is being taken down
            self.fit_body()

    def fit_body(self) -> None:
        """Give the fields what the screen leaves beside the title, preview, error and buttons: on a short
        screen they scroll, and the buttons stay in view."""
        if not self.is_attached or not self.query("#dialog-title"):
            return  # a resize that reaches a dialog as it closes: nothing left to fit
        dialog = self.query_one("#dialog")
        body = self.query_one("#dialog-body")
        limit = dialog.styles.max_height
        room = int(limit.resolve(self.size, self.size)) if limit is not None else self.size.height
        title = self.query_one("#dialog-title")
        chrome = dialog.styles.gutter.height + self.query_one("#dialog-foot").outer_size.height
        chrome += title.outer_size.height + title.styles.margin.bottom
        rows = max(3, room - chrome)
        if body.styles.max_height != rows:
            body.styles.max_height = rows

    def update_preview(self) -> None:
        """Show the exact lines that will be sent, or why they cannot be."""
        preview = self.query_one("#dialog-preview", Static)
        error = self.query_one("#dialog-error", Static)
        try:
            lines = self.lines()
        except ValueError as exc:
            preview.update("")
            error.update(Text(f"✗ {exc}", style="red"))
            return
        text = Text()
        problem: Rejected | None = None
        caution: str | None = None
        for line in lines:
            if text:
                text.append("\n")
            text.append(self.shown(line), style="bold")
            verdict = check_line(line)
            if isinstance(verdict, Rejected):
                problem = problem or verdict
            else:
                caution = caution or verdict.caution
        preview.update(text)
        self.call_after_refresh(self._fit_if_shown)
        if problem is not None:
            message = f"✗ the module would answer +CME ERROR: {problem.code} — {problem.message}"
            if problem.hint:
                message += f" (hint: {problem.hint})"
            error.update(Text(message, style="red"))
        elif caution is not None:
            error.update(Text(f"⚠ {caution}", style="yellow"))
        else:
            error.update("")

    def shown(self, line: str) -> str:
        """A line as the preview shows it (the QLACONFIG form masks its PSK, as the transcript does)."""
        return line

    def on_input_changed(self) -> None:
        self.update_preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.update_preview()

    def on_radio_set_changed(self) -> None:
        self.update_preview()

    def on_checkbox_changed(self) -> None:
        self.update_preview()

    def on_input_submitted(self) -> None:
        self.action_send()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.choose(event.button.id)

    def choose(self, button_id: str | None) -> None:
        """A button other than Cancel was pressed; by default it sends."""
        self.action_send()

    def action_send(self) -> None:
        try:
            lines = self.lines()
        except ValueError as exc:
            self.query_one("#dialog-error", Static).update(Text(f"✗ {exc}", style="red"))
            self.app.bell()
            return
        self.dismiss(lines)

    def action_cancel(self) -> None:
        self.dismiss(None)
