"""A dialog that asks where to write a file: a title, the path (a dated default), Save and Cancel."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from .base import DialogScreen

__all__ = ["PathDialog"]

ChoiceT = TypeVar("ChoiceT")


class PathDialog(DialogScreen[ChoiceT | None]):
    """``TITLE_TEXT`` over the path field (id ``PATH_ID``, prefilled with ``default``); rows of
    :meth:`options` below it; Save (or Enter in the field) dismisses with :meth:`choice` of the path typed,
    Cancel or Escape with None."""

    TITLE_TEXT = "Save to a file"
    PATH_ID = "path"

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.TITLE_TEXT, id="dialog-title")
            yield Input(str(self.default), id=self.PATH_ID)
            yield from self.options()
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def options(self) -> ComposeResult:
        """What the dialog asks besides the path (nothing here)."""
        yield from ()

    def choice(self, path: Path) -> ChoiceT:
        """The dialog's result for ``path``."""
        raise NotImplementedError

    def on_input_submitted(self) -> None:
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        self.dismiss(self.choice(Path(self.query_one(f"#{self.PATH_ID}", Input).value.strip()).expanduser()))

    def action_cancel(self) -> None:
        self.dismiss(None)
