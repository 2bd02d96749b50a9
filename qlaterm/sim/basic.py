"""The V.250 basics and the identity commands a firmware's start-up sequence sends (AT, ATE0, ATI, AT+CGSN,
AT+QCCID, AT+CPIN?, AT+CMEE, AT+IPR, AT+QRST…)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from qlaterm.at.catalogue import Form
from qlaterm.at.check import Checked
from qlaterm.sim.state import ModuleSetup
from qlaterm.sim.status import CmeError
from qlaterm.sim.tasks import Action
from qlaterm.sim.terminal import LineSettings, Terminal

__all__ = ["FIRMWARE", "MAKER", "MODEL", "BasicCommands", "Handler"]

FIRMWARE = "BC26NBR01A08"
MAKER = "Quectel_Ltd"
MODEL = "Quectel_BC26"
SVN = "02"

Handler = Callable[[Checked], Awaitable[list[str]]]
"""A command handler: the checked command line in, the response lines (before ``OK``) out."""


class BasicCommands:
    """Handlers of the V.250 and identity commands: they read the module's identity, change the line
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
        self._rate = 115200

    def handlers(self) -> dict[str, Handler]:
        line = {name: self._line for name in (
            "ATE", "ATE0", "ATE1", "ATV", "ATV0", "ATV1", "ATQ", "ATQ0", "ATQ1",
            "ATZ", "ATZ0", "AT&F", "AT&F0", "AT&W", "AT&W0", "ATS3?", "ATS4?", "ATS3=", "ATS4=",
        )}
        return {
            "AT": self._at,
            **line,
            "ATI": self._ati,
            "+CGMI": self._cgmi,
            "+CGMM": self._cgmm,
            "+CGMR": self._cgmr,
            "+CGSN": self._cgsn,
            "+GSN": self._gsn,
            "+CIMI": self._cimi,
            "+QCCID": self._qccid,
            "+CPIN": self._cpin,
            "+CMEE": self._cmee,
            "+IPR": self._ipr,
            "+QRST": self._qrst,
        }

    async def _at(self, c: Checked) -> list[str]:
        return []

    async def _line(self, c: Checked) -> list[str]:
        """ATE/ATV/ATQ/ATZ/AT&F/AT&W and the S-registers."""
        t = self._terminal
        name = c.name[:-1] if c.name[-1] == "0" and c.name[-2] in "ZFW" else c.name
        head, value = name[:3], name[3:]
        if name in ("ATZ",):
            t.reset()
        elif name == "AT&F":
            t.settings = LineSettings()
        elif name == "AT&W":
            t.profile = LineSettings(**vars(t.settings))
        elif head == "ATS" and name.endswith("?"):
            return [f"{getattr(t.settings, 's' + name[3]):03d}"]
        elif head == "ATS":
            setattr(t.settings, "s" + name[3], c.args["value"])
        else:
            on = value == "1"  # plain ATE, ATV, ATQ mean 0
            if head == "ATE":
                t.settings.echo = on
            elif head == "ATV":
                t.settings.verbose = on
            else:
                t.settings.quiet = on
        return []

    async def _ati(self, c: Checked) -> list[str]:
        return [MAKER, MODEL, f"Revision: {FIRMWARE}"]

    async def _cgmi(self, c: Checked) -> list[str]:
        return [MAKER]

    async def _cgmm(self, c: Checked) -> list[str]:
        return [MODEL]

    async def _cgmr(self, c: Checked) -> list[str]:
        return [f"Revision: {FIRMWARE}"]

    async def _cgsn(self, c: Checked) -> list[str]:
        setup = self._setup
        snt = c.args.get("snt", 0)
        if snt == 0:
            return [setup.serial]
        if snt == 1:
            return [f"+CGSN: {setup.imei}"]
        if snt == 2:
            return [f"+CGSN: {setup.imei[:14]}{SVN}"]
        return [f"+CGSN: {SVN}"]

    async def _gsn(self, c: Checked) -> list[str]:
        return [self._setup.imei]

    async def _cimi(self, c: Checked) -> list[str]:
        return [self._setup.imsi]

    async def _qccid(self, c: Checked) -> list[str]:
        return [f"+QCCID: {self._setup.iccid}"]

    async def _cpin(self, c: Checked) -> list[str]:
        if c.form is Form.SET:
            raise CmeError(3)  # no PIN is pending
        return ["+CPIN: READY"]

    async def _cmee(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+CMEE: {self._terminal.cmee}"]
        self._terminal.cmee = c.args["n"]
        return []

    async def _ipr(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+IPR: {self._rate}"]
        self._rate = c.args["rate"]
        return []

    async def _qrst(self, c: Checked) -> list[str]:
        self._later(self._reboot)
        return []
