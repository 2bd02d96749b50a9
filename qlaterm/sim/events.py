"""Network events turned into URCs: the module's implementation of the LwM2M client's ClientHandler."""

from __future__ import annotations

from typing import Protocol

from aiocoap.numbers.codes import Code

from qlaterm.at.build import urc, urc_data
from qlaterm.at.codes import LwM2MState, StatusCode
from qlaterm.at.values import AtValue, ValueType
from qlaterm.at.wire import wire_length
from qlaterm.lwm2m.formats import Scalar, scalar_bytes
from qlaterm.sim.client.core import LwM2MClient, ServerRequest
from qlaterm.sim.state import ModuleState
from qlaterm.sim.tasks import Tasks
from qlaterm.sim.terminal import Terminal

__all__ = ["NetworkEvents", "SessionTimers"]


class SessionTimers(Protocol):
    """What the events need of the registration: its client, and its lifetime timers."""

    @property
    def client(self) -> LwM2MClient | None: ...

    def schedule_update(self) -> None:
        """Re-arm the Update and expiry timers (the lifetime changed)."""

    def expire(self) -> None:
        """The registration is lost: status 5."""

    async def server_changed(self, lifetime: int | None, binding: str | None) -> None:
        """The server wrote a new lifetime or binding: the Update that announces it, reported as ``"ping"``."""


class NetworkEvents:
    """What the LwM2M client reports, printed (or buffered) as ``+QLAURC`` lines."""

    def __init__(self, state: ModuleState, terminal: Terminal, tasks: Tasks, session: SessionTimers) -> None:
        self._state = state
        self._terminal = terminal
        self._tasks = tasks
        self._session = session

    def on_request(self, request: ServerRequest) -> bool:
        """A server request on a custom object: print (or buffer) its URC; False refuses it (5.03)."""
        settings, buffer = self._state.settings, self._state.buffer
        lines = self._request_urcs(request)
        if settings.one("access_mode") == 1:
            if not buffer.has_room(len(lines)):
                return False
            for line in lines:
                self._buffer_urc(line)
        else:
            for line in lines:
                self._terminal.urc(f"+QLAURC: {line}")
        client = self._session.client
        if request.op == "observe" and settings.one("auto_ack") == 1 and client is not None:
            self._tasks.spawn(client.respond(request.mid, Code.CONTENT, None))
        return True

    def _buffer_urc(self, data: str) -> None:
        if self._state.buffer.push(data):
            self._terminal.urc(urc("buffer"))

    def _buffered_or_direct(self, data: str) -> None:
        """The non-request URCs of the buffer table: buffered in access_mode 1 while there is room."""
        if self._state.settings.one("access_mode") == 1 and self._state.buffer.has_room(1):
            self._buffer_urc(data)
        else:
            self._terminal.urc(f"+QLAURC: {data}")

    def _request_urcs(self, request: ServerRequest) -> list[str]:
        mid = request.mid
        path = list(request.path) + [-1] * (3 - len(request.path))
        o, i, r = path[:3]
        if request.op == "read":
            query = (request.uri_query,) if request.uri_query else ()
            return [urc_data("read", mid, o, i, r, *query)]
        if request.op == "execute":
            return [urc_data("execute", mid, o, i, r)]
        if request.op in ("observe", "cancel"):
            return [urc_data("observe", mid, 1 if request.op == "cancel" else 0, o, i, r)]
        # a write: one URC per resource, index N-1 … 0; text/plain as a string, anything else as opaque hex
        platform = self._state.settings.one("platform")
        token = (request.token.hex(),) if platform == 2 and request.token else ()
        items = sorted(request.values.items()) or [((o, max(i, 0), max(r, 0)), b"")]
        lines = []
        for index, (res_path, value) in zip(range(len(items) - 1, -1, -1), items, strict=True):
            if isinstance(value, str):
                shown = AtValue(ValueType.STRING, wire_length(value), value)
            else:
                raw = value if isinstance(value, bytes) else scalar_bytes(value)
                shown = AtValue(ValueType.OPAQUE, len(raw), raw.hex().upper())
            ro, ri, rr = res_path[:3]
            lines.append(urc_data("write", mid, ro, ri, rr, shown, index, *token))
        return lines

    def on_request_expired(self, mid: int) -> None:
        self._state.parts.pop(mid, None)

    def on_server_write(self, path: tuple[int, int, int], value: Scalar, bootstrap: bool) -> None:
        """The server changed lifetime (/1/x/1, an int) or binding (/1/x/7, "U" or "UQ"); the client has typed
        and range-checked the value already."""
        if path[0] != 1:
            return
        state = self._state
        if path[2] == 1:
            lifetime = int(value)
            if state.config is not None and not bootstrap:
                state.keep_config(state.config.with_(lifetime=lifetime))
                if state.status == LwM2MState.REGISTERED:
                    self._session.schedule_update()
            self._buffered_or_direct(urc_data("lifetime_changed", lifetime))
        elif path[2] == 7:
            binding = "UQ" if str(value) == "UQ" else "U"
            if state.config is not None and not bootstrap:
                state.keep_config(state.config.with_(binding=1 if binding == "UQ" else 0))
            self._terminal.urc(urc("binding_changed", binding))

    def on_server_changed(self, lifetime: int | None, binding: str | None) -> None:
        """After the URCs of a server Write of the lifetime or the binding: the Update with the new values."""
        self._tasks.spawn(self._session.server_changed(lifetime, binding))

    def on_builtin_execute(self, path: tuple[int, int, int]) -> None:
        self._buffered_or_direct(urc_data("execute", 0, *path))

    def on_bootstrap_finished(self) -> None:
        self._buffered_or_direct(urc_data("bs_finished"))

    def on_registration_lost(self) -> None:
        """The server's registration update trigger led to a failed Update: the registration is lost."""
        self._session.expire()

    def on_notify_reset(self, mid: int) -> None:
        self._terminal.urc(urc("lw_event", 0, StatusCode.RESET, mid))
