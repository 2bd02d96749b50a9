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

__all__ = ["DataCallback", "LinkState", "LinkStatus", "StateCallback", "Transport"]


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

    async def open(self, on_data: DataCallback, on_state: StateCallback) -> None: ...

    def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...
