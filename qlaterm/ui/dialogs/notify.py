"""Notify an observed resource, NON or CON (a CON notification is acknowledged by ``"report_ack"``)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import RadioButton, RadioSet, Select, Static

from qlaterm.at import build
from qlaterm.state import DeviceState, Path, format_path

from .base import ActionDialog, Field
from .value_editor import ValueEditor

__all__ = ["NotifyDialog"]


class NotifyDialog(ActionDialog):
    """AT+QLANOTIFY for one resource; observed resources are listed first and marked."""

    TITLE = "Notify"
    SEND_LABEL = "Notify"
    AUTO_FOCUS = ".value-text"

    def __init__(self, state: DeviceState, path: Path | None = None) -> None:
        super().__init__()
        self.state = state
        resources = state.resources()
        resources.sort(key=lambda p: not state.is_observed(p))
        self.resources = resources
        self.path = path if path in resources else (resources[0] if resources else None)

    def body(self) -> ComposeResult:
        state = self.state
        options = [(f"{format_path(p)}{'  ◉ observed' if state.is_observed(p) else ''}", p) for p in self.resources]
        if options:
            yield Field("resource", Select(options, value=self.path, allow_blank=False, id="path"))
        else:
            yield Field("resource", Select([], id="path", prompt="no custom resources: add an object first"))
        yield ValueEditor("value", state.values.get(self.path) if self.path else None, id="value")
        yield Static("◉ observed paths come first; a notify nobody observes gets +CME ERROR: 3",
                     classes="dialog-note")
        with RadioSet(id="ack"):
            yield RadioButton("NON (no acknowledgement)", value=True, id="non")
            yield RadioButton("CON (acknowledged: report_ack)", id="con")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "path" and isinstance(event.value, tuple):
            self.path = event.value
            value = self.state.values.get(self.path)
            if value is not None:
                from .value_editor import as_input, type_of

                self.query_one(ValueEditor).set(type_of(value), as_input(value))
        self.update_preview()

    def lines(self) -> list[str]:
        if self.path is None:
            raise ValueError("there is no custom resource to notify: add an object first (F9)")
        o, i, r = self.path
        con = self.query_one("#con", RadioButton).value
        return [build.notify(o, i, r, self.query_one(ValueEditor).value(), 0, True if con else None)]
