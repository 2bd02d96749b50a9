"""``qlaterm`` with neither a port nor ``--sim``: the serial ports found, Quectel's marked, and the simulator.

The picker runs before the console: its answer is what would have been given on the command line, a
device path or ``--sim`` (:data:`SIMULATOR`), or None when the user quits.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from qlaterm.link.ports import Port, list_ports

from .dialogs.base import DialogScreen

__all__ = ["SIMULATOR", "PortPicker", "PortPickerApp"]

SIMULATOR = "--sim"
"""The picker's answer for the simulator: the option that would have started it."""

NONE_FOUND = ("No serial port found. Plug the module's USB cable in and press F5 (on Linux your user needs "
              "the dialout group), or start the simulator.")


def _prompt(port: Port) -> Text:
    return Text(port.text, style="bold" if port.quectel else "")


class PortPicker(DialogScreen[str | None]):
    """The serial ports ``discover`` finds, then the simulator; Enter or a click opens the console on it."""

    DEFAULT_CSS = """
    #picker-note {
        height: auto;
        padding: 0 1 1 1;
    }

    #picker-ports {
        height: auto;
        max-height: 12;
    }
    """

    AUTO_FOCUS = "#picker-ports"
    BINDINGS = [
        Binding("escape", "quit", "Quit", id="picker.quit"),
        Binding("f5", "rescan", "Look again", id="picker.rescan"),
    ]

    def __init__(self, discover: Callable[[], list[Port]] = list_ports) -> None:
        super().__init__()
        self.discover = discover
        self.ports: list[Port] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("qlaterm · which module?", id="dialog-title")
            with Vertical(id="dialog-foot"):
                yield Static("Enter opens the console · F5 looks again · Esc quits", classes="dialog-keys")
            yield Static("", id="picker-note")
            yield OptionList(id="picker-ports")

    def on_mount(self) -> None:
        self.action_rescan()

    def action_rescan(self) -> None:
        self.ports = self.discover()
        note = self.query_one("#picker-note", Static)
        if not self.ports:
            note.update(Text(NONE_FOUND, style="yellow"))
        else:
            count = f"{len(self.ports)} serial port{'s' if len(self.ports) > 1 else ''} found"
            quectel = ", Quectel's (USB vendor 2C7C) first and marked" if any(p.quectel for p in self.ports) else ""
            note.update(f"{count}{quectel}.")
        options: list[Option | None] = [Option(_prompt(port), id=port.device) for port in self.ports]
        if options:
            options.append(None)  # a separator
        options.append(Option("Simulator: an emulated BC26 and the bundled LwM2M platform", id=SIMULATOR))
        ports = self.query_one(OptionList)
        ports.clear_options()
        ports.add_options(options)
        ports.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_quit(self) -> None:
        self.dismiss(None)


class PortPickerApp(App[str | None]):
    """The picker on its own, before the console: returns a device path, :data:`SIMULATOR`, or None."""

    TITLE = "qlaterm"

    def __init__(self, discover: Callable[[], list[Port]] = list_ports) -> None:
        super().__init__()
        self.discover = discover

    def on_mount(self) -> None:
        self.push_screen(PortPicker(self.discover), self.exit)
