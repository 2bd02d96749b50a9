"""The simulated BC26: an AT interpreter in front of a real LwM2M client.

Bytes come in through ``feed`` (from a pty, a TCP socket or the console's in-memory link) and go out
through the writer given to ``attach``.  Every command line gets exactly one final result code; results
that depend on the network (``+QLAREG: 0`` …) and URCs come on their own lines after it, never in the
middle of a response.  Argument checks come from ``qlaterm.at.check``, the same code the console uses to
warn before it sends, so both sides agree on every ``+CME ERROR``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Awaitable, Callable

from qlaterm.at.catalogue import Form, error_text
from qlaterm.at.check import Rejected, check_line
from qlaterm.at.codes import LwM2MState
from qlaterm.at.framing import MAX_LINE, decode_line
from qlaterm.sim.basic import FIRMWARE, BasicCommands, Handler
from qlaterm.sim.client.core import LwM2MClient
from qlaterm.sim.conditions import Condition
from qlaterm.sim.network import Network
from qlaterm.sim.nvm import Nvm
from qlaterm.sim.qla import QlaCommands
from qlaterm.sim.radio import RadioCommands
from qlaterm.sim.radiolink import RadioLink, as_condition
from qlaterm.sim.registration import Registration
from qlaterm.sim.routes import Routes
from qlaterm.sim.state import ModuleSetup, ModuleState
from qlaterm.sim.status import CmeError
from qlaterm.sim.tasks import Tasks
from qlaterm.sim.terminal import Terminal

__all__ = ["ANSWER_DELAY", "BANNER", "FIRMWARE", "CmeError", "Module"]

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
ANSWER_DELAY = (0.020, 0.040)
"""How long a real BC26 takes to answer a basic command, seconds."""

BANNER = (*BANNER_ROM, "RDY", "+CFUN: 1", "+CPIN: READY", "+IP: {ip}")
"""The power-on output; the ROM lines come bare, the rest framed alone; ``+IP:`` once the network attach
is done."""

SENDING = frozenset({
    "+QLAREG", "+QLAUPDATE", "+QLADEREG", "+QLANOTIFY", "+QLASENDDATA", "+QLARDRSP", "+QLAWRRSP", "+QLAEXERSP",
    "+QLAOBSRSP", "+QLARECOVER",
})
"""Commands that make the module send: they need the network (and bring it out of PSM)."""


class Module:
    """One simulated BC26 module.

    It owns its parts and gives each only what it needs: the :class:`Terminal` it prints on, the
    :class:`ModuleState` the commands and the network share, the :class:`Tasks` it runs in the
    background, the :class:`Registration` (with the LwM2M client and the sink of its events), and the
    command handlers (:class:`BasicCommands`, :class:`QlaCommands`).  This class is the line discipline,
    the command loop and the power states.

    ``time_scale`` multiplies every timer of the module (update interval, lifetime, retransmission waits,
    the 60 s request timeout, the network's delays) so that demos and tests can fast-forward time without
    changing behaviour.

    ``network`` is the radio condition to start in (``ideal``, ``good`` …; :mod:`qlaterm.sim.conditions`),
    ``seed`` makes its delays and losses repeatable, ``routes`` says where server addresses lead
    (:mod:`qlaterm.sim.routes`; ``hosts`` adds names to its DNS).  ``answer_delay`` is how long a command
    line takes to answer (default: 20–40 ms as a real module, at once under ``ideal``).
    """

    def __init__(
        self,
        *,
        imei: str = "866971030603068",
        imsi: str = "460111174747875",
        nvm: Nvm | None = None,
        bind_host: str = "127.0.0.1",
        hosts: dict[str, str] | None = None,
        routes: Routes | None = None,
        time_scale: float = 1.0,
        request_timeout: float = 60.0,
        iccid: str = "",
        network: str | Condition = "ideal",
        seed: int | None = None,
        answer_delay: tuple[float, float] | None = None,
    ) -> None:
        routes = routes or Routes()
        if hosts:
            routes = dataclasses.replace(routes, hosts={**routes.hosts, **hosts})
        self.setup = ModuleSetup(
            imei=imei,
            imsi=imsi,
            bind_host=bind_host,
            routes=routes,
            time_scale=time_scale,
            request_timeout=request_timeout,
            iccid=iccid,
        )
        self.nvm = nvm or Nvm(None)
        self.terminal = Terminal()
        self.state = ModuleState(self.nvm)
        self.tasks = Tasks()
        self.network = Network(
            as_condition(network),
            address=bind_host,
            time_scale=time_scale,
            urc=self.terminal.urc,
        )
        """The radio and the network it is attached to (``module.network.set_condition("poor")``)."""
        self.radio_link = RadioLink(self.network, seed=seed, time_scale=time_scale)
        """What every datagram of the module crosses."""
        condition = self.network.condition
        if answer_delay is None:
            answer_delay = (0.0, 0.0) if condition.name == "ideal" else ANSWER_DELAY
        self.answer_delay = answer_delay
        """How long the module takes to answer a command line, seconds (low, high): 20–40 ms as a real
        BC26, (0, 0) answers at once."""
        self._think = random.Random(seed)
        self.registration = Registration(self.setup, self.state, self.terminal, self.tasks, self.radio_link)
        basic = BasicCommands(self.setup, self.terminal, later=self.tasks.later, reboot=self.reboot)
        self.radio = RadioCommands(self.network, time_scale=time_scale, later=self.tasks.later, reboot=self.reboot)
        qla = QlaCommands(self.state, self.terminal, self.tasks, self.registration)
        self._handlers: dict[str, Handler] = {**basic.handlers(), **self.radio.handlers(), **qla.handlers()}
        self.dozing = False
        """``AT+QSCLK=1|2``: asleep between commands; the first character that comes wakes the module."""
        self._input = bytearray()
        self._overflow = False
        self._queue: asyncio.Queue[tuple[bytes, bool]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.asleep = False
        self.powered = False
        self.rebooting = False
        """From the ``OK`` of ``AT+QRST=1`` (or ``AT+CFUN=<fun>,1``) until ``RDY``: the module answers nothing."""

    @property
    def client(self) -> LwM2MClient | None:
        """The LwM2M client of the current registration (None before the first AT+QLAREG)."""
        return self.registration.client

    @property
    def status(self) -> LwM2MState:
        """``+QLASTATUS``: 0 not registered … 7 waiting for AT+QLARECOVER."""
        return self.state.status

    async def wait_for_status(self, *wanted: int) -> LwM2MState:
        """Wait until the LwM2M status is one of ``wanted`` (a control API for tools and tests)."""
        return await self.state.wait_for_status(*wanted)

    # ------------------------------------------------------------------ I/O
    def attach(self, write: Callable[[bytes], None]) -> None:
        """Send the module's output to ``write`` (a pty, a socket, the console's link)."""
        self.terminal.attach(write)

    def urc(self, text: str) -> None:
        """Print an unsolicited line, after the response of a command in progress."""
        self.terminal.urc(text)

    def feed(self, data: bytes) -> None:
        """Bytes typed by the terminal: echoed as they arrive, executed line by line."""
        if not self.powered or self.asleep or self.rebooting:
            return
        self.dozing = False
        if self.terminal.echo:
            self.terminal.out(data)
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

    def new_line(self) -> None:
        """A new terminal is connected: what an earlier one left half typed is not part of its first line."""
        self._discard_input()

    def _discard_pending(self) -> None:
        """Forget the line being typed and every line waiting to be executed."""
        self._discard_input()
        while not self._queue.empty():
            self._queue.get_nowait()

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        """Power on: boot banner, then commands are served."""
        self.powered = True
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._serve(), name="bc26-at")
        self._banner()
        self.network.power_on()

    def _banner(self) -> None:
        """The boot lines up to ``+CPIN: READY``; the network prints ``+IP:`` when it has attached."""
        for text in BANNER_ROM:
            self.terminal.out(text.encode() + b"\r\n")
        for text in BANNER[len(BANNER_ROM) : -1]:
            self.terminal.line(text)

    async def close(self) -> None:
        """Power off for good."""
        self.powered = False
        self.network.stop()
        self.registration.cancel_timers()
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None
        await self.tasks.close()
        await self.registration.close_client()
        self.registration.client = None

    async def power_cycle(self) -> None:
        """Switch the power off and on, as an MCU does through its supply switch or PWRKEY: whatever was
        running stops (a command in progress gets no answer), the NVM is kept, the banner follows."""
        await self._restart()

    async def reset(self) -> None:
        """A pulse on the RESET line: the firmware restarts from the ROM as at power-on (the BC26 gives a
        reset the same boot as a power-up), without the ``OK`` that ``AT+QRST=1`` prints first."""
        await self._restart()

    async def _restart(self) -> None:
        await self.close()
        self._discard_pending()
        self.asleep = False
        self.rebooting = False
        self.state.load()
        self.state.reset()
        self.terminal.reset()
        self.registration.reset()
        await self.start()

    def reboot(self) -> Awaitable[None]:
        """``AT+QRST=1``: forget the session, keep the NVM, print the banner again.

        The module stops listening at once, when this is called (as the command's ``OK`` goes out): lines
        typed or still waiting are dropped, none runs before ``RDY``."""
        self.rebooting = True
        self._discard_pending()
        return self._reboot()

    async def _reboot(self) -> None:
        try:
            self.registration.cancel_timers()
            self.tasks.cancel()
            await self.registration.close_client()
        finally:
            self.rebooting = False
        self._discard_pending()
        self.state.load()
        self.state.reset()
        self.terminal.reset()
        self.registration.reset()
        self.radio.reset()
        self._banner()
        self.network.power_on()

    async def deep_sleep(self) -> None:
        """Enter deep sleep: no AT, no network; the registration and observations are kept."""
        if self.asleep:
            return
        self.asleep = True
        self.registration.cancel_timers()
        if self.client is not None:
            await self.client.suspend()

    async def wake(self) -> None:
        """Wake from deep sleep: the banner, then session recovery as ``recovery_mode`` says."""
        if not self.asleep:
            return
        self.asleep = False
        self._discard_input()
        self._banner()
        if self.network.attached:
            self.terminal.line(f"+IP: {self.network.address}")
        else:
            self.network.power_on()
        state = self.state
        if not self.registration.alive():
            if state.status == LwM2MState.REGISTERED:
                state.status = LwM2MState.INVALID
            return
        if state.settings.one("recovery_mode") == 1:
            state.status = LwM2MState.WAIT_RECOVER
            return
        self.tasks.spawn(self.registration.recover())

    # ------------------------------------------------------------------ command loop
    async def _serve(self) -> None:
        while True:
            raw, overflow = await self._queue.get()
            if self.asleep or self.rebooting:
                continue
            self.tasks.drop_later()
            with self.terminal.command():
                await self._execute(raw, overflow)
            self.tasks.start_later()
            if self._queue.empty() and self.radio.sleep_mode and not self.network.rrc:
                self.dozing = True

    async def _execute(self, raw: bytes, overflow: bool) -> None:
        low, high = self.answer_delay
        if high:
            await asyncio.sleep(self._think.uniform(low, high) * self.setup.time_scale)
        terminal = self.terminal
        text, bad = decode_line(raw)
        if overflow or bad:
            terminal.final("ERROR")
            return
        checked = check_line(text)
        if isinstance(checked, Rejected):
            terminal.error(checked.code, checked.message)
            return
        handler = self._handlers.get(checked.name)
        if handler is None:
            terminal.final("ERROR")
            return
        if checked.name in SENDING and checked.form is not Form.TEST:
            self.network.traffic()
        try:
            if checked.form is Form.TEST and checked.command is not None:
                lines = list(checked.command.test)  # the catalogue's lines, whatever the module's state
            else:
                lines = await handler(checked)
        except CmeError as exc:
            terminal.error(exc.code, error_text(exc.code))
            self.tasks.drop_later()
            return
        except Exception:
            log.exception("command failed: %s", text)
            terminal.error(1, error_text(1))
            self.tasks.drop_later()
            return
        terminal.answer(lines)
