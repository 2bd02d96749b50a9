"""The simulated BC26: an AT interpreter in front of a real LwM2M client.

Bytes come in through ``feed`` (from a pty, a TCP socket or the console's in-memory link) and go out
through the writer given to ``attach``.  Every command line gets exactly one final result code; results
that depend on the network (``+QLAREG: 0`` …) and URCs come on their own lines after it, never in the
middle of a response.  Argument checks come from ``qlaterm.at.check``, the same code the console uses to
warn before it sends, so both sides agree on every ``+CME ERROR``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from qlaterm.at.catalogue import CONFIG_SETTINGS, EXEC_RESULTS, READ_RESULTS, Form, error_text
from qlaterm.at.check import Checked, Rejected, check_line
from qlaterm.at.framing import MAX_LINE, decode_line

from .lwm2m.client import DeviceInfo, LwM2MClient, Retransmit, ServerRequest, ServerTarget
from .nvm import Nvm
from .settings import CustomObjects, ServerConfig, Settings, update_interval
from .urcbuffer import UrcBuffer

__all__ = ["BANNER", "FIRMWARE", "CmeError", "Module", "Status"]

log = logging.getLogger(__name__)

FIRMWARE = "BC26NBR01A08"
BANNER_ROM = (
    "F1: 0000 0000",
    "V0: 0000 0000 [0001]",
    "00: 0006 000C",
    "01: 0000 0000",
    "U0: 0000 0001 [0000]",
    "T0: 0000 00B4",
    "Leaving the BROM",
)
BANNER = (*BANNER_ROM, "RDY", "+CFUN: 1", "+CPIN: READY", "+IP: {ip}")
"""The power-on output; the ROM lines come bare, the rest framed like every response."""


class Status:
    """``+QLASTATUS`` values."""

    NOT_REGISTERED = 0
    REGISTERING = 1
    REGISTERED = 2
    DEREGISTERING = 3
    DEREGISTERED = 4
    INVALID = 5
    RECOVERING = 6
    WAIT_RECOVER = 7


class CmeError(Exception):
    """Ends a command with ``+CME ERROR: <code>``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


_COAP_CODES = {"2.04": 68, "2.05": 69, "4.00": 128, "4.01": 129, "4.04": 132, "4.05": 133, "4.06": 134}


@dataclass
class _Parts:
    """Parts of a multi-part answer (index N-1 … 0) collected for one message ID or path."""

    values: dict[tuple[int, int, int], Any]


class Module:
    """One simulated BC26 module.

    ``time_scale`` multiplies every timer of the module (update interval, lifetime, retransmission waits,
    the 60 s request timeout) so that demos and tests can fast-forward time without changing behaviour.
    """

    def __init__(
        self,
        *,
        imei: str = "866971030603068",
        imsi: str = "460111174747875",
        nvm: Nvm | None = None,
        bind_host: str = "127.0.0.1",
        hosts: dict[str, str] | None = None,
        time_scale: float = 1.0,
        request_timeout: float = 60.0,
    ) -> None:
        self.imei = imei
        self.imsi = imsi
        self.nvm = nvm or Nvm(None)
        self.bind_host = bind_host
        self.hosts = dict(hosts or {})
        self.time_scale = time_scale
        self.request_timeout = request_timeout
        self._write: Callable[[bytes], None] | None = None
        self._input = bytearray()
        self._overflow = False
        self._queue: asyncio.Queue[tuple[str, bool]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = False
        self._deferred: list[str] = []
        self._later: list[Callable[[], Awaitable[None]]] = []
        self.asleep = False
        self.powered = False
        self._status = Status.NOT_REGISTERED
        self._status_changed = asyncio.Condition()
        self._load()
        self._reset_runtime()

    # ------------------------------------------------------------------ state
    def _load(self) -> None:
        data = self.nvm.load()
        self.settings = Settings.from_json(data.get("settings"))
        self.objects = CustomObjects.from_json(data.get("objects"))
        self.saved_server = ServerConfig.from_json(data.get("server"))
        self.saved_observations: list[list[int]] = [
            list(p) for p in data.get("observations", []) if isinstance(p, list)
        ]

    def _save(self) -> None:
        self.nvm.save(
            {
                "settings": self.settings.to_json(),
                "objects": self.objects.to_json(),
                "server": self.saved_server.to_json() if self.saved_server else None,
                "observations": self.saved_observations,
            }
        )

    def _reset_runtime(self) -> None:
        """State that a reboot forgets."""
        self.echo = True
        self.cmee = 1
        self.status = Status.NOT_REGISTERED
        self.config: ServerConfig | None = self.saved_server
        self.buffer = UrcBuffer()
        self._parts: dict[int, _Parts] = {}
        self._notify_parts: dict[tuple[int, int, int], _Parts] = {}
        self._update_timer: asyncio.TimerHandle | None = None
        self._expiry_timer: asyncio.TimerHandle | None = None
        self._registered_at = 0.0
        self.client: LwM2MClient | None = None

    @property
    def status(self) -> int:
        """``+QLASTATUS``: 0 not registered … 7 waiting for AT+QLARECOVER."""
        return self._status

    @status.setter
    def status(self, value: int) -> None:
        if value != self._status:
            self._status = value
            self._spawn(self._announce_status())

    async def _announce_status(self) -> None:
        async with self._status_changed:
            self._status_changed.notify_all()

    async def wait_for_status(self, *wanted: int) -> int:
        """Wait until the LwM2M status is one of ``wanted`` (a control API for tools and tests)."""
        async with self._status_changed:
            await self._status_changed.wait_for(lambda: self._status in wanted)
        return self._status

    # ------------------------------------------------------------------ I/O
    def attach(self, write: Callable[[bytes], None]) -> None:
        """Send the module's output to ``write`` (a pty, a socket, the console's link)."""
        self._write = write

    def _out(self, data: bytes) -> None:
        if self._write is not None:
            try:
                self._write(data)
            except Exception:  # the terminal went away; the module keeps running
                log.debug("output dropped", exc_info=True)

    def _line(self, text: str) -> None:
        self._out(b"\r\n" + text.encode() + b"\r\n")

    def urc(self, text: str) -> None:
        """Print an unsolicited line, after the response of a command in progress."""
        if self._busy:
            self._deferred.append(text)
        else:
            self._line(text)

    def feed(self, data: bytes) -> None:
        """Bytes typed by the terminal: echoed as they arrive, executed line by line."""
        if not self.powered or self.asleep:
            return
        if self.echo:
            self._out(data)
        for byte in data:
            if byte in (0x0D, 0x0A):
                if self._input or self._overflow:
                    self._queue.put_nowait((bytes(self._input).decode("latin-1"), self._overflow))
                self._input.clear()
                self._overflow = False
            elif byte in (0x08, 0x7F):
                if self._input:
                    self._input.pop()
            elif len(self._input) >= MAX_LINE:
                self._overflow = True
            else:
                self._input.append(byte)

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        """Power on: boot banner, then commands are served."""
        self.powered = True
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._serve(), name="bc26-at")
        self._banner()

    def _banner(self) -> None:
        for text in BANNER_ROM:
            self._out(text.encode() + b"\r\n")
        for text in BANNER[len(BANNER_ROM) :]:
            self._line(text.format(ip=self.bind_host))

    async def close(self) -> None:
        """Power off for good."""
        self.powered = False
        self._cancel_timers()
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.close()
            self.client = None

    async def reboot(self) -> None:
        """``AT+QRST=1``: forget the session, keep the NVM, print the banner again."""
        self._cancel_timers()
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        if self.client is not None:
            await self.client.close()
        self._input.clear()
        self._load()
        self._reset_runtime()
        self._banner()

    async def deep_sleep(self) -> None:
        """Enter deep sleep: no AT, no network; the registration and observations are kept."""
        if self.asleep:
            return
        self.asleep = True
        self._cancel_timers()
        self._sleep_started = time.monotonic()
        if self.client is not None:
            await self.client.suspend()

    async def wake(self) -> None:
        """Wake from deep sleep: the banner, then session recovery as ``recovery_mode`` says."""
        if not self.asleep:
            return
        self.asleep = False
        self._input.clear()
        self._banner()
        alive = (
            self.client is not None
            and self.status == Status.REGISTERED
            and self.config is not None
            and time.monotonic() - self._registered_at < self.config.lifetime * self.time_scale
        )
        if not alive:
            if self.status == Status.REGISTERED:
                self.status = Status.INVALID
            return
        if self.settings.one("recovery_mode") == 1:
            self.status = Status.WAIT_RECOVER
            return
        self._spawn(self._recover())

    async def _recover(self) -> None:
        assert self.client is not None
        self.status = Status.RECOVERING
        code = await _status(self.client.resume())
        self._after_registration(code)
        self.urc(f'+QLAURC: "recovered",{code}')

    # ------------------------------------------------------------------ command loop
    async def _serve(self) -> None:
        while True:
            text, overflow = await self._queue.get()
            if self.asleep:
                continue
            self._busy = True
            self._later = []
            try:
                await self._execute(text, overflow)
            finally:
                self._busy = False
                deferred, self._deferred = self._deferred, []
                for line in deferred:
                    self._line(line)
            for action in self._later:
                self._spawn(action())
            self._later = []

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("module task failed", exc_info=task.exception())

    def later(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the current command's final result code is out."""
        self._later.append(action)

    async def _execute(self, raw: str, overflow: bool) -> None:
        text, bad = decode_line(raw.encode("latin-1"))
        if overflow or bad:
            self._line("ERROR")
            return
        checked = check_line(text)
        if isinstance(checked, Rejected):
            self._error(checked.code, checked.message)
            return
        handler = self._handlers.get(checked.name)
        if handler is None:
            self._line("ERROR")
            return
        try:
            lines = await handler(self, checked)
        except CmeError as exc:
            self._error(exc.code, error_text(exc.code))
            self._later = []
            return
        except Exception:
            log.exception("command failed: %s", text)
            self._error(1, error_text(1))
            self._later = []
            return
        for line in lines:
            self._line(line)
        self._line("OK")

    def _error(self, code: int | None, message: str) -> None:
        if code is None or self.cmee == 0:
            self._line("ERROR")
        elif self.cmee == 2:
            self._line(f"+CME ERROR: {message}")
        else:
            self._line(f"+CME ERROR: {code}")

    # ------------------------------------------------------------------ basic commands
    async def _at(self, c: Checked) -> list[str]:
        return []

    async def _ate(self, c: Checked) -> list[str]:
        self.echo = c.name.endswith("1")  # plain ATE means ATE0
        return []

    async def _ati(self, c: Checked) -> list[str]:
        return ["Quectel", "BC26", f"Revision: {FIRMWARE}"]

    async def _cgmr(self, c: Checked) -> list[str]:
        return [f"Revision: {FIRMWARE}"]

    async def _cgsn(self, c: Checked) -> list[str]:
        return [f"+CGSN: {self.imei}"]

    async def _cimi(self, c: Checked) -> list[str]:
        return [self.imsi]

    async def _cfun(self, c: Checked) -> list[str]:
        return ["+CFUN: 1"]

    async def _cereg(self, c: Checked) -> list[str]:
        return ["+CEREG: 0,1"]

    async def _csq(self, c: Checked) -> list[str]:
        return ["+CSQ: 25,0"]

    async def _cgpaddr(self, c: Checked) -> list[str]:
        return [f'+CGPADDR: 1,"{self.bind_host}"']

    async def _cmee(self, c: Checked) -> list[str]:
        if c.name.endswith("?"):
            return [f"+CMEE: {self.cmee}"]
        self.cmee = int(c.name[-1])
        return []

    async def _qrst(self, c: Checked) -> list[str]:
        self.later(self.reboot)
        return []

    # ------------------------------------------------------------------ QLA commands
    def _require_registered(self) -> None:
        if self.status in (Status.REGISTERING, Status.DEREGISTERING):
            raise CmeError(15)
        if self.status != Status.REGISTERED or self.client is None:
            raise CmeError(4)

    async def _qlaconfig(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
        if c.form is Form.QUERY:
            if self.config is None or self.config.bootstrap:
                return []
            return [self.config.query_line()]
        if self.status in (Status.REGISTERING, Status.REGISTERED, Status.DEREGISTERING):
            raise CmeError(32)
        a = c.args
        self.config = ServerConfig(
            bootstrap=a["bs_flag"] == 1,
            server=a["server"],
            port=a["port"],
            endpoint=a["endpoint_name"],
            lifetime=a["lifetime"],
            security_mode=a["security_mode"],
            psk_id=a.get("PSK_ID"),
            psk=a.get("PSK"),
            binding=a["binding_mode"],
        )
        return []

    async def _qlacfg(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
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

    async def _qlastatus(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return []
        return [f"+QLASTATUS: {self.status}"]

    async def _qlareg(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return []
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

    async def _resolve(self, name: str) -> str | None:
        """The server's IP address; None when the name does not resolve (err 34)."""
        name = self.hosts.get(name, name)
        try:
            ipaddress.ip_address(name)
            return name
        except ValueError:
            pass
        try:
            infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(name, None), 0.25)
        except (OSError, TimeoutError):
            return None
        return str(infos[0][4][0]) if infos else None

    def _target(self, config: ServerConfig, address: str) -> ServerTarget:
        return ServerTarget(
            host=address,
            port=config.port,
            endpoint=config.endpoint,
            lifetime=config.lifetime,
            binding=config.binding_text,
            security_mode=config.security_mode,
            psk_id=config.psk_id,
            psk=bytes.fromhex(config.psk) if config.psk else None,
            bootstrap=config.bootstrap,
        )

    def _new_client(self) -> LwM2MClient:
        return LwM2MClient(
            self,
            objects=self.objects.tree,
            device=self._device_info,
            retransmit=self._retransmit,
            bind_host=self.bind_host,
            request_timeout=self.request_timeout * self.time_scale,
        )

    def _device_info(self) -> DeviceInfo:
        return DeviceInfo(imei=self.imei, firmware=FIRMWARE, device_type=str(self.settings.one("cfg_res")),
                          ip=self.bind_host)

    def _retransmit(self) -> Retransmit:
        ack_timeout, max_times = self.settings.get("retransmit")
        return Retransmit(ack_timeout=float(ack_timeout) * self.time_scale, max_retransmit=int(max_times))

    async def _register(self, config: ServerConfig, address: str) -> None:
        if self.client is not None:
            await self.client.close()
        self.client = self._new_client()
        target = self._target(config, address)
        if config.bootstrap:
            try:
                code, assigned = await self.client.bootstrap(target)
            except Exception:
                log.exception("bootstrap failed")
                code, assigned = 2, None
            if code != 0 or assigned is None:
                self.status = Status.NOT_REGISTERED
                self.urc(f"+QLAREG: {code or 1}")
                return
            target = assigned
            config = ServerConfig(
                bootstrap=False,
                server=assigned.host,
                port=assigned.port,
                endpoint=assigned.endpoint or config.endpoint,
                lifetime=assigned.lifetime,
                security_mode=assigned.security_mode,
                psk_id=assigned.psk_id,
                psk=assigned.psk.hex().upper() if assigned.psk else None,
                binding=1 if assigned.binding == "UQ" else 0,
            )
        code = await _status(self.client.register(target))
        if code == 0:
            self.config = config
            self.saved_server = config
            self._save()
        self._after_registration(code)
        self.urc(f"+QLAREG: {code}")

    def _after_registration(self, code: int) -> None:
        """Status and timers after a Register, an Update or a recovery."""
        if code == 0:
            self.status = Status.REGISTERED
            self._registered_at = time.monotonic()
            self._schedule_update()
        else:
            self.status = Status.NOT_REGISTERED if self.status == Status.REGISTERING else Status.INVALID
            self._cancel_timers()

    def _cancel_timers(self) -> None:
        for timer in (self._update_timer, self._expiry_timer):
            if timer is not None:
                timer.cancel()
        self._update_timer = self._expiry_timer = None

    def _schedule_update(self) -> None:
        """Arm the automatic Update (lifetime_enable 1) and the lifetime expiry."""
        self._cancel_timers()
        if self.config is None:
            return
        loop = asyncio.get_running_loop()
        lifetime = self.config.lifetime
        self._expiry_timer = loop.call_later(lifetime * self.time_scale, self._expired)
        if self.settings.one("lifetime_enable") == 1:
            delay = max(update_interval(lifetime), 1) * self.time_scale
            self._update_timer = loop.call_later(delay, lambda: self._spawn(self._ping()))

    def _expired(self) -> None:
        if self.status == Status.REGISTERED:
            self.status = Status.INVALID
            self._cancel_timers()

    async def _ping(self) -> None:
        if self.client is None or self.status != Status.REGISTERED:
            return
        exchange = await self.client.update()
        code = await _status(exchange.result)
        self._after_update(code)
        self.urc(f'+QLAURC: "ping",{code}')

    def _after_update(self, code: int) -> None:
        if code == 0:
            self._registered_at = time.monotonic()
            self._schedule_update()
        else:
            self.status = Status.INVALID
            self._cancel_timers()

    async def _qlaupdate(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
        self._require_registered()
        assert self.client is not None and self.config is not None
        mode, value = c.args["mode"], c.args["value"]
        if mode == 0:
            self.config.lifetime = value
            exchange = await self.client.update(lifetime=value)
        else:
            self.config.binding = value
            exchange = await self.client.update(binding="UQ" if value else "U")
        self.saved_server = self.config
        self._save()

        async def finish() -> None:
            code = await _status(exchange.result)
            self._after_update(code)
            self.urc(f"+QLAUPDATE: {code},{exchange.mid}")

        self.later(finish)
        return [f"+QLAUPDATE: {exchange.mid}"]

    async def _qladereg(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return []
        self._require_registered()
        self.status = Status.DEREGISTERING
        self._cancel_timers()

        async def finish() -> None:
            assert self.client is not None
            code = await _status(self.client.deregister())
            self.status = Status.DEREGISTERED
            self._parts.clear()
            self.urc(f"+QLADEREG: {code}")

        self.later(finish)
        return []

    async def _objects_changed(self, urc_name: str) -> None:
        """After ADDOBJ/DELOBJ: an Update with the new object list when registered, then the result."""
        code = 0
        if self.client is not None and self.status == Status.REGISTERED:
            exchange = await self.client.update(with_objects=True)
            code = await _status(exchange.result)
            self._after_update(code)
        self.urc(f"{urc_name}: {code}")

    async def _qlaaddobj(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
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

    async def _qladelobj(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
        if self.status == Status.REGISTERING:
            raise CmeError(15)
        obj = c.args["objectID"]
        if not self.objects.has_object(obj):
            raise CmeError(3)
        self.objects.delete(obj)
        self.saved_observations = [p for p in self.saved_observations if p[0] != obj]
        self._save()
        self.later(lambda: self._objects_changed("+QLADELOBJ"))
        return []

    def _pending(self, mid: int, *ops: str) -> ServerRequest:
        """The pending server request with this message ID and one of these operations (else err 3)."""
        assert self.client is not None
        for request in self.client.pending():
            if request.mid == mid and request.op in ops:
                return request
        raise CmeError(3)

    async def _respond_with_value(self, c: Checked, ops: tuple[str, ...], urc_name: str) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
        self._require_registered()
        a = c.args
        mid = a["messageID"]
        request = self._pending(mid, *ops)
        path = (a["objectID"], a["instanceID"], a["resourceID"])
        if not _within(path, request.path):
            raise CmeError(3)
        coap = _COAP_CODES[READ_RESULTS[a["result"]]]
        if a["result"] != 1:
            self._parts.pop(mid, None)
            self._answer(mid, coap, None, urc_name, request)
            return []
        parts = self._parts.setdefault(mid, _Parts({}))
        _add_part(parts, path, a["value"])
        if a["index"] != 0:
            return []
        del self._parts[mid]
        self._answer(mid, coap, parts.values, urc_name, request)
        return []

    def _answer(
        self, mid: int, code: int, values: dict[tuple[int, int, int], Any] | None, urc_name: str,
        request: ServerRequest,
    ) -> None:
        async def send() -> None:
            assert self.client is not None
            try:
                status = await self.client.respond(mid, _code(code), values)
            except KeyError:
                status = 1
            if request.op == "observe" and code == 69 and status == 0:
                if list(request.path) not in self.saved_observations:
                    self.saved_observations.append(list(request.path))
                    self._save()
            elif request.op == "cancel":
                self.saved_observations = [p for p in self.saved_observations if tuple(p) != request.path]
                self._save()
            self.urc(f"{urc_name}: {status}")

        self.later(send)

    async def _qlardrsp(self, c: Checked) -> list[str]:
        return await self._respond_with_value(c, ("read",), "+QLARDRSP")

    async def _qlaobsrsp(self, c: Checked) -> list[str]:
        return await self._respond_with_value(c, ("observe", "cancel"), "+QLAOBSRSP")

    async def _respond_plain(self, c: Checked, op: str, urc_name: str) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
        self._require_registered()
        mid = c.args["messageID"]
        request = self._pending(mid, op)
        self._answer(mid, _COAP_CODES[EXEC_RESULTS[c.args["result"]]], None, urc_name, request)
        return []

    async def _qlawrrsp(self, c: Checked) -> list[str]:
        return await self._respond_plain(c, "write", "+QLAWRRSP")

    async def _qlaexersp(self, c: Checked) -> list[str]:
        return await self._respond_plain(c, "execute", "+QLAEXERSP")

    async def _qlanotify(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
        self._require_registered()
        assert self.client is not None
        a = c.args
        path = (a["objectID"], a["instanceID"], a["resourceID"])
        if not any(_within(path, observed) for observed in self.client.observations()):
            raise CmeError(3)
        parts = self._notify_parts.setdefault(path, _Parts({}))
        _add_part(parts, path, a["value"])
        if a["index"] != 0:
            return []
        del self._notify_parts[path]
        con = a.get("ack") == 1

        async def send() -> None:
            assert self.client is not None
            try:
                exchange = await self.client.notify(path, parts.values, con=con)
            except LookupError:
                self.urc("+QLANOTIFY: 3")
                return
            except Exception:
                log.exception("notify failed")
                self.urc("+QLANOTIFY: 1")
                return
            if con:
                self.urc(f'+QLAURC: "report",{exchange.mid}')
            self.urc("+QLANOTIFY: 0")
            if con:
                code = await _status(exchange.result)
                self.urc(f'+QLAURC: "report_ack",{code},{exchange.mid}')

        self.later(send)
        return []

    async def _qlasenddata(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return list(c.command.test) if c.command else []
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
                code = await _status(exchange.result)
                self.urc(f'+QLAURC: "send_ack",{code},{exchange.mid}')

        self.later(send)
        return []

    async def _qlard(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return []
        if c.form is Form.QUERY:
            return [f"+QLARD: {len(self.buffer)}"]
        entry = self.buffer.pop()
        if entry is None:
            return ["+QLARD: 0"]
        return [f"+QLARD: {len(self.buffer)},{entry}"]

    async def _qlarecover(self, c: Checked) -> list[str]:
        if c.form is Form.TEST:
            return []
        if self.status != Status.WAIT_RECOVER:
            raise CmeError(3)
        self.later(self._recover)
        return []

    _handlers: dict[str, Callable[[Module, Checked], Awaitable[list[str]]]] = {
        "AT": _at,
        "ATE": _ate,
        "ATE0": _ate,
        "ATE1": _ate,
        "ATI": _ati,
        "AT+CGMR": _cgmr,
        "AT+CGSN=1": _cgsn,
        "AT+CIMI": _cimi,
        "AT+CFUN?": _cfun,
        "AT+CEREG?": _cereg,
        "AT+CSQ": _csq,
        "AT+CGPADDR?": _cgpaddr,
        "AT+CGPADDR": _cgpaddr,
        "AT+CMEE=0": _cmee,
        "AT+CMEE=1": _cmee,
        "AT+CMEE=2": _cmee,
        "AT+CMEE?": _cmee,
        "AT+QRST=1": _qrst,
        "+QLACONFIG": _qlaconfig,
        "+QLACFG": _qlacfg,
        "+QLASTATUS": _qlastatus,
        "+QLAREG": _qlareg,
        "+QLAUPDATE": _qlaupdate,
        "+QLADEREG": _qladereg,
        "+QLAADDOBJ": _qlaaddobj,
        "+QLADELOBJ": _qladelobj,
        "+QLARDRSP": _qlardrsp,
        "+QLAOBSRSP": _qlaobsrsp,
        "+QLAWRRSP": _qlawrrsp,
        "+QLAEXERSP": _qlaexersp,
        "+QLANOTIFY": _qlanotify,
        "+QLASENDDATA": _qlasenddata,
        "+QLARD": _qlard,
        "+QLARECOVER": _qlarecover,
    }

    # ------------------------------------------------------------------ ClientHandler (network → URCs)
    def on_request(self, request: ServerRequest) -> bool:
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
            self._spawn(client.respond(request.mid, _code(69), None))
        return True

    def _buffer_urc(self, data: str) -> None:
        if self.buffer.push(data):
            self.urc('+QLAURC: "buffer"')

    def _buffered_or_direct(self, data: str) -> None:
        """The non-request URCs of the buffer table: buffered in access_mode 1 while there is room."""
        if self.settings.one("access_mode") == 1 and self.buffer.has_room(1):
            self._buffer_urc(data)
        else:
            self.urc(f"+QLAURC: {data}")

    def _request_urcs(self, request: ServerRequest) -> list[str]:
        mid = request.mid
        path = list(request.path) + [-1] * (3 - len(request.path))
        o, i, r = path[:3]
        if request.op == "read":
            extra = f',"{request.uri_query}"' if request.uri_query else ""
            return [f'"read",{mid},{o},{i},{r}{extra}']
        if request.op == "execute":
            return [f'"execute",{mid},{o},{i},{r}']
        if request.op in ("observe", "cancel"):
            return [f'"observe",{mid},{1 if request.op == "cancel" else 0},{o},{i},{r}']
        token = f",{request.token.hex()}" if self.settings.one("platform") == 2 and request.token else ""
        items = sorted(request.values.items()) or [((o, max(i, 0), max(r, 0)), b"")]
        lines = []
        for index, (res_path, value) in zip(range(len(items) - 1, -1, -1), items, strict=True):
            if isinstance(value, str):
                vt, length, text = 1, len(value), value
            else:
                from .lwm2m.codec import scalar_bytes

                raw = value if isinstance(value, bytes) else scalar_bytes(value)
                vt, length, text = 2, len(raw), raw.hex().upper()
            ro, ri, rr = res_path[:3]
            lines.append(f'"write",{mid},{ro},{ri},{rr},{vt},{length},"{text}",{index}{token}')
        return lines

    def on_request_expired(self, mid: int) -> None:
        self._parts.pop(mid, None)

    def on_server_write(self, path: tuple[int, int, int], value: Any, bootstrap: bool) -> None:
        """The server changed lifetime (/1/x/1) or binding (/1/x/7)."""
        if path[0] != 1:
            return
        if path[2] == 1:
            lifetime = _as_int(value)
            if lifetime is None:
                return
            if self.config is not None and not bootstrap:
                self.config.lifetime = lifetime
                self.saved_server = self.config
                self._save()
                if self.status == Status.REGISTERED:
                    self._schedule_update()
            self._buffered_or_direct(f'"lifetime_changed",{lifetime}')
        elif path[2] == 7:
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            binding = "UQ" if text.strip().upper() == "UQ" else "U"
            if self.config is not None and not bootstrap:
                self.config.binding = 1 if binding == "UQ" else 0
                self.saved_server = self.config
                self._save()
            self.urc(f'+QLAURC: "binding_changed",{binding}')

    def on_builtin_execute(self, path: tuple[int, int, int]) -> None:
        self._buffered_or_direct(f'"execute",0,{path[0]},{path[1]},{path[2]}')

    def on_bootstrap_finished(self) -> None:
        self._buffered_or_direct('"bs_finished"')

    def on_notify_reset(self, mid: int) -> None:
        self.urc(f'+QLAURC: "lw_event",0,9,{mid}')


async def _status(outcome: Awaitable[int]) -> int:
    """The status code of a network exchange; a failure to send at all is status 2 (packet not sent)."""
    try:
        return int(await outcome)
    except Exception:
        log.exception("network exchange failed")
        return 2


def _within(path: tuple[int, ...], scope: tuple[int, ...]) -> bool:
    """Is ``path`` the scope itself or below it?  (-1 in a scope means 'all')."""
    return all(theirs in (-1, mine) for mine, theirs in zip(path, scope, strict=False))


def _add_part(parts: _Parts, path: tuple[int, int, int], value: Any) -> None:
    """Parts with the same path are concatenated (long strings and opaque); others are kept apart."""
    if path in parts.values and isinstance(value, str | bytes):
        parts.values[path] = parts.values[path] + value
    else:
        parts.values[path] = value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, bytes):
        if len(value) in (1, 2, 4, 8):
            return int.from_bytes(value, "big", signed=True)
        try:
            return int(value.decode())
        except ValueError:
            return None
    try:
        return int(str(value))
    except ValueError:
        return None


def _code(number: int) -> Any:
    from aiocoap.numbers.codes import Code

    return Code(number)
