"""Save the transcript to a file (dates and times on every line; PSKs masked as on screen)."""

from __future__ import annotations

import time
from pathlib import Path

from textual.binding import Binding

from .path import PathDialog

__all__ = ["SaveLogDialog"]


class SaveLogDialog(PathDialog[Path]):
    """Asks for a path."""

    TITLE_TEXT = "Save the transcript"
    AUTO_FOCUS = "#path"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, directory: Path | None = None, name: str | None = None) -> None:
        name = name or time.strftime("qlaterm-%Y%m%d-%H%M%S.log")
        super().__init__((directory or Path.cwd()) / name)

    def choice(self, path: Path) -> Path:
        return path
