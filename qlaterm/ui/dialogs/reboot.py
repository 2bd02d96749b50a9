"""Reboot the module (``AT+QRST=1``), as the server asks with an Execute of /3/0/4 (reboot) or /3/0/5.

The BC26 leaves these two executes to the terminal: it prints ``"execute",0,3,0,4`` (or ``…,5``) and the
terminal is expected to reboot it.  The dialog says why it was offered and shows the line before sending.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from qlaterm.state import format_path

from .base import ActionDialog

__all__ = ["REBOOT_LINE", "RebootDialog"]

REBOOT_LINE = "AT+QRST=1"

_REASONS = {(3, 0, 4): "the server executed /3/0/4 (reboot)", (3, 0, 5): "the server executed /3/0/5 (factory reset)"}


class RebootDialog(ActionDialog):
    """Confirm AT+QRST=1; the console reads the state again when the module prints RDY."""

    TITLE = "Reboot the module (AT+QRST=1)"
    SEND_LABEL = "Reboot"
    AUTO_FOCUS = "#send"

    def __init__(self, requested_by: tuple[int, int, int] | None = None) -> None:
        super().__init__()
        self.requested_by = requested_by

    def body(self) -> ComposeResult:
        if self.requested_by is not None:
            reason = _REASONS.get(self.requested_by, f"the server executed {format_path(self.requested_by)}")
            yield Static(f"{reason}: the module expects the terminal to reboot it", classes="dialog-note")
        yield Static("the module prints its boot banner and RDY; the console then reads its state again. "
                     "Saved settings (NVM) are kept; the registration is not.", classes="dialog-note")

    def lines(self) -> list[str]:
        return [REBOOT_LINE]
