"""The basic commands a firmware's start-up sequence sends (AT, ATE, ATI, AT+CGSN=1, AT+CMEE, AT+QRST…)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qlaterm.at.check import Checked

if TYPE_CHECKING:
    from qlaterm.sim.module import Module

__all__ = ["FIRMWARE", "BasicCommands"]

FIRMWARE = "BC26NBR01A08"


class BasicCommands:
    """Handlers of the basic (non-LwM2M) commands; a part of :class:`qlaterm.sim.module.Module`."""

    async def _at(self: Module, c: Checked) -> list[str]:
        return []

    async def _ate(self: Module, c: Checked) -> list[str]:
        self.echo = c.name.endswith("1")  # plain ATE means ATE0
        return []

    async def _ati(self: Module, c: Checked) -> list[str]:
        return ["Quectel", "BC26", f"Revision: {FIRMWARE}"]

    async def _cgmr(self: Module, c: Checked) -> list[str]:
        return [f"Revision: {FIRMWARE}"]

    async def _cgsn(self: Module, c: Checked) -> list[str]:
        return [f"+CGSN: {self.imei}"]

    async def _cimi(self: Module, c: Checked) -> list[str]:
        return [self.imsi]

    async def _cfun(self: Module, c: Checked) -> list[str]:
        return ["+CFUN: 1"]

    async def _cereg(self: Module, c: Checked) -> list[str]:
        return ["+CEREG: 0,1"]

    async def _csq(self: Module, c: Checked) -> list[str]:
        return ["+CSQ: 25,0"]

    async def _cgpaddr(self: Module, c: Checked) -> list[str]:
        return [f'+CGPADDR: 1,"{self.bind_host}"']

    async def _cmee(self: Module, c: Checked) -> list[str]:
        if c.name.endswith("?"):
            return [f"+CMEE: {self.cmee}"]
        self.cmee = int(c.name[-1])
        return []

    async def _qrst(self: Module, c: Checked) -> list[str]:
        self.later(self.reboot)
        return []
