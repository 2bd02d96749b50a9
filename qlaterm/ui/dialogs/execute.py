"""Accept or reject a server Execute on a custom resource."""

from __future__ import annotations

from textual.app import ComposeResult

from qlaterm.at import build
from qlaterm.state import format_path

from .accept_reject import AcceptRejectDialog

__all__ = ["ExecuteDialog"]


class ExecuteDialog(AcceptRejectDialog):
    """AT+QLAEXERSP: 2 (2.04 Changed) accepts, 11–14 reject."""

    def title_text(self) -> str:
        return f"Execute {format_path(self.request.path)} · message ID {self.request.mid}"

    def body(self) -> ComposeResult:
        yield self.reject_field()

    def lines(self) -> list[str]:
        return [build.execute_response(self.request.mid, self.answer)]
