"""The shared shape of the Write and Execute answers: Accept (2.04) or Reject with a chosen 4.xx."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Button, Select, Static

from qlaterm.at.catalogue import COAP_REASONS, EXEC_RESULTS
from qlaterm.state import Request

from .base import ActionDialog, Field

__all__ = ["REJECT_CHOICES", "AcceptRejectDialog"]

REJECT_CHOICES = [
    (f"{code} → {coap} {COAP_REASONS[coap]}", code) for code, coap in EXEC_RESULTS.items() if code != 2
]
"""The ``<result>`` codes 11–14 of AT+QLAWRRSP / AT+QLAEXERSP, with their CoAP meaning."""


class AcceptRejectDialog(ActionDialog):
    """A pending request answered by one ``<result>``: 2 accepts, 11–14 reject (picked in the dialog)."""

    AUTO_FOCUS = "#accept"

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.answer = 2

    def reject_field(self) -> Field:
        return Field("reject with", Select(REJECT_CHOICES, value=11, allow_blank=False, id="reason"))

    def buttons(self) -> ComposeResult:
        yield Static("Esc cancels", classes="dialog-keys")
        yield Button("Accept (2.04)", variant="success", id="accept")
        yield Button("Reject", variant="error", id="reject")
        yield Button("Cancel", id="cancel")

    def choose(self, button_id: str | None) -> None:
        if button_id == "reject":
            value = self.query_one("#reason", Select).value
            self.answer = int(value) if isinstance(value, int) else 11
        else:
            self.answer = 2
        self.action_send()
