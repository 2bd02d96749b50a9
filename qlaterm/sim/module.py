"""The simulated BC26: an AT interpreter in front of a real LwM2M client.

Bytes come in through ``feed`` (from a pty, a TCP socket or the console's in-memory link) and go out
through the writer given to ``attach``.  Every command line gets exactly one final result code; results
that depend on the network (``+QLAREG: 0`` …) and URCs come on their own lines after it, never in the
middle of a response.  Argument checks come from ``qlaterm.at.check``, the same code the console uses to
warn before it sends, so both sides agree on every ``+CME ERROR``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from qlaterm.at.build import urc
from qlaterm.at.catalogue import COMMANDS, Form, error_text
from qlaterm.at.check import Checked, Rejected, check_line
from qlaterm.at.framing import MAX_LINE, decode_line
from qlaterm.sim.answers import Parts, status_of
from qlaterm.sim.basic import FIRMWARE, BasicCommands
from qlaterm.sim.client.core import LwM2MClient
from qlaterm.sim.events import NetworkEvents
from qlaterm.sim.nvm import Nvm
from qlaterm.sim.qla import QlaCommands
from qlaterm.sim.registration import RegistrationSession
from qlaterm.sim.settings import CustomObjects, ServerConfig, Settings
from qlaterm.sim.status import CmeError, Status
from qlaterm.sim.urcbuffer import UrcBuffer

__all__ = ["BANNER", "FIRMWARE", "CmeError", "Module", "Status"]

log = logging.getLogger(__name__)

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


class Module(BasicCommands, QlaCommands, RegistrationSession, NetworkEvents):
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
        self._queue: asyncio.Queue[tuple[bytes, bool]] = asyncio.Queue()
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
        self._saved_doc: dict[str, Any] | None = None  # the document as last written, to skip rewriting it
        self.settings = Settings.from_json(data.get("settings"))
        self.objects = CustomObjects.from_json(data.get("objects"))
        self.saved_server = ServerConfig.from_json(data.get("server"))

    def _save(self) -> None:
        """Write the NVM document, unless it is the one already written (each write costs two fsyncs)."""
        document = {
            "settings": self.settings.to_json(),
            "objects": self.objects.to_json(),
            "server": self.saved_server.to_json() if self.saved_server else None,
        }
        if document != self._saved_doc:
            self.nvm.save(document)
            self._saved_doc = document

    def _keep_config(self, config: ServerConfig) -> None:
        """``config`` becomes the module's configuration and is saved (a registration succeeded, the
        terminal or the server changed lifetime or binding)."""
        self.config = config
        self.saved_server = config
        self._save()

    def _reset_runtime(self) -> None:
        """State that a reboot forgets."""
        self.echo = True
        self.cmee = 1
        self.status = Status.NOT_REGISTERED
        self.config: ServerConfig | None = self.saved_server
        self.buffer = UrcBuffer()
        self._parts: dict[int, Parts] = {}
        self._notify_parts: dict[tuple[int, int, int], Parts] = {}
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
                    self._queue.put_nowait((bytes(self._input), self._overflow))
                self._discard_input()
            elif byte in (0x08, 0x7F):
                if self._input:
                    self._input.pop()
            elif len(self._input) >= MAX_LINE:
                self._overflow = True
            else:
                self._input.append(byte)

    def _discard_input(self) -> None:
        """Forget the line being typed, an overlong one included."""
        self._input.clear()
        self._overflow = False

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
        self._discard_input()
        self._load()
        self._reset_runtime()
        self._banner()

    async def deep_sleep(self) -> None:
        """Enter deep sleep: no AT, no network; the registration and observations are kept."""
        if self.asleep:
            return
        self.asleep = True
        self._cancel_timers()
        if self.client is not None:
            await self.client.suspend()

    async def wake(self) -> None:
        """Wake from deep sleep: the banner, then session recovery as ``recovery_mode`` says."""
        if not self.asleep:
            return
        self.asleep = False
        self._discard_input()
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
        code = await status_of(self.client.resume())
        self._after_registration(code)
        self.urc(urc("recovered", code))

    # ------------------------------------------------------------------ command loop
    async def _serve(self) -> None:
        while True:
            raw, overflow = await self._queue.get()
            if self.asleep:
                continue
            self._busy = True
            self._later = []
            try:
                await self._execute(raw, overflow)
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

    async def _execute(self, raw: bytes, overflow: bool) -> None:
        text, bad = decode_line(raw)
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
            if checked.form is Form.TEST and checked.command is not None:
                lines = list(checked.command.test)  # the catalogue's lines, whatever the module's state
            else:
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

    _handlers: dict[str, Callable[[Any, Checked], Awaitable[list[str]]]] = {
        "AT": BasicCommands._at,
        "ATE": BasicCommands._ate,
        "ATE0": BasicCommands._ate,
        "ATE1": BasicCommands._ate,
        "ATI": BasicCommands._ati,
        "AT+CGMR": BasicCommands._cgmr,
        "AT+CGSN=1": BasicCommands._cgsn,
        "AT+CIMI": BasicCommands._cimi,
        "AT+CFUN?": BasicCommands._cfun,
        "AT+CEREG?": BasicCommands._cereg,
        "AT+CSQ": BasicCommands._csq,
        "AT+CGPADDR?": BasicCommands._cgpaddr,
        "AT+CGPADDR": BasicCommands._cgpaddr,
        "AT+CMEE=0": BasicCommands._cmee,
        "AT+CMEE=1": BasicCommands._cmee,
        "AT+CMEE=2": BasicCommands._cmee,
        "AT+CMEE?": BasicCommands._cmee,
        "AT+QRST=1": BasicCommands._qrst,
        # each QLA command's handler is named after it: +QLACONFIG → QlaCommands._qlaconfig
        **{name: getattr(QlaCommands, "_" + name[1:].lower()) for name in COMMANDS},
    }
