"""What every byte link offers the session: open, write, close, and two callbacks.

A real module on a serial port and the in-process simulator are interchangeable behind this interface, so
everything above it (session, state, UI) is exercised by the same code in tests and in the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .simulator import SimulatorControls

__all__ = [
    "BYTESIZES",
    "PARITIES",
    "STOPBITS",
    "DataCallback",
    "LinkState",
    "LinkStatus",
    "SerialControls",
    "SerialSettings",
    "StateCallback",
    "Transport",
]


class LinkState(StrEnum):
    """Where the byte link stands; shown in the status pane."""

    CLOSED = "closed"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    LOST = "lost"  # was connected, retrying by itself


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """A link state change with a human explanation (the port, the error, the next retry)."""

    state: LinkState
    detail: str = ""


BYTESIZES = (5, 6, 7, 8)
PARITIES = {"N": "none", "E": "even", "O": "odd", "M": "mark", "S": "space"}
STOPBITS = (1.0, 1.5, 2.0)


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """How a serial port frames its bytes: ``115200 8N1``, flow control off, as a BC26's main UART expects."""

    baudrate: int = 115200
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1.0
    rtscts: bool = False
    xonxoff: bool = False

    def __post_init__(self) -> None:
        if self.baudrate <= 0:
            raise ValueError(f"baud rate {self.baudrate}: must be a positive number")
        if self.bytesize not in BYTESIZES:
            raise ValueError(f"data bits {self.bytesize}: one of 5, 6, 7, 8")
        if self.parity not in PARITIES:
            raise ValueError(f"parity {self.parity!r}: one of {', '.join(PARITIES)}")
        if self.stopbits not in STOPBITS:
            raise ValueError(f"stop bits {self.stopbits:g}: one of 1, 1.5, 2")

    @property
    def text(self) -> str:
        """``115200 8N1`` with ``RTS/CTS`` or ``XON/XOFF`` when flow control is on."""
        flow = "".join((" RTS/CTS" if self.rtscts else "", " XON/XOFF" if self.xonxoff else ""))
        return f"{self.baudrate} {self.bytesize}{self.parity}{self.stopbits:g}{flow}"

    def pyserial(self) -> dict[str, object]:
        """The keyword arguments of ``serial.Serial`` (and attributes of an open one) for these settings."""
        return {"baudrate": self.baudrate, "bytesize": self.bytesize, "parity": self.parity,
                "stopbits": self.stopbits if self.stopbits == 1.5 else int(self.stopbits),
                "rtscts": self.rtscts, "xonxoff": self.xonxoff}


class SerialControls(Protocol):
    """What only a serial port has: its line settings and the DTR and RTS lines, changed while it is open.

    Settings and line states are kept across a reconnection.  ``apply``, ``set_dtr`` and ``set_rts`` raise
    ``ValueError`` with a message for the user when the port refuses them (a pty has no modem lines).
    """

    @property
    def settings(self) -> SerialSettings: ...

    def apply(self, settings: SerialSettings) -> None: ...

    @property
    def dtr(self) -> bool: ...

    @property
    def rts(self) -> bool: ...

    def set_dtr(self, on: bool) -> None: ...

    def set_rts(self, on: bool) -> None: ...


DataCallback = Callable[[bytes], None]
StateCallback = Callable[[LinkStatus], None]


class Transport(Protocol):
    """A bidirectional byte pipe to a module.

    ``open`` returns once the first connection attempt is decided; a transport that reconnects keeps
    calling ``on_state`` afterwards.  ``write`` never blocks: bytes written while the link is down are dropped
    (the session times the command out and the user sees why in the status pane).
    """

    name: str

    @property
    def simulator(self) -> SimulatorControls | None:
        """The simulated module's controls when this link is the in-process simulator; None for a real one."""
        ...

    @property
    def serial(self) -> SerialControls | None:
        """The port's settings and modem lines when this link is a serial port; None for the simulator."""
        ...

    async def open(self, on_data: DataCallback, on_state: StateCallback) -> None: ...

    def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...
