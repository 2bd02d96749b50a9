"""The serial port's line settings, changed on the open port: baud rate, data bits, parity, stop bits, flow
control.  The result is the new :class:`~qlaterm.link.base.SerialSettings`; the app applies it."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from qlaterm.link.base import BYTESIZES, PARITIES, STOPBITS, SerialSettings

from .base import DialogScreen

__all__ = ["SerialDialog"]

COMMON_BAUDS = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
"""Offered in the placeholder; any positive rate the adapter supports may be typed."""


class SerialDialog(DialogScreen[SerialSettings | None]):
    """The line settings of ``port``, starting from ``settings``."""

    AUTO_FOCUS = "#baud"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="serial.apply", priority=True),
    ]
    DEFAULT_CSS = """
    SerialDialog #serial-grid {
        grid-size: 4;
        grid-columns: 11 1fr 11 1fr;
        grid-rows: 3;
        height: auto;
    }
    SerialDialog #serial-grid > Label { padding: 1 1 0 0; text-align: right; width: 100%; }
    SerialDialog #serial-flow { height: auto; }
    """

    def __init__(self, port: str, settings: SerialSettings) -> None:
        super().__init__()
        self.port = port
        self.settings = settings

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(id="dialog"):
            yield Label(f"Serial settings of {self.port}", id="dialog-title")
            with Grid(id="serial-grid"):
                yield Label("baud")
                yield Input(str(s.baudrate), type="integer", id="baud",
                            placeholder=" ".join(str(b) for b in COMMON_BAUDS))
                yield Label("data bits")
                yield Select([(str(b), b) for b in BYTESIZES], value=s.bytesize, allow_blank=False, id="bytesize")
                yield Label("parity")
                yield Select([(f"{k} {name}", k) for k, name in PARITIES.items()], value=s.parity,
                             allow_blank=False, id="parity")
                yield Label("stop bits")
                yield Select([(f"{b:g}", b) for b in STOPBITS], value=s.stopbits, allow_blank=False, id="stopbits")
            with Horizontal(id="serial-flow"):
                yield Checkbox("RTS/CTS flow control", s.rtscts, id="rtscts")
                yield Checkbox("XON/XOFF flow control", s.xonxoff, id="xonxoff")
            yield Static("", id="dialog-preview")
            yield Static("", id="dialog-error")
            with Horizontal(id="dialog-buttons"):
                yield Static("ctrl+s applies · Esc cancels", classes="dialog-keys")
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.update_preview()

    def chosen(self) -> SerialSettings:
        """The settings the fields describe; ValueError says which field is wrong."""
        baud = self.query_one("#baud", Input).value.strip()
        if not baud.isdigit():
            raise ValueError("the baud rate is a whole number (115200)")
        bytesize: Any = self.query_one("#bytesize", Select).value  # none is blank (allow_blank=False)
        stopbits: Any = self.query_one("#stopbits", Select).value
        return SerialSettings(
            baudrate=int(baud),
            bytesize=int(bytesize),
            parity=str(self.query_one("#parity", Select).value),
            stopbits=float(stopbits),
            rtscts=self.query_one("#rtscts", Checkbox).value,
            xonxoff=self.query_one("#xonxoff", Checkbox).value,
        )

    def update_preview(self) -> None:
        preview = self.query_one("#dialog-preview", Static)
        error = self.query_one("#dialog-error", Static)
        try:
            chosen = self.chosen()
        except ValueError as exc:
            preview.update("")
            error.update(f"[red]✗ {exc}[/]")
            return
        same = chosen == self.settings
        preview.update(f"{self.settings.text}" + ("  (unchanged)" if same else f"  →  [b]{chosen.text}[/b]"))
        error.update("")

    def on_input_changed(self) -> None:
        self.update_preview()

    def on_select_changed(self) -> None:
        self.update_preview()

    def on_checkbox_changed(self) -> None:
        self.update_preview()

    def on_input_submitted(self) -> None:
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(None)

    def action_apply(self) -> None:
        try:
            chosen = self.chosen()
        except ValueError as exc:
            self.query_one("#dialog-error", Static).update(f"[red]✗ {exc}[/]")
            self.app.bell()
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
