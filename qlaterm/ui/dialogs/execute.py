"""Accept or reject a server Execute on a custom resource."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Button, Select, Static

from qlaterm.at import build
from qlaterm.state import Request, format_path

from .base import ActionDialog, Field
from .write import REJECT_CHOICES

__all__ = ["ExecuteDialog"]


class ExecuteDialog(ActionDialog):
    """AT+QLAEXERSP: 2 (2.04 Changed) accepts, 11–14 reject."""

    AUTO_FOCUS = "#accept"

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.answer = 2

    def title_text(self) -> str:
        return f"Execute {format_path(self.request.path)} · message ID {self.request.mid}"

    def body(self) -> ComposeResult:
        yield Field("reject with", Select(REJECT_CHOICES, value=11, allow_blank=False, id="reason"))

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

    def lines(self) -> list[str]:
        return [build.execute_response(self.request.mid, self.answer)]
