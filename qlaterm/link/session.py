"""The AT session: one command in flight, its reply collected, everything else fanned out.

A BC26 interleaves three things on one line-oriented link: the reply to the command just sent (echo,
information lines, exactly one final result code), asynchronous results of earlier commands
(``+QLAREG: 0`` after ``OK``) and URCs (``+QLAURC: …``) that may arrive at any moment, even between a
command and its ``OK``.  The session keeps them apart so that a quick action can ``await`` its reply while
the transcript, the state model and the panes see every line in order.

Lines are never read here beyond what :func:`qlaterm.at.parse.parse_line` says they are; which command a
line belongs to is decided from the parsed event and the command in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from qlaterm.at.catalogue import COMMANDS, Form
from qlaterm.at.check import Checked, Rejected, check_line
from qlaterm.at.framing import LineFramer
from qlaterm.at.parse import Broken, Echo, Event, Final, Info, Text, Urc, parse_line

from .base import LinkState, LinkStatus, Transport

__all__ = [
    "DEFAULT_TIMEOUT",
    "Kind",
    "Rebooted",
    "Reply",
    "Session",
    "SessionEvent",
    "Traffic",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
"""Seconds to wait for a final result code.  The module answers within 300 ms; a slow serial adapter or a
busy host gets generous slack, and a command that really gets no answer is reported, not waited on forever."""


class Kind(StrEnum):
    """What a line in the transcript is; the value is the marker the transcript prints."""

    SENT = ">"  # a command line the console wrote
    ECHO = "="  # the module repeating it
    REPLY = "<"  # information response of the command in flight
    FINAL = "#"  # OK / ERROR / +CME ERROR
    RESULT = "+"  # asynchronous result (+QLAREG: 0 …)
    URC = "*"  # +QLAURC
    TEXT = "."  # anything else the module prints: banner, RDY, unsolicited lines
    BROKEN = "!"  # a line that is not what it claims to be: shown raw, flagged
    NOTE = "~"  # the console talking: link changes, timeouts


@dataclass(frozen=True, slots=True)
class Traffic:
    """One line on the link (or a note about it), in the order it happened.

    ``raw`` is the line's bytes on the wire: a sent line with its CR; a received one with the line ends
    that came before its text (see :class:`~qlaterm.at.framing.Line`); empty for a note.
    """

    time: float
    kind: Kind
    text: str
    event: Event | None = None
    raw: bytes = b""


@dataclass(slots=True)
class Reply:
    """Everything the module answered to one command line.

    ``final`` is None when no final result code came in time (``timed_out``) or the module restarted
    before answering (``interrupted``).  ``checked`` is the catalogue's reading of the line that was sent,
    so that consumers know the command, its form and typed arguments without reading the line again.
    """

    line: str
    checked: Checked | Rejected
    started: float
    lines: list[Info | Text] = field(default_factory=list)
    final: Final | None = None
    elapsed: float = 0.0
    timed_out: bool = False
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.final is not None and self.final.ok

    @property
    def name(self) -> str:
        """``+QLACONFIG`` for extended commands, the whole upper-cased line for basic ones."""
        return self.checked.name if isinstance(self.checked, Checked) else self.line.strip().upper()

    @property
    def form(self) -> Form | None:
        return self.checked.form if isinstance(self.checked, Checked) else None

    def infos(self, name: str) -> list[Info]:
        """The information lines called ``name`` (``+QLACFG``)."""
        return [x for x in self.lines if isinstance(x, Info) and x.name == name]


@dataclass(frozen=True, slots=True)
class Rebooted:
    """The module printed ``RDY``: it (re)started and its state must be read again."""

    time: float


SessionEvent = Traffic | Reply | Rebooted | LinkStatus
Listener = Callable[[SessionEvent], None]


def _result_fields(template: str) -> int:
    """Field count of an asynchronous result template: ``+QLAUPDATE: <status_code>,<messageID>`` → 2."""
    _, _, rest = template.partition(": ")
    return rest.count(",") + 1 if rest else 0


_RESULTS: dict[str, int] = {c.name: _result_fields(c.result) for c in COMMANDS.values() if c.result.startswith(c.name)}
"""Commands that print an asynchronous result line, and how many fields that line has.

The count tells ``+QLAUPDATE: 4711`` (the message ID, part of the reply) from ``+QLAUPDATE: 0,4711``
(the result, which may arrive while a later command is already in flight)."""


class _InFlight:
    """The command waiting for its final result code."""

    __slots__ = ("done", "reply")

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.done: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()


class Session:
    """An AT session over any :class:`~qlaterm.link.base.Transport`.

    ``send`` serialises commands (one in flight; callers queue on a lock) and returns the :class:`Reply`.
    Every line, every reply, every restart and every link change is also given, in order, to the listeners
    added with :meth:`subscribe` — the transcript, the state model and tests all read the same stream.
    """

    def __init__(self, transport: Transport, *, timeout: float = DEFAULT_TIMEOUT,
                 clock: Callable[[], float] = time.time) -> None:
        self.transport = transport
        self.timeout = timeout
        self.link = LinkStatus(LinkState.CLOSED, transport.name)
        self._clock = clock
        self._framer = LineFramer()
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._inflight: _InFlight | None = None
        self._waiters: list[tuple[Callable[[SessionEvent], bool], asyncio.Future[SessionEvent]]] = []
        self._lost = False

    # -- wiring -------------------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every session event from now on; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    async def open(self) -> None:
        """Open the transport; lines start flowing to the listeners."""
        await self.transport.open(self._on_data, self._on_link)

    async def close(self) -> None:
        await self.transport.close()
        self._finish_inflight(interrupted=True)

    @property
    def idle(self) -> bool:
        """No command in flight and none waiting to be sent: a background query would delay nobody."""
        return self._inflight is None and not self._lock.locked()

    # -- sending ------------------------------------------------------------------------------------------

    async def send(self, line: str, timeout: float | None = None) -> Reply:
        """Send one command line and wait for its final result code (or the timeout).

        Lines that are not commands (they do not start with AT) are written but not waited for: the module
        ignores them and would never answer.
        """
        line = line.strip()
        checked = check_line(line)
        if line[:2].upper() != "AT":
            self.send_raw(line)
            return Reply(line, checked, self._clock(), final=None)
        async with self._lock:
            reply = Reply(line, checked, self._clock())
            inflight = _InFlight(reply)
            self._inflight = inflight
            data = line.encode("utf-8") + b"\r"
            self._publish(Traffic(reply.started, Kind.SENT, line, raw=data))
            try:
                self.transport.write(data)
                await asyncio.wait_for(asyncio.shield(inflight.done), timeout or self.timeout)
            except TimeoutError:
                reply.timed_out = True
                self._note(f"no final result code for {line} within {timeout or self.timeout:g} s")
                self._finish_inflight()
            finally:
                if self._inflight is inflight:
                    self._finish_inflight(interrupted=True)
            return reply

    def send_raw(self, text: str) -> None:
        """Write a line as is (CR added) without waiting for anything."""
        data = text.encode("utf-8") + b"\r"
        self._publish(Traffic(self._clock(), Kind.SENT, text, raw=data))
        self.transport.write(data)

    async def wait_for(self, predicate: Callable[[SessionEvent], bool], timeout: float = 10.0) -> SessionEvent:
        """The next session event that satisfies ``predicate`` (for scripts and tests: wait for the event)."""
        future: asyncio.Future[SessionEvent] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)

    def note(self, text: str) -> None:
        """Put a console remark in the transcript (a saved file, a refused line)."""
        self._note(text)

    # -- receiving ----------------------------------------------------------------------------------------

    def _on_link(self, status: LinkStatus) -> None:
        self.link = status
        if status.state is not LinkState.CONNECTED:
            self._finish_inflight(interrupted=True)
            self._framer = LineFramer()
        if status.state is LinkState.LOST and not self._lost:
            self._lost = True
            self._note(f"link lost: {status.detail}" if status.detail else "link lost")
        elif status.state is LinkState.CONNECTED and self._lost:
            self._lost = False
            self._note(f"link back: {status.detail}" if status.detail else "link back")
        self._publish(status)

    def _on_data(self, data: bytes) -> None:
        for line in self._framer.feed(data):
            self._on_event(parse_line(line), line.wire)

    def _on_event(self, event: Event, raw: bytes = b"") -> None:
        now = self._clock()
        inflight = self._inflight
        if isinstance(event, Final):
            self._publish(Traffic(now, Kind.FINAL, event.text, event, raw))
            if inflight is not None:
                inflight.reply.final = event
                self._finish_inflight()
            return
        if isinstance(event, Urc):
            self._publish(Traffic(now, Kind.URC, event.text, event, raw))
            return
        if isinstance(event, Broken):
            self._publish(Traffic(now, Kind.BROKEN, event.text, event, raw))
            return
        if isinstance(event, Echo):
            self._publish(Traffic(now, Kind.ECHO, event.command, event, raw))
            return
        if isinstance(event, Info):
            kind = self._classify(event, inflight)
            self._publish(Traffic(now, kind, event.text, event, raw))
            if kind is Kind.REPLY and inflight is not None:
                inflight.reply.lines.append(event)
            return
        # Text
        if event.text == "RDY":
            self._publish(Traffic(now, Kind.TEXT, event.text, event, raw))
            self._finish_inflight(interrupted=True)
            self._publish(Rebooted(now))
            return
        if inflight is not None:
            inflight.reply.lines.append(event)
            self._publish(Traffic(now, Kind.REPLY, event.text, event, raw))
        else:
            self._publish(Traffic(now, Kind.TEXT, event.text, event, raw))

    @staticmethod
    def _classify(info: Info, inflight: _InFlight | None) -> Kind:
        fields = _RESULTS.get(info.name)
        if inflight is None:
            return Kind.RESULT if fields is not None else Kind.TEXT
        reply = inflight.reply
        if info.name == reply.name:
            if fields is not None and reply.form in (Form.SET, Form.EXEC) and len(info.fields) == fields:
                return Kind.RESULT
            return Kind.REPLY
        return Kind.RESULT if fields is not None else Kind.REPLY

    def _finish_inflight(self, *, interrupted: bool = False) -> None:
        inflight = self._inflight
        if inflight is None:
            return
        self._inflight = None
        reply = inflight.reply
        reply.elapsed = self._clock() - reply.started
        if reply.final is None and not reply.timed_out and interrupted:
            reply.interrupted = True
        self._publish(reply)
        if not inflight.done.done():
            inflight.done.set_result(reply)

    def _note(self, text: str) -> None:
        self._publish(Traffic(self._clock(), Kind.NOTE, text))

    def _publish(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's defect must not cost the session its line
                log.exception("session listener failed on %r", event)
        if self._waiters:
            for predicate, future in list(self._waiters):
                if not future.done() and predicate(event):
                    future.set_result(event)
