"""The two ends a benchmark drives: a module's link (frame and parse replies) and a real terminal (a pty).

:class:`Terminal` is the console's side of a link, reduced to what a benchmark needs: write bytes, frame and
parse replies.  :func:`first_frame` starts a program under a pseudo-terminal, as a user's terminal emulator
would, and times it from the spawn to its first complete frame.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

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


FRAME_START = b"\x1b[1;1H"
"""A Textual frame starts by homing the cursor; the terminal set-up before it draws nothing."""

FRAME_GAP = 0.01
"""A frame is written in one go: bytes that stop for this long have ended it."""


def first_frame(argv: Sequence[str], env: Mapping[str, str], *, size: tuple[int, int] = (120, 40),
                timeout: float = 30.0) -> float:
    """Seconds from spawning ``argv`` under a pty of ``size`` (columns, rows) to the end of its first frame.

    The program gets the pty as its controlling terminal on stdin, stdout and stderr, so it draws exactly as
    in a terminal emulator, and pays for every import it makes.  It is killed once the frame is in.
    """
    master, slave = pty.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    start = time.monotonic()
    proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, env=dict(env),
                            start_new_session=True, close_fds=True)
    os.close(slave)
    output = b""
    drawn: float | None = None  # when the last byte of the frame so far arrived
    try:
        while True:
            now = time.monotonic()
            if now - start > timeout:
                raise RuntimeError(f"{argv[0]}: no frame after {timeout} s; output {output[-300:]!r}")
            ready, _, _ = select.select([master], [], [], FRAME_GAP)
            if not ready:
                if drawn is not None:
                    return drawn - start
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # the program exited: its output ends here
                data = b""
            if not data:
                raise RuntimeError(f"{argv[0]} exited before drawing; output {output[-2000:]!r}")
            output += data
            if drawn is not None or FRAME_START in output:
                drawn = time.monotonic()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
