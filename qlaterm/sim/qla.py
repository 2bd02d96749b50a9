"""Handlers of the 16 QLA commands: configuration, registration, answers to server requests, notify, send."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiocoap.numbers.codes import Code

from qlaterm.at.build import urc
from qlaterm.at.catalogue import CONFIG_SETTINGS, EXEC_RESULTS, READ_RESULTS, Form
from qlaterm.at.check import Checked
from qlaterm.sim.answers import add_part, coap_code, status_of, within
from qlaterm.sim.client.core import ServerRequest
from qlaterm.sim.settings import ServerConfig
from qlaterm.sim.status import CmeError, Status

if TYPE_CHECKING:
    from qlaterm.sim.module import Module

__all__ = ["QlaCommands"]

log = logging.getLogger("qlaterm.sim.module")


class QlaCommands:
    """The ``AT+QLA…`` handlers; a part of :class:`qlaterm.sim.module.Module`."""

    def _require_registered(self: Module) -> None:
        if self.status in (Status.REGISTERING, Status.DEREGISTERING):
            raise CmeError(15)
        if self.status != Status.REGISTERED or self.client is None:
            raise CmeError(4)

    async def _qlaconfig(self: Module, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            if self.config is None or self.config.bootstrap:
                return []
            return [self.config.query_line()]
        if self.status in (Status.REGISTERING, Status.REGISTERED, Status.DEREGISTERING):
            raise CmeError(32)
        a = c.args
        self.config = ServerConfig.from_args(a)
        return []

    async def _qlacfg(self: Module, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [self.settings.line(name) for name in CONFIG_SETTINGS]
        name, values = c.args["name"], c.args["values"]
        if values is None:
            return [self.settings.line(name)]
        self.settings.values[name] = tuple(values)
        self._save()
        if name == "lifetime_enable" and self.status == Status.REGISTERED:
            self._schedule_update()
        return []

    async def _qlastatus(self: Module, c: Checked) -> list[str]:
        return [f"+QLASTATUS: {self.status}"]

    async def _qlareg(self: Module, c: Checked) -> list[str]:
        if self.status == Status.REGISTERED:
            raise CmeError(33)
        if self.status in (Status.REGISTERING, Status.DEREGISTERING, Status.RECOVERING):
            raise CmeError(15)
        if self.config is None:
            raise CmeError(34)
        address = await self._resolve(self.config.server)
        if address is None:
            raise CmeError(34)
        self.status = Status.REGISTERING
        config = self.config
        self.later(lambda: self._register(config, address))
        return []

    async def _qlaupdate(self: Module, c: Checked) -> list[str]:
        self._require_registered()
        assert self.client is not None and self.config is not None
        mode, value = c.args["mode"], c.args["value"]
        if mode == 0:
            self._keep_config(self.config.with_(lifetime=value))
            exchange = await self.client.update(lifetime=value)
        else:
            self._keep_config(self.config.with_(binding=value))
            exchange = await self.client.update(binding=self.config.binding_text)

        async def finish() -> None:
            code = await status_of(exchange.result)
            self._after_update(code)
            self.urc(f"+QLAUPDATE: {code},{exchange.mid}")

        self.later(finish)
        return [f"+QLAUPDATE: {exchange.mid}"]

    async def _qladereg(self: Module, c: Checked) -> list[str]:
        self._require_registered()
        self.status = Status.DEREGISTERING
        self._cancel_timers()

        async def finish() -> None:
            assert self.client is not None
            code = await status_of(self.client.deregister())
            self.status = Status.DEREGISTERED
            self._parts.clear()
            self.urc(f"+QLADEREG: {code}")

        self.later(finish)
        return []

    async def _qlaaddobj(self: Module, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [
                f"+QLAADDOBJ: {o},{i},{len(r)}," + ",".join(map(str, r)) for o, i, r in self.objects.instances
            ]
        if self.status == Status.REGISTERING:
            raise CmeError(15)
        obj, inst = c.args["objectID"], c.args["instanceID"]
        if self.objects.refusal(obj, inst):
            raise CmeError(3)
        self.objects.add(obj, inst, c.args["resources"])
        self._save()
        self.later(lambda: self._objects_changed("+QLAADDOBJ"))
        return []

    async def _qladelobj(self: Module, c: Checked) -> list[str]:
        if self.status == Status.REGISTERING:
            raise CmeError(15)
        obj = c.args["objectID"]
        if not self.objects.has_object(obj):
            raise CmeError(3)
        self.objects.delete(obj)
        self._save()
        self.later(lambda: self._objects_changed("+QLADELOBJ"))
        return []

    def _pending(self: Module, mid: int, *ops: str) -> ServerRequest:
        """The pending server request with this message ID and one of these operations (else err 3)."""
        assert self.client is not None
        for request in self.client.pending():
            if request.mid == mid and request.op in ops:
                return request
        raise CmeError(3)

    async def _respond_with_value(self: Module, c: Checked, ops: tuple[str, ...], urc_name: str) -> list[str]:
        self._require_registered()
        a = c.args
        mid = a["messageID"]
        request = self._pending(mid, *ops)
        path = (a["objectID"], a["instanceID"], a["resourceID"])
        if not within(path, request.path):
            raise CmeError(3)
        coap = coap_code(READ_RESULTS[a["result"]])
        if a["result"] != 1:
            self._parts.pop(mid, None)
            self._answer(mid, coap, None, urc_name)
            return []
        parts = self._parts.setdefault(mid, {})
        add_part(parts, path, a["value"])
        if a["index"] != 0:
            return []
        del self._parts[mid]
        self._answer(mid, coap, parts, urc_name)
        return []

    def _answer(self, mid: int, code: Code, values: dict[tuple[int, int, int], Any] | None, urc_name: str) -> None:
        """Send the CoAP answer once the final result code is out, then print ``<urc_name>: <status_code>``."""
        async def send() -> None:
            assert self.client is not None
            try:
                status = await self.client.respond(mid, code, values)
            except KeyError:
                status = 1
            self.urc(f"{urc_name}: {status}")

        self.later(send)

    async def _qlardrsp(self: Module, c: Checked) -> list[str]:
        return await self._respond_with_value(c, ("read",), "+QLARDRSP")

    async def _qlaobsrsp(self: Module, c: Checked) -> list[str]:
        return await self._respond_with_value(c, ("observe", "cancel"), "+QLAOBSRSP")

    async def _respond_plain(self: Module, c: Checked, op: str, urc_name: str) -> list[str]:
        self._require_registered()
        mid = c.args["messageID"]
        self._pending(mid, op)  # err 3 unless such a request waits
        self._answer(mid, coap_code(EXEC_RESULTS[c.args["result"]]), None, urc_name)
        return []

    async def _qlawrrsp(self: Module, c: Checked) -> list[str]:
        return await self._respond_plain(c, "write", "+QLAWRRSP")

    async def _qlaexersp(self: Module, c: Checked) -> list[str]:
        return await self._respond_plain(c, "execute", "+QLAEXERSP")

    async def _qlanotify(self: Module, c: Checked) -> list[str]:
        self._require_registered()
        assert self.client is not None
        a = c.args
        path = (a["objectID"], a["instanceID"], a["resourceID"])
        if not any(within(path, observed) for observed in self.client.observations()):
            raise CmeError(3)
        parts = self._notify_parts.setdefault(path, {})
        add_part(parts, path, a["value"])
        if a["index"] != 0:
            return []
        del self._notify_parts[path]
        con = a.get("ack") == 1

        async def send() -> None:
            assert self.client is not None
            try:
                exchange = await self.client.notify(path, parts, con=con)
            except LookupError:
                self.urc("+QLANOTIFY: 3")
                return
            except Exception:
                log.exception("notify failed")
                self.urc("+QLANOTIFY: 1")
                return
            if con:
                self.urc(urc("report", exchange.mid))
            self.urc("+QLANOTIFY: 0")
            if con:
                code = await status_of(exchange.result)
                self.urc(urc("report_ack", code, exchange.mid))

        self.later(send)
        return []

    async def _qlasenddata(self: Module, c: Checked) -> list[str]:
        if self.settings.one("platform") != 2:
            raise CmeError(7)
        self._require_registered()
        value = c.args["value"]
        payload = value.encode() if isinstance(value, str) else bytes(value)
        con = c.args.get("ack") == 1

        async def send() -> None:
            assert self.client is not None
            try:
                exchange = await self.client.send(payload, con=con)
            except Exception:
                log.exception("send failed")
                self.urc("+QLASENDDATA: 2")
                return
            self.urc(f"+QLASENDDATA: 0,{exchange.mid}")
            if con:
                code = await status_of(exchange.result)
                self.urc(urc("send_ack", code, exchange.mid))

        self.later(send)
        return []

    async def _qlard(self: Module, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+QLARD: {len(self.buffer)}"]
        entry = self.buffer.pop()
        if entry is None:
            return ["+QLARD: 0"]
        return [f"+QLARD: {len(self.buffer)},{entry}"]

    async def _qlarecover(self: Module, c: Checked) -> list[str]:
        if self.status != Status.WAIT_RECOVER:
            raise CmeError(3)
        self.later(self._recover)
        return []
