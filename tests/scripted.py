"""A scripted stand-in for a module, for session and state tests that need exact timing.

Answers are scripted per command line and delivered in three-byte pieces, so every test also exercises
framing across arbitrary reads.
"""

from __future__ import annotations

import asyncio

from qlaterm.link.base import DataCallback, LinkState, LinkStatus, StateCallback
from qlaterm.link.session import Session, SessionEvent


class Scripted:
    """A transport whose answers are scripted per command line; bytes come back in awkward pieces."""

    name = "scripted"
    simulator = None  # a module, not the simulator
    serial = None  # and not on a serial port: no line settings, no modem lines

    def __init__(self, script: dict[str, list[bytes]] | None = None, *, echo: bool = True) -> None:
        self.script = script or {}
        self.echo = echo
        self.written: list[bytes] = []
        self.on_data: DataCallback | None = None
        self.on_state: StateCallback | None = None

    async def open(self, on_data: DataCallback, on_state: StateCallback) -> None:
        self.on_data, self.on_state = on_data, on_state
        on_state(LinkStatus(LinkState.CONNECTED, "scripted"))

    def write(self, data: bytes) -> None:
        self.written.append(data)
        line = data.decode().strip()
        if self.echo:
            self.emit(data)
        loop = asyncio.get_running_loop()
        for chunk in self.script.get(line, []):
            loop.call_soon(self.emit, chunk)

    def emit(self, data: bytes) -> None:
        assert self.on_data is not None
        for i in range(0, len(data), 3):  # split everywhere: framing must not care
            self.on_data(data[i : i + 3])

    async def close(self) -> None:
        pass


def frame(*lines: str) -> bytes:
    return b"".join(b"\r\n" + line.encode() + b"\r\n" for line in lines)


async def opened(script: dict[str, list[bytes]], **kw: object) -> tuple[Session, Scripted, list[SessionEvent]]:
    transport = Scripted(script, **kw)  # type: ignore[arg-type]
    session = Session(transport, timeout=0.5)
    events: list[SessionEvent] = []
    session.subscribe(events.append)
    await session.open()
    return session, transport, events


