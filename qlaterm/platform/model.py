"""Plain data the bundled platform hands out: devices, results, events, CoAP log records.

Kept free of aiocoap transport logic so the console, the CLI and tests can import and
pattern-match these types without pulling in the server machinery.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiocoap import Code

from qlaterm.lwm2m.linkformat import Link
from qlaterm.lwm2m.paths import Path, PathError, format_path, parse_path


class PlatformError(Exception):
    """Base class of the errors a platform operation raises (instead of returning a Result)."""


class UnknownDevice(PlatformError, KeyError):
    """The endpoint is not registered, so there is no address to send the request to."""

    def __str__(self) -> str:
        return f"no registered device {self.args[0]!r}"


class RequestTimeout(PlatformError, TimeoutError):
    """The device did not answer within the request's timeout."""


class RequestFailed(PlatformError):
    """The exchange failed below CoAP response level (RST, retransmissions exhausted, socket error)."""


@dataclass
class Device:
    """One registration, as the Registration interface recorded it."""

    endpoint: str
    location: str  # "rd/<id>", as sent in Location-Path
    lifetime: int
    binding: str
    lwm2m_version: str
    objects: list[Link]  # the registration body's links
    links_text: str  # the registration body as received
    remote: Any  # aiocoap remote of the Register: where device-management requests go
    address: tuple[str, int]  # (host, port) of that remote, for display
    registered_at: float = field(default_factory=time.time)
    last_update: float = field(default_factory=time.time)
    sms_number: str | None = None

    @property
    def registration_id(self) -> str:
        """The <id> part of the location."""
        return self.location.rsplit("/", 1)[-1]

    def object_paths(self) -> list[Path]:
        """Paths listed in the registration body, e.g. [(1, 0), (3, 0), (19, 0)]."""
        paths: list[Path] = []
        for link in self.objects:
            try:
                path = parse_path(link.path)
            except PathError:
                continue  # an alternate base path such as </lwm2m/3/0>
            if path:  # the root link "</>;rt=..." lists no object
                paths.append(path)
        return paths

    def lists(self, path: Path) -> bool:
        """Whether the registration body lists exactly this object or instance."""
        return path in self.object_paths()

    def summary(self) -> str:
        """One line: endpoint, location, address, lifetime, binding, version and the objects it listed."""
        host, port = self.address
        return (
            f"{self.endpoint} location={self.location} address={host}:{port} lifetime={self.lifetime} "
            f"binding={self.binding} lwm2m={self.lwm2m_version} objects={self.links_text}"
        )


@dataclass
class Result:
    """A device's answer to one device-management request."""

    code: Code
    content_format: int | None
    payload: bytes
    values: dict[Path, Any] = field(default_factory=dict)
    text: str = ""
    mid: int | None = None
    con: bool | None = None
    links: list[Any] = field(default_factory=list)  # codec Links of a link-format answer (Discover)

    @property
    def ok(self) -> bool:
        """2.xx."""
        return self.code.is_successful()

    @property
    def value(self) -> Any:
        """The single decoded value of a resource read, or None."""
        if len(self.values) == 1:
            return next(iter(self.values.values()))
        return None

    def __str__(self) -> str:
        cf = "" if self.content_format is None else f" cf={self.content_format}"
        body = f" {self.text}" if self.text else ""
        return f"{self.code.dotted} {self.code.name_printable}{cf}{body}"


# ----------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Event:
    """Base class of everything the platform reports; `time` is wall-clock seconds.

    Every event describes itself in one line (:meth:`summary`), the line the console's platform pane and
    ``qlaterm-platform`` print; :attr:`registration_changed` says whether the set of registered devices
    or their registration data changed with it, :attr:`queue_changed` whether the requests waiting for a
    device in queue mode did.
    """

    endpoint: str | None
    time: float = field(default_factory=time.time, kw_only=True)

    registration_changed: ClassVar[bool] = False
    queue_changed: ClassVar[bool] = False

    def summary(self) -> str:
        """The event in one line, endpoint included."""
        raise NotImplementedError(f"{type(self).__name__} does not describe itself")


@dataclass(frozen=True)
class Registered(Event):
    device: Device
    replaced: bool = False  # the endpoint was registered already; the old registration is gone

    registration_changed: ClassVar[bool] = True

    def summary(self) -> str:
        again = " (replaces an earlier registration)" if self.replaced else ""
        return f"registered {self.device.summary()}{again}"


@dataclass(frozen=True)
class Updated(Event):
    device: Device
    changed: tuple[str, ...] = ()  # which of "lifetime", "binding", "objects", "address"

    registration_changed: ClassVar[bool] = True

    def summary(self) -> str:
        changed = ",".join(self.changed) or "nothing"
        return (
            f"updated {self.endpoint} changed={changed} lifetime={self.device.lifetime} binding={self.device.binding}"
        )


@dataclass(frozen=True)
class Deregistered(Event):
    device: Device

    registration_changed: ClassVar[bool] = True

    def summary(self) -> str:
        return f"deregistered {self.endpoint}"


@dataclass(frozen=True)
class Expired(Event):
    device: Device

    registration_changed: ClassVar[bool] = True

    def summary(self) -> str:
        return f"expired {self.endpoint} (no update within {self.device.lifetime} s)"


@dataclass(frozen=True)
class Notification(Event):
    path: Path
    result: Result  # the notification as a response: code, format, payload, decoded values

    def summary(self) -> str:
        kind = "CON" if self.con else "NON"
        return f"notify {self.endpoint} {format_path(self.path)} mid={self.mid} {kind}: {self.result}"

    @property
    def values(self) -> dict[Path, Any]:
        return self.result.values

    @property
    def mid(self) -> int | None:
        return self.result.mid

    @property
    def con(self) -> bool:
        return bool(self.result.con)


@dataclass(frozen=True)
class ObservationEnded(Event):
    path: Path
    reason: str

    def summary(self) -> str:
        return f"observation ended {self.endpoint} {format_path(self.path)}: {self.reason}"


@dataclass(frozen=True)
class SendReceived(Event):
    payload: bytes
    values: dict[Path, Any]
    content_format: int | None = None
    text: str = ""

    def summary(self) -> str:
        return f"send {self.endpoint} cf={self.content_format}: {self.text or repr(self.payload)}"


@dataclass(frozen=True)
class BootstrapRequested(Event):
    address: tuple[str, int]

    def summary(self) -> str:
        host, port = self.address
        return f"bootstrap request {self.endpoint} from {host}:{port}"


@dataclass(frozen=True)
class BootstrapFinished(Event):
    ok: bool
    detail: str = ""

    def summary(self) -> str:
        return f"bootstrap {'finished' if self.ok else 'failed'} {self.endpoint}: {self.detail}"


@dataclass(frozen=True)
class OperationDone(Event):
    """A device-management request completed (whoever started it: API, CLI or a profile)."""

    operation: str  # read, write, execute, discover, write-attributes, observe, cancel
    path: Path
    result: Result | None
    error: str = ""
    origin: str = "api"  # "api", or "profile:<name>" for requests a profile made by itself

    def summary(self) -> str:
        who = "" if self.origin == "api" else f"{self.origin} "
        outcome = str(self.result) if self.result is not None else f"error: {self.error}"
        return f"{who}{self.operation} {self.endpoint} {format_path(self.path)}: {outcome}"


@dataclass(frozen=True)
class ProfileError(Event):
    """A profile's reaction failed; the platform keeps serving."""

    profile: str
    error: str

    def summary(self) -> str:
        return f"profile {self.profile} error {self.endpoint}: {self.error}"


# ------------------------------------------------------------------------------------------ log


def code_label(code: Code) -> str:
    """GET/POST/… for requests, EMPTY for 0.00, "2.05" style for responses."""
    if code.is_request():
        return str(code)
    if code == Code.EMPTY:
        return "EMPTY"
    return code.dotted


@dataclass(frozen=True)
class CoapRecord:
    """One CoAP message on the platform's socket, in or out (retransmissions included)."""

    time: float
    direction: str  # "in" or "out"
    type: str  # CON, NON, ACK, RST
    code: Code
    mid: int | None
    token: str  # hex
    path: str  # request path; for responses the path of the request they answer, when known
    content_format: int | None
    payload: str  # described payload
    remote: tuple[str, int]
    observe: int | None = None
    query: str = ""
    block: str = ""  # Block1/Block2 option as "block2=NUM/MORE/SIZE", when the message is one piece of several

    def __str__(self) -> str:
        arrow = "<-" if self.direction == "in" else "->"
        cf = "" if self.content_format is None else f" cf={self.content_format}"
        obs = "" if self.observe is None else f" obs={self.observe}"
        if self.block:
            obs += f" {self.block}"
        query = f"?{self.query}" if self.query else ""
        payload = f" {self.payload}" if self.payload else ""
        return (
            f"{arrow} {self.remote[0]}:{self.remote[1]} {self.type} {code_label(self.code)} mid={self.mid} "
            f"tok={self.token or '-'} {self.path or '-'}{query}{cf}{obs}{payload}"
        )


@dataclass(frozen=True)
class Queued(Event):
    """A request for a device in queue mode (binding with Q) that is asleep: it waits until the device is
    heard from."""

    operation: str
    path: Path
    position: int  # 1 for the request that goes first

    queue_changed: ClassVar[bool] = True

    def summary(self) -> str:
        where = f"{self.endpoint} {format_path(self.path)}"
        return f"queued {self.operation} {where} (#{self.position}, until it is heard from)"


@dataclass(frozen=True)
class Sent(Event):
    """A queued request went to the device, which had just been heard from."""

    operation: str
    path: Path
    waited: float  # seconds in the queue

    queue_changed: ClassVar[bool] = True

    def summary(self) -> str:
        return f"sent queued {self.operation} {self.endpoint} {format_path(self.path)} after {self.waited:.1f} s"
