"""The 3GPP TS 27.007 and Quectel answers that describe the module's network, read from their fields.

Each reader takes the typed fields of one information line (``+CEREG: 0,1`` → ``(0, 1)``) and returns what
it says, or None when the line is not in the standard form; nothing here raises on a module's odd answer.
``NETWORK_COMMANDS`` are the lines the console asks on connect, ``POLL_COMMANDS`` the ones it repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "ATTACH_COMMANDS",
    "NETWORK_COMMANDS",
    "POLL_COMMANDS",
    "REGISTRATION_STATES",
    "Registration",
    "cereg",
    "cesq_dbm",
    "cpsms",
    "cscon",
    "csq_dbm",
    "nbiot_event",
    "pdp_address",
]

Fields = Sequence[int | str]

NETWORK_COMMANDS = ("AT+CGSN=1", "AT+CIMI", "AT+QCCID", "AT+CEREG?", "AT+CSQ", "AT+CGPADDR=1", "AT+CSCON?",
                    "AT+CPSMS?")
"""Identity, registration, signal, address, RRC and power saving: what the network view shows."""

POLL_COMMANDS = ("AT+CSQ", "AT+CEREG?")
"""What changes without a URC the module is sure to print: asked again now and then, at idle."""

ATTACH_COMMANDS = ("AT+CEREG?", "AT+CSQ", "AT+CGPADDR=1")
"""Asked again as soon as ``+IP:`` says the attach completed: the registration, its signal and the address."""

REGISTRATION_STATES: Mapping[int, str] = {
    0: "not registered",
    1: "registered, home",
    2: "searching",
    3: "registration denied",
    4: "unknown",
    5: "registered, roaming",
}
"""``<stat>`` of ``+CEREG`` (27.007 §10.1.22)."""


@dataclass(frozen=True, slots=True)
class Registration:
    """``<stat>`` with the cell it names (``<tac>``, ``<ci>``) when the module said."""

    stat: int
    tac: str = ""
    ci: str = ""

    @property
    def text(self) -> str:
        return REGISTRATION_STATES.get(self.stat, f"stat {self.stat}")

    @property
    def registered(self) -> bool:
        return self.stat in (1, 5)


def _int(fields: Fields, index: int) -> int | None:
    value = fields[index] if index < len(fields) else None
    return value if isinstance(value, int) else None


def cereg(fields: Fields, *, answer: bool) -> Registration | None:
    """``+CEREG: <n>,<stat>[,"<tac>","<ci>",…]`` answering ``AT+CEREG?`` (``answer``), or the URC
    ``+CEREG: <stat>[,"<tac>","<ci>",…]``."""
    first = 1 if answer else 0
    stat = _int(fields, first)
    if stat is None:
        return None
    rest = [str(f) for f in fields[first + 1:first + 3]]
    return Registration(stat, *rest)


def csq_dbm(fields: Fields) -> int | None:
    """``+CSQ: <rssi>,<ber>`` as dBm: −113 + 2·rssi (0 → −113 or less, 31 → −51 or more); 99 is unknown."""
    rssi = _int(fields, 0)
    if rssi is None or not 0 <= rssi <= 31:
        return None
    return -113 + 2 * rssi


def cesq_dbm(fields: Fields) -> int | None:
    """``+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>``: RSRP as dBm (rsrp − 141); 255 is unknown."""
    rsrp = _int(fields, 5)
    if rsrp is None or not 0 <= rsrp <= 97:
        return None
    return rsrp - 141


def pdp_address(fields: Fields) -> str | None:
    """``+CGPADDR: <cid>,<address>`` → the address; a context without one gives None."""
    if len(fields) < 2 or not str(fields[1]):
        return None
    return str(fields[1])


def cscon(fields: Fields, *, answer: bool) -> bool | None:
    """RRC connected? ``+CSCON: <n>,<mode>`` answering ``AT+CSCON?``, the URC ``+CSCON: <mode>``."""
    mode = _int(fields, 1 if answer else 0)
    return None if mode not in (0, 1) else mode == 1


def cpsms(fields: Fields) -> bool | None:
    """PSM requested? ``+CPSMS: <mode>[,…]``."""
    mode = _int(fields, 0)
    return None if mode not in (0, 1) else mode == 1


def nbiot_event(fields: Fields) -> bool | None:
    """In power saving? ``+QNBIOTEVENT: "ENTER PSM"`` → True, ``"EXIT PSM"`` → False."""
    event = str(fields[0]).upper() if fields else ""
    return {"ENTER PSM": True, "EXIT PSM": False}.get(event)
