"""The radio, PDN and power-saving commands (AT+CFUN, AT+CEREG, AT+CGATT, AT+CSQ, AT+CGPADDR, AT+CPSMS,
AT+QSCLK…): they read and drive the module's :class:`~qlaterm.sim.network.Network`."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from qlaterm.at.catalogue import EDRX_CYCLES, QBAND_BANDS, Form
from qlaterm.at.check import Checked
from qlaterm.sim.basic import Handler
from qlaterm.sim.network import Network, PsmRequest
from qlaterm.sim.status import CmeError
from qlaterm.sim.tasks import Action

__all__ = ["RadioCommands"]

BAD_PARAMS = 50
NO_SERVICE = 30
OPERATOR = {0: "CHINA TELECOM", 1: "CTCC", 2: "46011"}
"""The operator of the simulated cell in the three ``AT+COPS`` formats."""
APN = "CTNB"
CLOCK = re.compile(r"(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d\d)")
ATTACH_LIMIT = 70.0
"""Seconds ``AT+CGATT=1`` waits for the network at most (the manual's maximum response time)."""


class RadioCommands:
    """Handlers of the network and power commands; ``reboot`` serves ``AT+CFUN=<fun>,1``."""

    def __init__(
        self, network: Network, *, time_scale: float, later: Callable[[Action], None], reboot: Action
    ) -> None:
        self._net = network
        self._scale = time_scale
        self._later = later
        self._reboot = reboot
        self.sleep_mode = 1
        """``AT+QSCLK``: 0 never sleeps, 1 light and deep sleep, 2 light sleep (the default sleeps)."""
        self._contexts: dict[int, tuple[str, str]] = {1: ("IP", APN)}
        self._default_context: tuple[str, ...] = ("IP",)
        self._bands: tuple[int, ...] = (5, 8, 3)
        self._cops_format = 2
        self._edrx = "0010"
        self._edrx_mode = 0
        self._dns = ("114.114.114.114", "8.8.8.8")
        self._clock_offset = timedelta(0)
        self._zone = 32  # quarter hours: UTC+8

    def reset(self) -> None:
        """What a reboot forgets."""
        self.sleep_mode = 1

    def handlers(self) -> dict[str, Handler]:
        return {
            "+CFUN": self._cfun, "+CEREG": self._cereg, "+CGREG": self._cgreg, "+CGATT": self._cgatt,
            "+CSCON": self._cscon, "+COPS": self._cops, "+CSQ": self._csq, "+CESQ": self._cesq,
            "+QENG": self._qeng, "+QBAND": self._qband, "+CCLK": self._cclk, "+CGDCONT": self._cgdcont,
            "+QCGDEFCONT": self._qcgdefcont, "+CGACT": self._cgact, "+CGPADDR": self._cgpaddr,
            "+QIDNSCFG": self._qidnscfg, "+CPSMS": self._cpsms, "+CEDRXS": self._cedrxs, "+QSCLK": self._qsclk,
            "+QNBIOTEVENT": self._qnbiotevent, "+CBC": self._cbc,
        }

    # ------------------------------------------------------------------ radio and registration
    async def _cfun(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+CFUN: {self._net.cfun}"]
        self._net.set_cfun(c.args["fun"])
        if c.args.get("rst") == 1:
            self._later(self._reboot)
        return []

    async def _cereg(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [self._net.cereg(self._net.cereg_n)]
        self._net.cereg_n = c.args.get("n", 0)
        return []

    async def _cgreg(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [self._net.cgreg()]
        self._net.cgreg_n = c.args.get("n", 0)
        return []

    async def _cgatt(self, c: Checked) -> list[str]:
        net = self._net
        if c.form is Form.QUERY:
            return [f"+CGATT: {int(net.attached)}"]
        if c.args["state"] == 0:
            net.detach()
            return []
        await self._attach()
        return []

    async def _attach(self) -> None:
        net = self._net
        if not net.attach():
            raise CmeError(NO_SERVICE)
        try:
            async with asyncio.timeout(ATTACH_LIMIT * self._scale):
                await net.wait_attached()
        except TimeoutError:
            raise CmeError(NO_SERVICE) from None

    async def _cscon(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+CSCON: {self._net.cscon_n},{self._net.rrc}"]
        self._net.cscon_n = c.args["n"]
        return []

    async def _cops(self, c: Checked) -> list[str]:
        net = self._net
        if c.form is Form.QUERY:
            if not net.attached:
                return ["+COPS: 0"]
            return [f'+COPS: 0,{self._cops_format},"{OPERATOR[self._cops_format]}",9']
        mode = c.args["mode"]
        if mode == 3:
            self._cops_format = c.args.get("format", self._cops_format)
        elif mode == 2:
            net.detach()
        elif mode in (1, 4) and c.args.get("oper", OPERATOR[2]) not in OPERATOR.values():
            raise CmeError(NO_SERVICE)
        elif not net.attached:
            net.attach()
        return []

    async def _csq(self, c: Checked) -> list[str]:
        return [self._net.csq()]

    async def _cesq(self, c: Checked) -> list[str]:
        return [self._net.cesq()]

    async def _qeng(self, c: Checked) -> list[str]:
        if c.args["mode"] == 2:
            return ["+QENG: 3,0,0,0"]
        if not self._net.attached:
            return []
        return [self._net.qeng()]

    async def _qband(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return ["+QBAND: " + ",".join(map(str, self._bands))]
        self._bands = c.args["bands"] or QBAND_BANDS
        if self._net.attached:  # a new band list: search again
            self._net.detach()
            self._net.attach()
        return []

    async def _cclk(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            now = datetime.now(UTC) + self._clock_offset + timedelta(minutes=15 * self._zone)
            return [f"+CCLK: {now:%y/%m/%d,%H:%M:%S}{self._zone:+03d}"]
        match = CLOCK.fullmatch(c.args["time"])
        if match is None:
            raise CmeError(BAD_PARAMS)
        yy, mo, dd, hh, mi, ss, zz = (int(x) for x in match.groups())
        zone = int(zz)
        if not -96 <= zone <= 96:
            raise CmeError(BAD_PARAMS)
        try:
            local = datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=UTC)
        except ValueError:
            raise CmeError(BAD_PARAMS) from None
        self._zone = zone
        self._clock_offset = local - timedelta(minutes=15 * zone) - datetime.now(UTC)
        return []

    # ------------------------------------------------------------------ PDN
    async def _cgdcont(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            address = self._net.address if self._net.attached else ""
            return [
                f'+CGDCONT: {cid},"{kind}","{apn.upper()}","{address if cid == 1 else ""}",0,0'
                for cid, (kind, apn) in sorted(self._contexts.items())
            ]
        kind = c.args.get("PDP_type")
        if kind is None:
            if c.args["cid"] == 1:
                raise CmeError(BAD_PARAMS)  # the default bearer cannot be undefined
            self._contexts.pop(c.args["cid"], None)
            return []
        self._contexts[c.args["cid"]] = (_pdp_type(kind), c.args.get("APN", ""))
        return []

    async def _qcgdefcont(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            kind, *rest = self._default_context
            return ["+QCGDEFCONT: " + ",".join([f'"{kind}"', *(f'"{x}"' for x in rest)])]
        fields = [_pdp_type(c.args["PDP_type"])]
        for name in ("APN", "username", "password"):
            if name in c.args:
                fields.append(c.args[name])
        self._default_context = tuple(fields)
        return []

    async def _cgact(self, c: Checked) -> list[str]:
        net = self._net
        if c.form is Form.QUERY:
            return [f"+CGACT: {cid},{int(net.attached)}" for cid in sorted(self._contexts)]
        cid = c.args.get("cid", 1)
        if cid not in self._contexts:
            raise CmeError(BAD_PARAMS)
        if c.args["state"] == 0:
            if cid == 1:
                raise CmeError(NO_SERVICE)  # the last PDN connection stays up while attached
            return []
        await self._attach()
        return []

    async def _cgpaddr(self, c: Checked) -> list[str]:
        cids = [c.args["cid"]] if c.form is Form.SET else sorted(self._contexts)
        lines = []
        for cid in cids:
            if cid not in self._contexts:
                raise CmeError(BAD_PARAMS)
            has_address = cid == 1 and self._net.attached
            lines.append(f"+CGPADDR: {cid},{self._net.address}" if has_address else f"+CGPADDR: {cid}")
        return lines

    async def _qidnscfg(self, c: Checked) -> list[str]:
        if "pri_dns" not in c.args:
            if c.args["contextID"] not in self._contexts:
                raise CmeError(BAD_PARAMS)
            pri, sec = self._dns if self._net.attached else ("0.0.0.0", "0.0.0.0")
            return [f'+QIDNSCFG: {c.args["contextID"]},"{pri}","{sec}"']
        servers = [c.args["pri_dns"], c.args.get("sec_dns", self._dns[1])]
        for server in servers:
            try:
                ipaddress.ip_address(server)
            except ValueError:
                raise CmeError(BAD_PARAMS) from None
        self._dns = (servers[0], servers[1])
        return []

    # ------------------------------------------------------------------ power saving
    async def _cpsms(self, c: Checked) -> list[str]:
        net = self._net
        if c.form is Form.QUERY:
            r = net.psm_request
            return [f'+CPSMS: {r.mode},,,"{r.tau}","{r.active}"']
        mode = c.args.get("mode", 0)
        if mode == 2:
            net.set_psm(PsmRequest())
            return []
        current = net.psm_request
        net.set_psm(PsmRequest(
            mode,
            c.args.get("Requested_Periodic-TAU", current.tau),
            c.args.get("Requested_Active-Time", current.active),
        ))
        return []

    async def _cedrxs(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f'+CEDRXS: 5,"{self._edrx}"']
        mode = c.args.get("mode", 0)
        value = c.args.get("Requested_eDRX_value")
        if value is not None and value not in EDRX_CYCLES:
            raise CmeError(BAD_PARAMS)
        self._edrx_mode = 0 if mode == 3 else mode
        if mode == 3:
            self._edrx = "0010"
        elif value is not None:
            self._edrx = value
        return []

    async def _qsclk(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+QSCLK: {self.sleep_mode}"]
        self.sleep_mode = c.args["n"]
        return []

    async def _qnbiotevent(self, c: Checked) -> list[str]:
        if c.form is Form.QUERY:
            return [f"+QNBIOTEVENT: {int(self._net.psm_events)},1"]
        self._net.psm_events = c.args["enable"] == 1
        return []

    async def _cbc(self, c: Checked) -> list[str]:
        return ["+CBC: 0,0,3300"]


def _pdp_type(text: str) -> str:
    """``ip`` → ``IP``; an unknown PDP type is a parameter error."""
    for kind in ("IP", "IPV6", "IPV4V6", "Non-IP"):
        if text.upper() == kind.upper():
            return kind
    raise CmeError(BAD_PARAMS)
