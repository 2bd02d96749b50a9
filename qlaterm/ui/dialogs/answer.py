"""Answer a server Read or Observe (or confirm a Cancel): result code and a value per resource.

An instance-level read (``/19/0``) gets one value per resource of the instance, sent as parts with index
N-1 … 0 so that the module encodes them together; a resource read gets one value.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select

from qlaterm.at import build
from qlaterm.at.catalogue import COAP_REASONS, READ_RESULTS
from qlaterm.state import DeviceState, Path, Request, format_path

from .base import ActionDialog, Field
from .value_editor import ValueEditor

__all__ = ["READ_RESULT_CHOICES", "AnswerDialog"]

READ_RESULT_CHOICES = [(f"{code} → {coap} {COAP_REASONS[coap]}", code) for code, coap in READ_RESULTS.items()]


class AnswerDialog(ActionDialog):
    """AT+QLARDRSP / AT+QLAOBSRSP for one pending request."""

    SEND_LABEL = "Answer"
    AUTO_FOCUS = ".value-text, #send"

    def __init__(self, request: Request, state: DeviceState) -> None:
        super().__init__()
        self.request = request
        self.state = state
        self.paths = self._paths()

    def _paths(self) -> list[Path]:
        o, i, r = self.request.path
        if r >= 0:
            return [(o, i, r)]
        covered = [p for p in self.state.resources() if p[0] == o and (i < 0 or p[1] == i)]
        return covered or [(o, max(i, 0), 0)]

    def title_text(self) -> str:
        r = self.request
        verb = {"read": "Read", "observe": "Observe", "cancel": "Cancel observation"}.get(r.kind, r.kind)
        age = int(self.state.now() - r.received)
        return f"{verb} {format_path(r.path)} · message ID {r.mid} · {age} s ago"

    def body(self) -> ComposeResult:
        yield Field("result", Select(READ_RESULT_CHOICES, value=1, allow_blank=False, id="result"))
        if self.request.kind != "cancel":
            for n, path in enumerate(self.paths):
                yield ValueEditor(format_path(path), self.state.values.get(path), id=f"value-{n}")

    @property
    def result(self) -> int:
        value = self.query_one("#result", Select).value
        return int(value) if isinstance(value, int) else 1

    def lines(self) -> list[str]:
        r = self.request
        respond = build.observe_response if r.kind in ("observe", "cancel") else build.read_response
        o, i, res = (max(x, 0) for x in self.paths[0])
        if self.result != 1 or r.kind == "cancel":
            return [respond(r.mid, self.result, o, i, res, None, 0)]
        editors = list(self.query(ValueEditor))
        lines = []
        for n, (path, editor) in enumerate(zip(self.paths, editors, strict=True)):
            value = editor.value()
            lines.append(respond(r.mid, 1, path[0], path[1], path[2], value, len(editors) - 1 - n))
        return lines
