"""Network events turned into URCs: the module's implementation of the LwM2M client's ClientHandler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiocoap.numbers.codes import Code

from qlaterm.at.build import urc, urc_data
from qlaterm.at.values import AtValue, ValueType
from qlaterm.lwm2m.codec import scalar_bytes
from qlaterm.sim.client.core import ServerRequest
from qlaterm.sim.status import Status

if TYPE_CHECKING:
    from qlaterm.sim.module import Module

__all__ = ["NetworkEvents"]


class NetworkEvents:
    """What the LwM2M client reports, printed (or buffered) as ``+QLAURC`` lines; part of the Module."""

    def on_request(self: Module, request: ServerRequest) -> bool:
        """A server request on a custom object: print (or buffer) its URC; False refuses it (5.03)."""
        lines = self._request_urcs(request)
        if self.settings.one("access_mode") == 1:
            if not self.buffer.has_room(len(lines)):
                return False
            for line in lines:
                self._buffer_urc(line)
        else:
            for line in lines:
                self.urc(f"+QLAURC: {line}")
        if request.op == "observe" and self.settings.one("auto_ack") == 1 and self.client is not None:
            client = self.client
            self._spawn(client.respond(request.mid, Code.CONTENT, None))
        return True

    def _buffer_urc(self: Module, data: str) -> None:
        if self.buffer.push(data):
            self.urc(urc("buffer"))

    def _buffered_or_direct(self: Module, data: str) -> None:
        """The non-request URCs of the buffer table: buffered in access_mode 1 while there is room."""
        if self.settings.one("access_mode") == 1 and self.buffer.has_room(1):
            self._buffer_urc(data)
        else:
            self.urc(f"+QLAURC: {data}")

    def _request_urcs(self: Module, request: ServerRequest) -> list[str]:
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
        token = (request.token.hex(),) if self.settings.one("platform") == 2 and request.token else ()
        items = sorted(request.values.items()) or [((o, max(i, 0), max(r, 0)), b"")]
        lines = []
        for index, (res_path, value) in zip(range(len(items) - 1, -1, -1), items, strict=True):
            if isinstance(value, str):
                shown = AtValue(ValueType.STRING, len(value), value)
            else:
                raw = value if isinstance(value, bytes) else scalar_bytes(value)
                shown = AtValue(ValueType.OPAQUE, len(raw), raw.hex().upper())
            ro, ri, rr = res_path[:3]
            lines.append(urc_data("write", mid, ro, ri, rr, shown, index, *token))
        return lines

    def on_request_expired(self: Module, mid: int) -> None:
        self._parts.pop(mid, None)

    def on_server_write(self: Module, path: tuple[int, int, int], value: Any, bootstrap: bool) -> None:
        """The server changed lifetime (/1/x/1, an int) or binding (/1/x/7, "U" or "UQ"); the client has typed
        and range-checked the value already."""
        if path[0] != 1:
            return
        if path[2] == 1:
            lifetime = int(value)
            if self.config is not None and not bootstrap:
                self._keep_config(self.config.with_(lifetime=lifetime))
                if self.status == Status.REGISTERED:
                    self._schedule_update()
            self._buffered_or_direct(urc_data("lifetime_changed", lifetime))
        elif path[2] == 7:
            binding = "UQ" if str(value) == "UQ" else "U"
            if self.config is not None and not bootstrap:
                self._keep_config(self.config.with_(binding=1 if binding == "UQ" else 0))
            self.urc(urc("binding_changed", binding))

    def on_builtin_execute(self: Module, path: tuple[int, int, int]) -> None:
        self._buffered_or_direct(urc_data("execute", 0, *path))

    def on_bootstrap_finished(self: Module) -> None:
        self._buffered_or_direct(urc_data("bs_finished"))

    def on_registration_lost(self: Module) -> None:
        """The server's registration update trigger led to a failed Update: the registration is lost."""
        self._expired()

    def on_notify_reset(self: Module, mid: int) -> None:
        self.urc(urc("lw_event", 0, 9, mid))
