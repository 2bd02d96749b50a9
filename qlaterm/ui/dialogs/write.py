"""Accept or reject a server Write; the written value is shown decoded (hex → text, JSON pretty-printed)."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Button, Select, Static

from qlaterm.at import build
from qlaterm.at.catalogue import EXEC_RESULTS
from qlaterm.at.values import Scalar
from qlaterm.state import Request, format_path

from .base import ActionDialog, Field

__all__ = ["REJECT_CHOICES", "WriteDialog", "decode_for_display"]

_REASONS = {11: "Bad Request", 12: "Unauthorized", 13: "Not Found", 14: "Method Not Allowed"}
REJECT_CHOICES = [(f"{code} → {EXEC_RESULTS[code]} {_REASONS[code]}", code) for code in _REASONS]


def decode_for_display(value: Scalar | None) -> str:
    """What a human wants to see of a written value: text if it is text, pretty JSON if it is JSON, else hex."""
    if value is None:
        return "(no value)"
    if isinstance(value, bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return f"hex {value.hex().upper()} ({len(value)} bytes, not text)"
        if not text.isprintable() and not text.strip().startswith(("{", "[")):
            return f"hex {value.hex().upper()} ({len(value)} bytes)"
        shown = _pretty(text)
        return f"{shown}\n\nhex {value.hex().upper()} ({len(value)} bytes)"
    if isinstance(value, str):
        return _pretty(value)
    return str(value)


def _pretty(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return text


class WriteDialog(ActionDialog):
    """AT+QLAWRRSP: 2 (2.04 Changed) accepts, 11–14 reject."""

    AUTO_FOCUS = "#accept"

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.answer = 2

    def title_text(self) -> str:
        r = self.request
        return f"Write {format_path(r.path)} · message ID {r.mid}"

    def body(self) -> ComposeResult:
        r = self.request
        if len(r.parts) > 1:
            for res, values in r.parts.items():
                joined = Request(0, "write", r.path, 0, parts={res: values}).value
                yield Field(f"/{r.path[0]}/{r.path[1]}/{res}", Static(decode_for_display(joined), classes="written"))
        else:
            yield Field("value", Static(decode_for_display(r.value), classes="written", id="written"))
        if r.token:
            yield Field("token", Static(r.token))
        if not r.complete:
            yield Static(Text("more parts are still coming (index > 0)", style="yellow"))
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

    def on_select_changed(self) -> None:
        self.update_preview()

    def lines(self) -> list[str]:
        return [build.write_response(self.request.mid, self.answer)]
