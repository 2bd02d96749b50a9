"""The shared shape of the Write and Execute answers: Accept (2.04) or Reject with a chosen 4.xx.

The preview shows the line the dialog would send now: the accept line while Accept is in focus, the reject
line with the chosen code once a code is picked or the reason or Reject is in focus.
"""

from __future__ import annotations

from textual import events
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
        """The ``<result>`` the previewed line carries: 2, or the reject code picked."""
        self.reason = 11
        """The reject code picked in the dialog."""

    def reject_field(self) -> Field:
        return Field("reject with", Select(REJECT_CHOICES, value=self.reason, allow_blank=False, id="reason"))

    def on_select_changed(self, event: Select.Changed) -> None:
        """Picking a reject code means rejecting: the preview (and ctrl+s) now send that code."""
        if event.select.id == "reason" and isinstance(event.value, int) and event.value != self.reason:
            self.reason = event.value
            self.answer = event.value
        # the base class's handler runs next and redraws the preview

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if widget.id == "accept":
            answer = 2
        elif widget.id == "reject" or any(node.id == "reason" for node in widget.ancestors_with_self):
            answer = self.reason
        else:
            return
        if answer != self.answer:
            self.answer = answer
            self.update_preview()

    def buttons(self) -> ComposeResult:
        yield Static("Esc cancels", classes="dialog-keys")
        yield Button("Accept (2.04)", variant="success", id="accept")
        yield Button("Reject", variant="error", id="reject")
        yield Button("Cancel", id="cancel")

    def choose(self, button_id: str | None) -> None:
        if button_id == "reject":
            value = self.query_one("#reason", Select).value
            self.reason = value if isinstance(value, int) else self.reason
            self.answer = self.reason
        else:
            self.answer = 2
        self.action_send()
