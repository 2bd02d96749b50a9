"""The basic commands a firmware's start-up sequence sends (AT, ATE, ATI, AT+CGSN=1, AT+CMEE, AT+QRST…)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from qlaterm.at.check import Checked
from qlaterm.sim.state import ModuleSetup
from qlaterm.sim.tasks import Action
from qlaterm.sim.terminal import Terminal

__all__ = ["FIRMWARE", "BasicCommands", "Handler"]

FIRMWARE = "BC26NBR01A08"

Handler = Callable[[Checked], Awaitable[list[str]]]
"""A command handler: the checked command line in, the response lines (before ``OK``) out."""


class BasicCommands:
    """Handlers of the basic (non-LwM2M) commands: they read the module's identity, change the line
    settings of ``terminal``, and leave a reboot to ``later``."""

    def __init__(
        self,
        setup: ModuleSetup,
        terminal: Terminal,
        *,
        later: Callable[[Action], None],
        reboot: Action,
    ) -> None:
        self._setup = setup
        self._terminal = terminal
        self._later = later
        self._reboot = reboot

    def handlers(self) -> dict[str, Handler]:
        return {
            "AT": self._at,
            "ATE": self._ate,
            "ATE0": self._ate,
            "ATE1": self._ate,
            "ATI": self._ati,
            "AT+CGMR": self._cgmr,
            "AT+CGSN=1": self._cgsn,
            "AT+CIMI": self._cimi,
            "AT+CFUN?": self._cfun,
            "AT+CEREG?": self._cereg,
            "AT+CSQ": self._csq,
            "AT+CGPADDR?": self._cgpaddr,
            "AT+CGPADDR": self._cgpaddr,
            "AT+CMEE=0": self._cmee,
            "AT+CMEE=1": self._cmee,
            "AT+CMEE=2": self._cmee,
            "AT+CMEE?": self._cmee,
            "AT+QRST=1": self._qrst,
        }

    async def _at(self, c: Checked) -> list[str]:
        return []

    async def _ate(self, c: Checked) -> list[str]:
        self._terminal.echo = c.name.endswith("1")  # plain ATE means ATE0
        return []

    async def _ati(self, c: Checked) -> list[str]:
        return ["Quectel", "BC26", f"Revision: {FIRMWARE}"]

    async def _cgmr(self, c: Checked) -> list[str]:
        return [f"Revision: {FIRMWARE}"]

    async def _cgsn(self, c: Checked) -> list[str]:
        return [f"+CGSN: {self._setup.imei}"]

    async def _cimi(self, c: Checked) -> list[str]:
        return [self._setup.imsi]

    async def _cfun(self, c: Checked) -> list[str]:
        return ["+CFUN: 1"]

    async def _cereg(self, c: Checked) -> list[str]:
        return ["+CEREG: 0,1"]

    async def _csq(self, c: Checked) -> list[str]:
        return ["+CSQ: 25,0"]

    async def _cgpaddr(self, c: Checked) -> list[str]:
        return [f'+CGPADDR: 1,"{self._setup.bind_host}"']

    async def _cmee(self, c: Checked) -> list[str]:
        if c.name.endswith("?"):
            return [f"+CMEE: {self._terminal.cmee}"]
        self._terminal.cmee = int(c.name[-1])
        return []

    async def _qrst(self, c: Checked) -> list[str]:
        self._later(self._reboot)
        return []
