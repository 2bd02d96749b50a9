"""The radio side of the simulated module: attach and registration, the RRC connection, power saving.

After power-on the module searches (``<stat>`` 2) and registers (1) by itself, then prints ``+IP:``;
``AT+CFUN=0`` / ``AT+CGATT=0`` detach it.  Traffic (:meth:`Network.traffic`) opens the RRC connection
(``+CSCON: 1``), which is released after 20 s of silence (``+CSCON: 0``).  With ``AT+CPSMS=1`` the active
timer T3324 runs from that release; when it expires the module is in PSM, unreachable, until the periodic
TAU (T3412) or its own next traffic.  Every time is multiplied by the module's ``time_scale``; the
``ideal`` condition attaches at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from qlaterm.sim.conditions import Condition, condition

__all__ = ["RRC_INACTIVITY", "Network", "PsmRequest", "attach_time", "timer_seconds"]

RRC_INACTIVITY = 20.0
"""Seconds without traffic before the network releases the RRC connection."""

SEARCH_TIME = 5.0
"""Seconds a search for a cell goes on out of coverage before the module gives up (``<stat>`` 0)."""

TAC = "5B6C"
CELL_ID = "0BF576D1"
ACT_NB = 9


def attach_time(cond: Condition) -> float:
    """Seconds from power-on to registered: a cell search, then the attach signalling, a few round trips
    over the condition's one-way delay (none for ``ideal``)."""
    lo, hi = cond.delay_ms
    if hi == 0:
        return 0.0
    return 1.5 + 4 * (lo + hi) / 2 / 1000


_T3412_UNITS = (600, 3600, 36000, 2, 30, 60, 1152000)
_T3324_UNITS = (2, 60, 360)


def timer_seconds(bits: str, *, periodic: bool) -> float | None:
    """A 3GPP TS 24.008 timer octet (``"00111000"``) in seconds; None when deactivated.

    ``periodic``: GPRS Timer 3 (T3412 extended), else GPRS Timer 2 (T3324)."""
    unit, value = int(bits[:3], 2), int(bits[3:], 2)
    if unit == 7:
        return None
    units = _T3412_UNITS if periodic else _T3324_UNITS
    return float((units[unit] if unit < len(units) else 60) * value)


@dataclass
class PsmRequest:
    """What ``AT+CPSMS`` asked for (the network grants it as asked)."""

    mode: int = 0
    tau: str = "00111000"  # T3412, 24 h
    active: str = "00000001"  # T3324, 2 s


class Network:
    """The module's view of its NB-IoT cell; URCs go to ``urc`` (the terminal's, held back during a
    command's response)."""

    def __init__(self, cond: Condition, *, address: str, time_scale: float, urc: Callable[[str], None]) -> None:
        self.condition = cond
        self.address = address
        self._scale = time_scale
        self._urc = urc
        self.stat = 0
        self.cfun = 0
        self.attached = False
        self.rrc = 0
        self.psm = False
        self.cereg_n = 0
        self.cgreg_n = 0
        self.cscon_n = 0
        self.psm_events = False
        self.psm_request = PsmRequest()
        self._attach: asyncio.TimerHandle | None = None
        self._release: asyncio.TimerHandle | None = None
        self._active: asyncio.TimerHandle | None = None
        self._tau: asyncio.TimerHandle | None = None
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ the public surface
    def set_condition(self, cond: str | Condition) -> None:
        """Move the module to another radio condition; out of coverage it loses the network, back in
        coverage it attaches again."""
        self.condition = condition(cond) if isinstance(cond, str) else cond
        if self.cfun != 1:
            return
        if not self.condition.coverage and self.stat != 0:
            self._lose()
        elif self.condition.coverage and not self.attached:
            self._cancel("_attach")
            self._search()

    def reachable(self) -> bool:
        """Whether a datagram from the network reaches the module: attached, in coverage, not in PSM."""
        return self.attached and self.condition.coverage and not self.psm

    def traffic(self) -> None:
        """The module sends or receives: PSM ends, the RRC connection opens (or stays open)."""
        if not self.attached:
            return
        if self.psm:
            self._leave_psm()
        self._cancel("_active")
        if self.rrc == 0:
            self.rrc = 1
            if self.cscon_n:
                self._urc("+CSCON: 1")
        self._cancel("_release")
        self._release = self._after(RRC_INACTIVITY, self._released)

    async def wait_attached(self) -> None:
        """Return once the module is registered (a control API for tools and tests)."""
        while not self.attached:
            self._changed.clear()
            await self._changed.wait()

    # ------------------------------------------------------------------ power and functionality
    def power_on(self) -> None:
        """Full functionality after power-on or a reboot: the attach starts."""
        self.stop()
        self.cereg_n = self.cgreg_n = self.cscon_n = 0
        self.cfun = 1
        self._search()

    def stop(self) -> None:
        """Power off: no radio, no timers."""
        for name in ("_attach", "_release", "_active", "_tau"):
            self._cancel(name)
        self.cfun = 0
        self.stat = 0
        self.attached = False
        self.rrc = 0
        self.psm = False

    def set_cfun(self, fun: int) -> None:
        """``AT+CFUN=<fun>``: 0 and 4 detach, 1 attaches again."""
        if fun == 1 and self.cfun != 1:
            self.cfun = 1
            self._search()
        elif fun != 1:
            self.cfun = fun
            self.detach()

    def attach(self) -> bool:
        """``AT+CGATT=1``: False when no cell can be found."""
        if self.cfun != 1 or not self.condition.coverage:
            return False
        if not self.attached and self._attach is None:
            self._search()
        return True

    @property
    def attaching(self) -> bool:
        """A cell search or attach is under way."""
        return self._attach is not None

    def detach(self) -> None:
        """``AT+CGATT=0`` (or ``AT+CFUN=0``): not registered, no address."""
        self._drop()
        self._set_stat(0)

    def set_psm(self, request: PsmRequest) -> None:
        """``AT+CPSMS``: the network grants the request; an idle module starts its active timer."""
        self.psm_request = request
        self._cancel("_active")
        if request.mode != 1:
            if self.psm:
                self._leave_psm()
            return
        if self.attached and self.rrc == 0 and not self.psm:
            self._start_active_timer()

    # ------------------------------------------------------------------ the answers of the AT commands
    def cereg(self, n: int, *, urc: bool = False) -> str:
        """``+CEREG:`` in the form ``n`` asks for (a URC leaves out ``<n>``)."""
        fields = [] if urc else [str(n)]
        fields.append(str(self.stat))
        if n >= 2 and self.stat in (1, 5):
            fields += [f'"{TAC}"', f'"{CELL_ID}"', str(ACT_NB)]
            if n >= 4 and self.psm_request.mode == 1:
                fields += ["", "", f'"{self.psm_request.active}"', f'"{self.psm_request.tau}"']
        return "+CEREG: " + ",".join(fields)

    def cgreg(self) -> str:
        line = f"+CGREG: {self.cgreg_n},{self.stat}"
        if self.cgreg_n == 2 and self.stat in (1, 5):
            line += f',"{TAC}","{CELL_ID}"'
        return line

    def csq(self) -> str:
        if not self.attached or not self.condition.coverage:
            return "+CSQ: 99,99"
        return f"+CSQ: {self.condition.rssi},0"

    def cesq(self) -> str:
        if not self.attached or not self.condition.coverage:
            return "+CESQ: 99,99,255,255,255,255"
        rsrq = min(34, max(0, 2 * self.condition.rsrq_db + 40))
        rsrp = min(97, max(0, self.condition.rsrp_dbm + 141))
        return f"+CESQ: 99,99,255,255,{rsrq},{rsrp}"

    def qeng(self) -> str:
        c = self.condition
        rssi = c.rsrp_dbm + 7
        return f'+QENG: 0,2506,2,176,"{CELL_ID}",{c.rsrp_dbm},{c.rsrq_db},{rssi},{c.snr_db},5,"{TAC}",{c.ecl},140,3'

    # ------------------------------------------------------------------ inside
    def _after(self, seconds: float, action: Callable[[], None]) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(seconds * self._scale, action)

    def _cancel(self, name: str) -> None:
        handle: asyncio.TimerHandle | None = getattr(self, name)
        if handle is not None:
            handle.cancel()
            setattr(self, name, None)

    def _set_stat(self, stat: int) -> None:
        if stat == self.stat:
            return
        self.stat = stat
        if self.cereg_n:
            self._urc(self.cereg(self.cereg_n, urc=True))
        self._changed.set()

    def _search(self) -> None:
        self._set_stat(2)
        if not self.condition.coverage:
            self._attach = self._after(SEARCH_TIME, self._no_cell)
            return
        delay = attach_time(self.condition)
        if delay == 0:
            self._registered()
        else:
            self._attach = self._after(delay, self._registered)

    def _no_cell(self) -> None:
        self._attach = None
        self._set_stat(0)

    def _registered(self) -> None:
        self._attach = None
        self.attached = True
        self._set_stat(1)
        self._urc(f"+IP: {self.address}")
        self.traffic()  # the attach itself is signalling: RRC connected, then released

    def _drop(self) -> None:
        for name in ("_attach", "_release", "_active", "_tau"):
            self._cancel(name)
        self.attached = False
        self.psm = False
        if self.rrc:
            self.rrc = 0
            if self.cscon_n:
                self._urc("+CSCON: 0")

    def _lose(self) -> None:
        """Out of coverage: searching, then not registered."""
        self._drop()
        self._set_stat(2)
        self._set_stat(0)

    def _start_active_timer(self) -> None:
        active = timer_seconds(self.psm_request.active, periodic=False)
        if active is not None:
            self._active = self._after(active, self._enter_psm)

    def _released(self) -> None:
        self._release = None
        self.rrc = 0
        if self.cscon_n:
            self._urc("+CSCON: 0")
        if self.psm_request.mode == 1:
            self._start_active_timer()

    def _enter_psm(self) -> None:
        self._active = None
        self.psm = True
        if self.psm_events:
            self._urc('+QNBIOTEVENT: "ENTER PSM"')
        tau = timer_seconds(self.psm_request.tau, periodic=True)
        if tau is not None:
            self._tau = self._after(tau, self._periodic_tau)

    def _periodic_tau(self) -> None:
        self._tau = None
        self.traffic()  # the tracking area update is traffic: PSM ends, RRC connected

    def _leave_psm(self) -> None:
        self._cancel("_tau")
        self.psm = False
        if self.psm_events:
            self._urc('+QNBIOTEVENT: "EXIT PSM"')
