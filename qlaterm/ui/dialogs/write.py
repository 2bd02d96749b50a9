"""Accept or reject a server Write; the written value is shown decoded (hex → text, JSON pretty-printed)."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from qlaterm.at import build
from qlaterm.at.values import Scalar
from qlaterm.state import format_path

from .accept_reject import AcceptRejectDialog
from .base import Field

__all__ = ["WriteDialog", "decode_for_display"]



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


class WriteDialog(AcceptRejectDialog):
    """AT+QLAWRRSP: 2 (2.04 Changed) accepts, 11–14 reject."""

    def title_text(self) -> str:
        r = self.request
        return f"Write {format_path(r.path)} · message ID {r.mid}"

    def body(self) -> ComposeResult:
        r = self.request
        if len(r.parts) > 1:
            for res, value in r.resource_values().items():
                yield Field(format_path((*r.path[:2], res)), Static(decode_for_display(value), classes="written"))
        else:
            yield Field("value", Static(decode_for_display(r.value), classes="written", id="written"))
        if r.token:
            yield Field("token", Static(r.token))
        if not r.complete:
            yield Static(Text("more parts are still coming (index > 0)", style="yellow"))
        yield self.reject_field()

    def lines(self) -> list[str]:
        return [build.write_response(self.request.mid, self.answer)]
