"""The built-in LwM2M objects the simulated BC26 answers by itself: 0 Security, 1 Server, 3 Device,
4 Connectivity Monitoring and 5 Firmware Update.

A real BC26 serves these objects from its firmware: the terminal never sees a URC for a read of the
manufacturer or a write of the lifetime (it only hears about the lifetime afterwards). Keeping their
schema and values here, apart from the CoAP plumbing of :mod:`qlaterm.sim.client.serving`, lets the
client decide "built-in or custom, allowed or not" from data, and gives tests one place to look up what
a BC26 reports.

Resource data types use the names of :func:`qlaterm.lwm2m.formats.tlv.tlv_value` so that a TLV write can be typed
from the schema.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats import Scalar
from qlaterm.lwm2m.formats.tlv import tlv_value
from qlaterm.lwm2m.linkformat import Link, link_format
from qlaterm.lwm2m.paths import Path

SECURITY, SERVER, DEVICE, CONNECTIVITY, FIRMWARE = 0, 1, 3, 4, 5
BUILTIN_OBJECTS: frozenset[int] = frozenset({SECURITY, SERVER, DEVICE, CONNECTIVITY, FIRMWARE})

LIFETIME_RANGE = (20, 31536000)
"""The lifetimes AT+QLACONFIG accepts; a server Write outside it is refused with 4.00."""
BINDINGS = ("U", "UQ")

# Resources of the Server object: /1/x/1 lifetime and /1/x/7 binding are the writes the module reports
# to the terminal; /1/x/8 is the Registration Update Trigger.
LIFETIME, BINDING, UPDATE_TRIGGER = 1, 7, 8
REBOOT_PATH: Path = (DEVICE, 0, 4)
FACTORY_RESET_PATH: Path = (DEVICE, 0, 5)


@dataclass(frozen=True)
class InstanceIds:
    """The instance of each built-in object: 0, except the Security and Server instances that a
    bootstrap server wrote (LwM2M lets it choose them; ``/0/1`` and ``/1/1`` are common)."""

    security: int = 0
    server: int = 0

    def of(self, obj: int) -> int:
        return {SECURITY: self.security, SERVER: self.server}.get(obj, 0)

    def registered(self) -> tuple[Path, ...]:
        """What a Register lists before the custom instances (the Security object is never announced)."""
        return ((SERVER, self.server), (DEVICE, 0), (CONNECTIVITY, 0), (FIRMWARE, 0))

    def exists(self, path: Path) -> bool:
        """Whether a built-in object path (an object, its instance, or a resource of it) exists."""
        if not path or path[0] not in SCHEMA:
            return False
        if len(path) >= 2 and path[1] != self.of(path[0]):
            return False
        return len(path) < 3 or path[2] in SCHEMA[path[0]]

    def resource(self, path: Path) -> Res | None:
        """The schema entry of a built-in resource path, None for anything else."""
        if len(path) != 3 or not self.exists(path):
            return None
        return SCHEMA[path[0]][path[2]]

    def server_resource(self, res: int) -> Path:
        """The path of a resource of the Server instance (``/1/x/1`` lifetime …)."""
        return (SERVER, self.server, res)


@dataclass(frozen=True)
class Res:
    """One resource of a built-in object: its LwM2M data type and the operations it allows."""

    kind: str
    ops: str  # any of "R", "W", "E"
    multi: bool = False

    @property
    def readable(self) -> bool:
        return "R" in self.ops

    @property
    def writable(self) -> bool:
        return "W" in self.ops

    @property
    def executable(self) -> bool:
        return "E" in self.ops


SCHEMA: dict[int, dict[int, Res]] = {
    SECURITY: {
        0: Res("string", "RW"),  # LwM2M Server URI
        1: Res("boolean", "RW"),  # Bootstrap-Server
        2: Res("integer", "RW"),  # Security Mode
        3: Res("opaque", "RW"),  # Public Key or Identity (PSK identity)
        4: Res("opaque", "RW"),  # Server Public Key
        5: Res("opaque", "RW"),  # Secret Key (PSK)
        10: Res("integer", "RW"),  # Short Server ID
        11: Res("integer", "RW"),  # Client Hold Off Time
        12: Res("integer", "RW"),  # Bootstrap-Server Account Timeout
    },
    SERVER: {
        0: Res("integer", "R"),  # Short Server ID
        1: Res("integer", "RW"),  # Lifetime
        2: Res("integer", "RW"),  # Default Minimum Period
        3: Res("integer", "RW"),  # Default Maximum Period
        5: Res("integer", "RW"),  # Disable Timeout
        6: Res("boolean", "RW"),  # Notification Storing When Disabled or Offline
        7: Res("string", "RW"),  # Binding
        8: Res("none", "E"),  # Registration Update Trigger
    },
    DEVICE: {
        0: Res("string", "R"),  # Manufacturer
        1: Res("string", "R"),  # Model Number
        2: Res("string", "R"),  # Serial Number
        3: Res("string", "R"),  # Firmware Version
        4: Res("none", "E"),  # Reboot
        5: Res("none", "E"),  # Factory Reset
        9: Res("integer", "R"),  # Battery Level
        11: Res("integer", "R", multi=True),  # Error Code
        13: Res("time", "R"),  # Current Time
        16: Res("string", "R"),  # Supported Binding and Modes
        17: Res("string", "R"),  # Device Type
        19: Res("string", "R"),  # Software Version
    },
    CONNECTIVITY: {
        0: Res("integer", "R"),  # Network Bearer
        1: Res("integer", "R", multi=True),  # Available Network Bearer
        2: Res("integer", "R"),  # Radio Signal Strength (dBm)
        3: Res("integer", "R"),  # Link Quality
        4: Res("string", "R", multi=True),  # IP Addresses
        7: Res("string", "R", multi=True),  # APN
        8: Res("integer", "R"),  # Cell ID
        9: Res("integer", "R"),  # SMNC
        10: Res("integer", "R"),  # SMCC
    },
    FIRMWARE: {
        3: Res("integer", "R"),  # State: 0 idle
        5: Res("integer", "R"),  # Update Result: 0 initial value
    },
}

NB_IOT_BEARER = 7
"""LwM2M /4/0/0 value for NB-IoT."""


@dataclass
class DeviceInfo:
    """What the module knows about itself, for objects 3 and 4.

    The module passes a fresh one on every read (through a callable), so AT+QLACFG="cfg_res" or a new
    IP address is visible to the very next server read.
    """

    imei: str
    firmware: str = "BC26NBR01A08"
    device_type: str = ""
    ip: str = "127.0.0.1"
    manufacturer: str = "Quectel"
    model: str = "BC26"
    signal_strength: int = -85
    link_quality: int = 0
    cell_id: int = 0x0A1B2C3
    mnc: int = 0
    mcc: int = 460
    apn: str = ""
    battery: int = 100


@dataclass
class ServerAccount:
    """The Server object instance (``instance``, 0 unless bootstrap chose another): what the
    registration is using (the module's configured values, updated by server Writes)."""

    instance: int = 0
    short_id: int = 1
    lifetime: int = 86400
    binding: str = "U"
    pmin: int = 0
    pmax: int = 0
    disable_timeout: int = 86400
    storing: bool = False


@dataclass
class SecurityAccount:
    """The Security object instance (``instance``) as the module would hold it for the configured server."""

    instance: int = 0
    uri: str = ""
    bootstrap: bool = False
    mode: int = 3
    identity: bytes = b""
    key: bytes = b""
    short_id: int = 1


def builtin_values(device: DeviceInfo, server: ServerAccount, security: SecurityAccount) -> dict[Path, Scalar]:
    """Every readable value of the built-in objects, keyed by full path (multi-instance resources by
    their 4-element path)."""
    sec, srv = security.instance, server.instance
    values: dict[Path, Scalar] = {
        (0, sec, 0): security.uri,
        (0, sec, 1): security.bootstrap,
        (0, sec, 2): security.mode,
        (0, sec, 3): security.identity,
        (0, sec, 4): b"",
        (0, sec, 5): security.key,
        (0, sec, 10): security.short_id,
        (0, sec, 11): 0,
        (0, sec, 12): 0,
        (1, srv, 0): server.short_id,
        (1, srv, 1): server.lifetime,
        (1, srv, 2): server.pmin,
        (1, srv, 3): server.pmax,
        (1, srv, 5): server.disable_timeout,
        (1, srv, 6): server.storing,
        (1, srv, 7): server.binding,
        (3, 0, 0): device.manufacturer,
        (3, 0, 1): device.model,
        (3, 0, 2): device.imei,
        (3, 0, 3): device.firmware,
        (3, 0, 9): device.battery,
        (3, 0, 11, 0): 0,
        (3, 0, 13): int(time.time()),
        (3, 0, 16): "UQ",
        (3, 0, 17): device.device_type,
        (3, 0, 19): device.firmware,
        (4, 0, 0): NB_IOT_BEARER,
        (4, 0, 1, 0): NB_IOT_BEARER,
        (4, 0, 2): device.signal_strength,
        (4, 0, 3): device.link_quality,
        (4, 0, 4, 0): device.ip,
        (4, 0, 7, 0): device.apn,
        (4, 0, 8): device.cell_id,
        (4, 0, 9): device.mnc,
        (4, 0, 10): device.mcc,
        (5, 0, 3): 0,
        (5, 0, 5): 0,
    }
    return values


def under(path: Path, base: Path) -> bool:
    """True when ``path`` lies at or below ``base``."""
    return path[: len(base)] == base


def select(values: Mapping[Path, Scalar], base: Path) -> dict[Path, Scalar]:
    """The values at or below ``base`` (readable resources only: executables have no value)."""
    return {p: v for p, v in values.items() if under(p, base)}


def typed(value: Scalar, kind: str) -> Scalar:
    """Give a written value the data type the schema says: TLV and opaque deliver bytes, text delivers
    str, JSON formats deliver typed values already. Raises CodecError (→ 4.00) when it does not fit."""
    if kind == "opaque":
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, bytes):
            return value
        raise CodecError(f"opaque value expected, got {type(value).__name__}")
    if isinstance(value, bytes):
        return tlv_value(value, kind)
    if kind in ("integer", "time"):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise CodecError(f"integer expected, got {value!r}") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true"):
            return True
        if text in ("0", "false"):
            return False
        raise CodecError(f"boolean expected, got {value!r}")
    if kind == "string":
        return value if isinstance(value, str) else str(value)
    raise CodecError(f"cannot write a value of type {kind}")


def discover_links(
    paths: Iterable[Path], base: Path, attributes: Mapping[Path, Mapping[str, str | None]] | None = None
) -> str:
    """Link-format answer to a Discover on ``base``: the base itself, then (for an object or an
    instance) every resource below it, as LwM2M 1.0 section 5.4.2 shows, each with the link attributes
    ``attributes`` gives it (``</3/0/13>;pmin=1;pmax=3``)."""
    def href(path: Path) -> Link:
        return Link("/" + "/".join(map(str, path)), dict((attributes or {}).get(path, {})))

    links = [href(base)]
    if len(base) < 3:
        links += [href(p) for p in paths if len(p) == 3 and under(p, base)]
    return link_format(links)
