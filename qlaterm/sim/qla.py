"""Handlers of the 16 QLA commands: configuration, registration, answers to server requests, notify, send."""

from __future__ import annotations

import logging

from aiocoap.numbers.codes import Code

from qlaterm.at.build import urc
from qlaterm.at.catalogue import CONFIG_SETTINGS, EXEC_RESULTS, READ_RESULTS, Form
from qlaterm.at.check import Checked
from qlaterm.at.codes import LwM2MState, StatusCode
from qlaterm.sim.answers import Parts, add_part, coap_code, status_of, within
from qlaterm.sim.basic import Handler
from qlaterm.sim.client.core import Held, LwM2MClient, ServerRequest
from qlaterm.sim.registration import Registration
from qlaterm.sim.settings import ServerConfig
from qlaterm.sim.state import ModuleState
from qlaterm.sim.status import CmeError
from qlaterm.sim.tasks import Tasks
from qlaterm.sim.terminal import Terminal

__all__ = ["QlaCommands"]

log = logging.getLogger("qlaterm.sim.module")


class QlaCommands:
    """The ``AT+QLA…`` handlers: they change the module's ``state``, drive its ``registration`` and
    print their asynchronous results on ``terminal`` once the command's ``OK`` is out (``tasks.later``)."""

    def __init__(self, state: ModuleState, terminal: Terminal, tasks: Tasks, registration: Registration) -> None:
        self._state = state
        self._terminal = terminal
        self._tasks = tasks
        self._registration = registration

    def handlers(self) -> dict[str, Handler]:
        """Each QLA command of the catalogue, by name."""
        return {
            "+QLACONFIG": self._qlaconfig,
            "+QLACFG": self._qlacfg,
            "+QLASTATUS": self._qlastatus,
            "+QLAREG": self._qlareg,
            "+QLAUPDATE": self._qlaupdate,
            "+QLADEREG": self._qladereg,
            "+QLAADDOBJ": self._qlaaddobj,
            "+QLADELOBJ": self._qladelobj,
            "+QLARDRSP": self._qlardrsp,
            "+QLAOBSRSP": self._qlaobsrsp,
            "+QLAWRRSP": self._qlawrrsp,
            "+QLAEXERSP": self._qlaexersp,
            "+QLANOTIFY": self._qlanotify,
            "+QLASENDDATA": self._qlasenddata,
            "+QLARD": self._qlard,
            "+QLARECOVER": self._qlarecover,
        }

    def _require_registered(self) -> LwM2MClient:
        """The client of the registration; err 15 while registering or de-registering, else err 4 unless
        registered."""
        status, client = self._state.status, self._registration.client
        if status in (LwM2MState.REGISTERING, LwM2MState.DEREGISTERING):
            raise CmeError(15)
        if status != LwM2MState.REGISTERED or client is None:
            raise CmeError(4)
        return client

    async def _qlaconfig(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            if self._state.config is None or self._state.config.bootstrap:
                return []
            return [self._state.config.query_line()]
        if self._state.status in (LwM2MState.REGISTERING, LwM2MState.REGISTERED, LwM2MState.DEREGISTERING):
            raise CmeError(32)
        a = c.args
        self._state.config = ServerConfig.from_args(a)
        return []

    async def _qlacfg(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [self._state.settings.line(name) for name in CONFIG_SETTINGS]
        name, values = c.args["name"], c.args["values"]
        if values is None:
            return [self._state.settings.line(name)]
        with self._state.saving():
            self._state.settings.values[name] = tuple(values)
        if name == "lifetime_enable" and self._state.status == LwM2MState.REGISTERED:
            self._registration.schedule_update()
        return []

    async def _qlastatus(self, c: Checked) -> list[str]:
        return [f"+QLASTATUS: {self._state.status}"]

    async def _qlareg(self, c: Checked) -> list[str]:
        if self._state.status == LwM2MState.REGISTERED:
            raise CmeError(33)
        if self._state.status in (LwM2MState.REGISTERING, LwM2MState.DEREGISTERING, LwM2MState.RECOVERING):
            raise CmeError(15)
        if self._state.config is None:
            raise CmeError(34)
        address = await self._registration.resolve(self._state.config)
        if address is None:
            raise CmeError(34)
        self._state.status = LwM2MState.REGISTERING
        config = self._state.config
        self._tasks.later(lambda: self._registration.register(config, address))
        return []

    async def _qlaupdate(self, c: Checked) -> list[str]:
        client = self._require_registered()
        config = self._state.config
        assert config is not None  # a registration has a configuration
        mode, value = c.args["mode"], c.args["value"]
        new = config.with_(lifetime=value) if mode == 0 else config.with_(binding=value)
        with self._state.saving():
            self._state.config = self._state.saved_server = new
        if mode == 0:
            exchange = await client.update(lifetime=value)
        else:
            exchange = await client.update(binding=new.binding_text)

        async def finish() -> None:
            code = await status_of(exchange.result)
            self._registration.after_update(code)
            self._terminal.urc(f"+QLAUPDATE: {code},{exchange.mid}")

        self._tasks.later(finish)
        return [f"+QLAUPDATE: {exchange.mid}"]

    async def _qladereg(self, c: Checked) -> list[str]:
        client = self._require_registered()
        self._state.status = LwM2MState.DEREGISTERING
        self._registration.cancel_timers()

        async def finish() -> None:
            code = await status_of(client.deregister())
            self._state.status = LwM2MState.DEREGISTERED
            self._state.parts.clear()
            self._terminal.urc(f"+QLADEREG: {code}")

        self._tasks.later(finish)
        return []

    async def _qlaaddobj(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [
                f"+QLAADDOBJ: {o},{i},{len(r)}," + ",".join(map(str, r)) for o, i, r in self._state.objects.instances
            ]
        if self._state.status == LwM2MState.REGISTERING:
            raise CmeError(15)
        obj, inst = c.args["objectID"], c.args["instanceID"]
        if self._state.objects.refusal(obj, inst):
            raise CmeError(3)
        with self._state.saving():
            self._state.objects.add(obj, inst, c.args["resources"])
        self._tasks.later(lambda: self._registration.objects_changed("+QLAADDOBJ"))
        return []

    async def _qladelobj(self, c: Checked) -> list[str]:
        if self._state.status == LwM2MState.REGISTERING:
            raise CmeError(15)
        obj = c.args["objectID"]
        if not self._state.objects.has_object(obj):
            raise CmeError(3)
        with self._state.saving():
            self._state.objects.delete(obj)
        self._tasks.later(lambda: self._registration.objects_changed("+QLADELOBJ"))
        return []

    @staticmethod
    def _pending(client: LwM2MClient, mid: int, *ops: str) -> ServerRequest:
        """The pending server request with this message ID and one of these operations (else err 3)."""
        for request in client.pending():
            if request.mid == mid and request.op in ops:
                return request
        raise CmeError(3)

    async def _respond_with_value(self, c: Checked, ops: tuple[str, ...], urc_name: str) -> list[str]:
        client = self._require_registered()
        a = c.args
        mid = a["messageID"]
        request = self._pending(client, mid, *ops)
        path = (a["objectID"], a["instanceID"], a["resourceID"])
        if not within(path, request.path):
            raise CmeError(3)
        coap = coap_code(READ_RESULTS[a["result"]])
        if a["result"] != 1:
            self._state.parts.pop(mid, None)
            self._answer(client, mid, coap, None, urc_name)
            return []
        parts = self._state.parts.setdefault(mid, {})
        add_part(parts, path, a["value"])
        if a["index"] != 0:
            return []
        del self._state.parts[mid]
        self._answer(client, mid, coap, parts, urc_name)
        return []

    def _answer(
        self, client: LwM2MClient, mid: int, code: Code, values: Parts | None, urc_name: str
    ) -> None:
        """Send the CoAP answer once the final result code is out, then print ``<urc_name>: <status_code>``."""

        async def send() -> None:
            try:
                status = await client.respond(mid, code, values)
            except KeyError:
                status = StatusCode.TIMEOUT
            self._terminal.urc(f"{urc_name}: {status}")

        self._tasks.later(send)

    async def _qlardrsp(self, c: Checked) -> list[str]:
        return await self._respond_with_value(c, ("read",), "+QLARDRSP")

    async def _qlaobsrsp(self, c: Checked) -> list[str]:
        return await self._respond_with_value(c, ("observe", "cancel"), "+QLAOBSRSP")

    async def _respond_plain(self, c: Checked, op: str, urc_name: str) -> list[str]:
        client = self._require_registered()
        mid = c.args["messageID"]
        self._pending(client, mid, op)  # err 3 unless such a request waits
        self._answer(client, mid, coap_code(EXEC_RESULTS[c.args["result"]]), None, urc_name)
        return []

    async def _qlawrrsp(self, c: Checked) -> list[str]:
        return await self._respond_plain(c, "write", "+QLAWRRSP")

    async def _qlaexersp(self, c: Checked) -> list[str]:
        return await self._respond_plain(c, "execute", "+QLAEXERSP")

    async def _qlanotify(self, c: Checked) -> list[str]:
        client = self._require_registered()
        a = c.args
        path = (a["objectID"], a["instanceID"], a["resourceID"])
        if not any(within(path, observed) for observed in client.observations()):
            raise CmeError(3)
        parts = self._state.notify_parts.setdefault(path, {})
        add_part(parts, path, a["value"])
        if a["index"] != 0:
            return []
        del self._state.notify_parts[path]
        con = a.get("ack") == 1

        async def send() -> None:
            try:
                exchange = await client.notify(path, parts, con=con)
            except LookupError:
                self._terminal.urc("+QLANOTIFY: 3")
                return
            except Exception:
                log.exception("notify failed")
                self._terminal.urc("+QLANOTIFY: 1")
                return
            if isinstance(exchange, Held):  # sent before pmin: the answer now, the report when it leaves
                self._terminal.urc(f"+QLANOTIFY: {StatusCode.SUCCESS}")
                sent = await exchange.sent
                if con and sent is not None:
                    self._terminal.urc(urc("report", sent.mid))
                    code = await status_of(sent.result)
                    self._terminal.urc(urc("report_ack", code, sent.mid))
                return
            if con:
                self._terminal.urc(urc("report", exchange.mid))
            self._terminal.urc(f"+QLANOTIFY: {StatusCode.SUCCESS}")
            if con:
                code = await status_of(exchange.result)
                self._terminal.urc(urc("report_ack", code, exchange.mid))

        self._tasks.later(send)
        return []

    async def _qlasenddata(self, c: Checked) -> list[str]:
        if self._state.settings.one("platform") != 2:
            raise CmeError(7)
        client = self._require_registered()
        value = c.args["value"]
        payload = value.encode() if isinstance(value, str) else bytes(value)
        con = c.args.get("ack") == 1

        async def send() -> None:
            try:
                exchange = await client.send(payload, con=con)
            except Exception:
                log.exception("send failed")
                self._terminal.urc(f"+QLASENDDATA: {StatusCode.NOT_SENT}")
                return
            self._terminal.urc(f"+QLASENDDATA: {StatusCode.SUCCESS},{exchange.mid}")
            if con:
                code = await status_of(exchange.result)
                self._terminal.urc(urc("send_ack", code, exchange.mid))

        self._tasks.later(send)
        return []

    async def _qlard(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+QLARD: {len(self._state.buffer)}"]
        entry = self._state.buffer.pop()
        if entry is None:
            return ["+QLARD: 0"]
        return [f"+QLARD: {len(self._state.buffer)},{entry}"]

    async def _qlarecover(self, c: Checked) -> list[str]:
        if self._state.status != LwM2MState.WAIT_RECOVER:
            raise CmeError(3)
        self._tasks.later(self._registration.recover)
        return []
