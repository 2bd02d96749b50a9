"""Pending server requests (read, write, execute, observe, cancel) with their age; the URC buffer."""

from __future__ import annotations

import itertools

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from qlaterm.state import DeviceState, Request

from .messages import RequestChosen
from .objects import show_value
from .status import duration

__all__ = ["RequestsPane"]

_KIND_STYLE = {"read": "cyan", "observe": "yellow", "cancel": "yellow dim", "write": "magenta", "execute": "red"}
SHOWN = 200
"""Rows shown at most (the oldest, which the module gives up on first); a flood of requests does not make
every refresh rebuild thousands of rows."""


_REQUEST_WIDTH = 16
"""The request column: a kind and a path ("observe /19/0/0 …"); a fixed width draws the same before and after
the table measures new rows, however fast they come."""
_VALUE_WIDTH = 11
"""Columns for a written value: the four columns then fit the pane beside the transcript at 120 columns
(the whole value is in the write dialog)."""

class RequestsPane(DataTable[Text | str]):
    """The server waits for these answers; the oldest first.  The module answers 5.03 after 60 s."""

    HELP = """\
## Requests

Server requests on custom objects wait here for the terminal's answer, oldest first, with their message
ID and age (the module gives up and answers 5.03 after 60 s).

`Enter` (or `F2` anywhere) answers the selected request:
* **read / observe** — a value editor: type and value; `<len>` and hex are computed for you.
* **write** — the written value decoded (hex → text, JSON pretty-printed); accept or reject.
* **execute** — accept or reject.
* **cancel** — confirm the end of an observation.

In buffer mode (`QLACFG "access_mode",1`) requests wait in the module; `ctrl+r` drains them with `AT+QLARD`.
A buffered request is as old as the first news of it (the `+QLAURC: "buffer"` that announced it, or the
`AT+QLARD?` count that first included it); one drained after its 60 s was answered 5.03 already and is not
offered. While 30 entries wait the buffer is full and the module answers every new request 5.03 at once.
"""

    BINDINGS = [Binding("enter", "answer", "Answer", show=False, id="requests.answer")]

    def __init__(self, state: DeviceState, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.state = state
        self._signature: object = None
        self._shown_subtitle: str | None = None

    def on_mount(self) -> None:
        self.border_title = "Requests"
        self.add_column("mid", key="mid", width=6)
        self.add_column("request", key="request", width=_REQUEST_WIDTH)
        self.add_column("age", key="age", width=6)
        self.add_column("value", key="value", width=_VALUE_WIDTH)
        self.set_interval(1.0, self._tick, name="request ages")
        self.refresh_state()

    def refresh_state(self) -> None:
        state = self.state
        requests = self._shown()
        signature = tuple((r.mid, r.kind, r.path, r.complete, len(r.parts)) for r in requests)
        self._subtitle()
        if signature == self._signature:
            return
        previous, self._signature = self._signature, signature
        now = state.now()
        if isinstance(previous, tuple) and signature[: len(previous)] == previous:
            for request in requests[len(previous):]:  # more requests came: only they are added (and measured)
                self.add_row(*self._cells(request, now), key=str(request.mid))
            return
        selected = self.selected_mid
        self.clear()
        for request in requests:
            self.add_row(*self._cells(request, now), key=str(request.mid))
        if selected is not None and str(selected) in self.rows:
            self.move_cursor(row=self.get_row_index(str(selected)))

    def _shown(self) -> list[Request]:
        requests = self.state.requests.values()
        return list(requests) if len(requests) <= SHOWN else list(itertools.islice(requests, SHOWN))

    def _subtitle(self) -> None:
        state = self.state
        waiting = len(state.requests)
        parts = [f"{waiting} waiting" + (f" (oldest {SHOWN} shown)" if waiting > SHOWN else "")] if waiting else []
        if state.buffer_mode:
            count = state.buffer_count
            text = f"{count if count is not None else '?'} in buffer"
            refused = state.buffer.refused(state.now())
            if refused:
                text += f" ({refused} answered 5.03 already)"
            if state.buffer.full:
                text += " · full: new requests get 5.03"
            parts.append(text + " · ctrl+r drains")
        subtitle = " · ".join(parts)
        if subtitle != self._shown_subtitle:  # setting a border title repaints the pane, even the same title
            self._shown_subtitle = subtitle
            self.border_subtitle = subtitle

    @staticmethod
    def _cells(request: Request, now: float) -> tuple[Text | str, ...]:
        label = Text(request.kind, style=_KIND_STYLE.get(request.kind, ""))
        label.append(f" {request.label.split(' ', 1)[1]}")
        if request.buffered:
            label.append(" (buf)", style="dim")
        if not request.complete:
            label.append(" …", style="dim")
        value = show_value(request.value, _VALUE_WIDTH) if request.kind == "write" else ""
        return str(request.mid), label, duration(request.age(now)), value

    def _tick(self) -> None:
        now = self.state.now()
        self._subtitle()
        for request in self._shown():
            key = str(request.mid)
            if key in self.rows:
                self.update_cell(key, "age", duration(request.age(now)))

    @property
    def selected_mid(self) -> int | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        except Exception:
            return None
        return int(key) if key is not None else None

    def action_answer(self) -> None:
        mid = self.selected_mid
        if mid is not None:
            self.post_message(RequestChosen(mid))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(RequestChosen(int(event.row_key.value)))
