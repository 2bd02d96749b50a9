"""Add a custom object instance with its resource IDs (at most 3 objects, 4 instances, 14 resources)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Static

from qlaterm.at import build
from qlaterm.at.catalogue import COMMANDS

from .base import ActionDialog, Field

__all__ = ["AddObjectDialog"]


class AddObjectDialog(ActionDialog):
    """AT+QLAADDOBJ=<objectID>,<instanceID>,<resource_number>,<resourceID>…; the count is computed."""

    TITLE = "Add object instance (AT+QLAADDOBJ)"
    SEND_LABEL = "Add"

    def body(self) -> ComposeResult:
        yield Field("object ID", Input("19", type="integer", id="obj", placeholder="e.g. 19 (not 0/1/3/4/5)"))
        yield Field("instance ID", Input("0", type="integer", id="inst"))
        yield Field("resources", Input("0", id="resources", placeholder="IDs separated by commas or spaces: 0,1"))
        yield Static(COMMANDS["+QLAADDOBJ"].help, classes="dialog-note")

    def lines(self) -> list[str]:
        obj = self.query_one("#obj", Input).value.strip()
        inst = self.query_one("#inst", Input).value.strip()
        raw = self.query_one("#resources", Input).value.replace(",", " ").split()
        if not obj.isdigit() or not inst.isdigit():
            raise ValueError("object and instance IDs are numbers")
        if not raw or not all(r.isdigit() for r in raw):
            raise ValueError("list at least one resource ID (numbers)")
        return [build.add_object(int(obj), int(inst), [int(r) for r in raw])]
