"""Save the transcript to a file (dates and times on every line; PSKs masked as on screen)."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from .base import DialogScreen

__all__ = ["SaveLogDialog"]


class SaveLogDialog(DialogScreen[Path | None]):
    """Asks for a path."""

    AUTO_FOCUS = "#path"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, directory: Path | None = None, name: str | None = None) -> None:
        super().__init__()
        name = name or time.strftime("qlaterm-%Y%m%d-%H%M%S.log")
        self.default = (directory or Path.cwd()) / name

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Save the transcript", id="dialog-title")
            yield Input(str(self.default), id="path")
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self) -> None:
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
