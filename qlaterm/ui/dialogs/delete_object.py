"""Delete a custom object with all its instances."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select

from qlaterm.at import build
from qlaterm.state import DeviceState

from .base import ActionDialog, Field

__all__ = ["DeleteObjectDialog"]


class DeleteObjectDialog(ActionDialog):
    """AT+QLADELOBJ=<objectID>."""

    TITLE = "Delete object (AT+QLADELOBJ)"
    SEND_LABEL = "Delete"
    AUTO_FOCUS = "#send"

    def __init__(self, state: DeviceState) -> None:
        super().__init__()
        self.state = state

    def body(self) -> ComposeResult:
        options = [(f"/{obj}  ({len(insts)} instance{'s' if len(insts) != 1 else ''})", obj)
                   for obj, insts in self.state.objects.items()]
        if options:
            yield Field("object", Select(options, value=options[0][1], allow_blank=False, id="obj"))
        else:
            yield Field("object", Select([], prompt="no custom objects", id="obj"))

    def lines(self) -> list[str]:
        value = self.query_one("#obj", Select).value
        if not isinstance(value, int):
            raise ValueError("there is no custom object to delete")
        return [build.delete_object(value)]
