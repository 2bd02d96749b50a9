"""What the in-process simulator offers beyond the bytes of a serial port: facts, deep sleep, the radio
condition, power and reset, the platform.

The console sees the simulated module and the bundled platform only through these small protocols, which
the simulator's link and the platform satisfy by their shape; the UI never imports either of them, and a
real module's link simply has no simulator (``Transport.simulator`` is None).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "CoapRecords",
    "DtlsSession",
    "PlatformDevice",
    "PlatformHandle",
    "PlatformProfile",
    "QueuedRequest",
    "Refusal",
    "SimFacts",
    "SimulatorControls",
]


@dataclass(frozen=True, slots=True)
class DtlsSession:
    """What the module's DTLS session negotiated: facts a real BC26 never reports over AT."""

    version: str  # "DTLS 1.2"
    cipher: str  # "TLS-PSK-WITH-AES-128-CCM-8"
    resumed: bool  # an abbreviated handshake (dtls_mode 1 after deep sleep)
    identity: str | None = None

    @property
    def text(self) -> str:
        return f"{self.version} · {self.cipher}" + (" · resumed" if self.resumed else "")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A PSK identity the bundled platform's DTLS port turned away, and why."""

    time: float
    identity: str
    peer: str
    reason: str


@dataclass(frozen=True, slots=True)
class SimFacts:
    """What only the simulator can tell: the module's sleep state and DTLS session, the platform's PSK side.

    The console shows these beside what it learned over AT; none of it is invented for a real module.
    """

    asleep: bool = False
    module_dtls: DtlsSession | None = None
    dtls_port: int | None = None
    psk_store: tuple[tuple[str, str], ...] = ()  # (identity, key as upper-case hex), in insertion order
    refused: tuple[Refusal, ...] = ()  # the most recent, oldest first
    refused_count: int = 0  # every refusal since start (``refused`` keeps only the last ones)


class PlatformDevice(Protocol):
    """A device registered with the platform, as the platform pane shows it."""

    @property
    def endpoint(self) -> str: ...

    @property
    def address(self) -> tuple[str, int]: ...

    @property
    def lifetime(self) -> int: ...

    @property
    def last_update(self) -> float: ...

    @property
    def binding(self) -> str: ...

    def object_paths(self) -> Iterable[tuple[int, ...]]: ...


class QueuedRequest(Protocol):
    """A request the platform holds for a device in queue mode until the device is heard from."""

    @property
    def operation(self) -> str: ...

    @property
    def path(self) -> tuple[int, ...]: ...

    @property
    def queued_at(self) -> float: ...


class PlatformProfile(Protocol):
    @property
    def name(self) -> str: ...


class CoapRecords(Protocol):
    """The platform's CoAP log: every message on its socket, each record printable as one line."""

    def add_listener(self, listener: Callable[[Any], object]) -> Callable[[], None]: ...


class PlatformHandle(Protocol):
    """The bundled LwM2M server: where it listens, what it saw, and the operations the console issues.

    Events handed to ``subscribe`` listeners describe themselves (a ``time`` and a one-line summary).
    """

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def dtls_port(self) -> int | None: ...

    @property
    def profile(self) -> PlatformProfile: ...

    @property
    def coap_log(self) -> CoapRecords: ...

    @property
    def devices(self) -> Mapping[str, PlatformDevice]:
        """The registered devices by endpoint name."""
        ...

    @property
    def latest_device(self) -> PlatformDevice | None:
        """The device that registered last, if any is registered."""
        ...

    def subscribe(self, callback: Callable[[Any], object]) -> Callable[[], None]: ...

    def queued(self, endpoint: str) -> Sequence[QueuedRequest]:
        """The requests waiting for ``endpoint`` while it sleeps in queue mode, oldest first."""
        ...

    async def read(self, ep: str, path: str) -> object: ...

    async def write(self, ep: str, path: str, value: Any) -> object: ...

    async def execute(self, ep: str, path: str, args: str = "") -> object: ...

    async def observe(self, ep: str, path: str) -> object: ...

    async def cancel(self, ep: str, path: str) -> object: ...

    async def discover(self, ep: str, path: str) -> object: ...

    async def write_attributes(self, ep: str, path: str, pmin: int | None = None,
                               pmax: int | None = None) -> object: ...


class SimulatorControls(Protocol):
    """The simulated module's controls and the platform beside it (``qlaterm --sim``)."""

    @property
    def platform_port(self) -> int | None:
        """None when the simulator runs without the bundled platform."""
        ...

    @property
    def platform(self) -> PlatformHandle | None:
        """The bundled platform once the link is open (and while it runs)."""
        ...

    @property
    def asleep(self) -> bool: ...

    def facts(self) -> SimFacts:
        """A snapshot of what the simulator knows beyond AT; cheap enough to take on every status change."""
        ...

    async def deep_sleep(self) -> None: ...

    async def wake(self) -> None: ...

    @property
    def network(self) -> str | None:
        """The name of the module's radio condition (``good`` …; None before the simulator runs)."""
        ...

    @property
    def networks(self) -> tuple[str, ...]:
        """The names ``set_network`` takes, mildest first."""
        ...

    def set_network(self, name: str) -> None:
        """Put the module in another radio condition: ``ideal``, ``good``, ``poor``, ``edge`` or ``none``."""
        ...

    async def power_cycle(self) -> None:
        """Switch the module off and on, as an MCU does through its power switch or PWRKEY."""
        ...

    async def reset(self) -> None:
        """Pulse the module's RESET line."""
        ...
