"""The console's side of a link, reduced to what a benchmark needs: write bytes, frame and parse replies."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from qlaterm.at.framing import LineFramer
from qlaterm.at.parse import Event, Final, Info, Urc, parse_line

Predicate = Callable[[Event], bool]


class Terminal:
    """Frames and parses whatever arrives through ``received``; one awaited event at a time."""

    def __init__(self, write: Callable[[bytes], None]) -> None:
        self._write = write
        self._framer = LineFramer()
        self._waiting: tuple[Predicate, asyncio.Future[Event]] | None = None
        self.recent: deque[str] = deque(maxlen=20)

    def received(self, data: bytes) -> None:
        for line in self._framer.feed(data):
            self.recent.append(line.text)
            if self._waiting is None:
                continue
            wanted, future = self._waiting
            event = parse_line(line)
            if not future.done() and (wanted(event) or (isinstance(event, Final) and not event.ok)):
                future.set_result(event)

    def expect(self, wanted: Predicate) -> asyncio.Future[Event]:
        """Arm a wait before doing what causes the event, so a fast answer cannot be missed."""
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._waiting = (wanted, future)
        return future

    async def until(self, future: asyncio.Future[Event], what: str, timeout: float = 5.0) -> Event:
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise RuntimeError(f"{what}: nothing after {timeout} s; last lines {list(self.recent)}") from None
        finally:
            self._waiting = None

    async def send(self, command: str, wanted: Predicate, timeout: float = 5.0) -> tuple[float, Event]:
        """Seconds from writing ``command`` to the first event ``wanted`` accepts (or an error final)."""
        future = self.expect(wanted)
        start = time.perf_counter()
        self._write(command.encode() + b"\r")
        event = await self.until(future, command, timeout)
        return time.perf_counter() - start, event


def is_ok(event: Event) -> bool:
    return isinstance(event, Final) and event.ok


def is_result(name: str) -> Predicate:
    """The asynchronous result ``+NAME: …`` of a command."""
    return lambda event: isinstance(event, Info) and event.name == name


def is_urc(kind: str) -> Predicate:
    return lambda event: isinstance(event, Urc) and event.kind == kind
