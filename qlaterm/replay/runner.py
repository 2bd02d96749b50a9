"""Running a transcript against an AT session: send, wait for each expected line, drive the simulator.

The runner holds one :class:`~qlaterm.link.session.Session` — the console's — and reads only what the session
says each line is.  The reply to a command (its information lines and final result code) is matched in
order and exactly; asynchronous lines (URCs, asynchronous results, the boot banner) may come in between and
may be matched in the order the transcript lists them, unless an expected line is marked strict.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum

from qlaterm.link.session import Kind, Session, SessionEvent, Traffic
from qlaterm.link.simulator import PlatformHandle, SimulatorControls

from .format import (
    Expect,
    ExpectNot,
    Network,
    Note,
    PlatformCall,
    Say,
    Send,
    Setting,
    Sleep,
    Step,
    Timeout,
    Transcript,
    Wait,
    Wake,
    format_step,
    match,
    substitute,
)

__all__ = [
    "BOOT_TIMEOUT",
    "DEFAULT_STEP_TIMEOUT",
    "NETWORK_TIMEOUT_SCALE",
    "SIM_CAPTURES",
    "Cue",
    "Outcome",
    "Runner",
    "Status",
    "StepResult",
    "needs_simulator",
]

log = logging.getLogger(__name__)

DEFAULT_STEP_TIMEOUT = 5.0
"""Seconds a step may wait unless ``@timeout`` says otherwise: the module answers within 300 ms."""

NETWORK_TIMEOUT_SCALE: dict[str, float] = {"ideal": 1.0, "good": 1.0, "poor": 3.0, "edge": 6.0, "none": 1.0}
"""Step timeouts stretch with the simulated radio: a poor cell delays each datagram by up to 2 s and loses
some (a retransmission doubles the wait), an edge cell by up to 5 s."""

SIM_CAPTURES = frozenset({"host", "port", "dtls_port"})
"""Captures bound from the start in --sim mode (:meth:`Runner.attach_simulator`): the bundled platform's address
(``dtls_port``: its DTLS port, when it has one)."""

BOOT_TIMEOUT = 10.0
"""Seconds the simulated module may take to power on and attach (its banner ends with ``+IP:``)."""

_MODULE_LINES = frozenset({Kind.REPLY, Kind.FINAL, Kind.RESULT, Kind.URC, Kind.TEXT, Kind.BROKEN})
_ASYNCHRONOUS = frozenset({Kind.RESULT, Kind.URC, Kind.TEXT})
_CONTEXT = 3


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # cannot run on this link (a simulator directive on a real module)
    NOT_RUN = "not run"  # after a failure


@dataclass(frozen=True, slots=True)
class StepResult:
    """What became of one step: its line as run (captures filled in), how long it took, and why it failed.

    ``context`` is the traffic around a failure: ``(marker, text)`` with the session's markers, the line at
    fault marked ``!``.
    """

    step: Step
    status: Status
    text: str
    elapsed: float = 0.0
    reason: str = ""
    expected: str = ""
    received: str | None = None
    context: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Outcome:
    transcript: Transcript
    results: list[StepResult] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r.status in (Status.PASSED, Status.SKIPPED) for r in self.results)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)


@dataclass(frozen=True, slots=True)
class Cue:
    """The step about to run, for whoever paces the run (a guided demo): what it does, in words and as a line.

    ``notes`` are the ``@say`` lines written before it; ``text`` is the line as it will be sent (captures
    filled in) or the directive; ``index``/``total`` count the steps that act (commands and simulator
    directives).
    """

    step: Step
    text: str
    notes: tuple[Say, ...]
    index: int
    total: int


_ACTS = (Send, PlatformCall, Sleep, Wake, Network)
"""The steps a demo stops before: each makes something happen."""


class _Failed(Exception):
    def __init__(self, result: StepResult) -> None:
        super().__init__(result.reason)
        self.result = result


def _key(text: str) -> str:
    """What kind of line this is, to say which arrived line an expected one is closest to: ``+QLAREG``,
    ``+QLAURC: "read"``."""
    head, sep, rest = text.partition(":")
    if not sep:
        return text
    if head == "+QLAURC":
        return head + ":" + rest.split(",", 1)[0]
    return head


class Runner:
    """Runs transcripts on one session.  Create it before the session opens so that no line is missed.

    ``simulator`` is the link's simulator controls (None for a real module: simulator directives are then
    skipped); ``bound`` gives captures their values from the start (``host`` and ``port`` of the bundled
    platform).  ``on_step`` sees each step as it completes.
    """

    def __init__(
        self,
        session: Session,
        *,
        simulator: SimulatorControls | None = None,
        timeout: float = DEFAULT_STEP_TIMEOUT,
        network: str = "ideal",
        bound: dict[str, str] | None = None,
        on_step: Callable[[StepResult], None] | None = None,
        pace: Callable[[Cue], Awaitable[None]] | None = None,
    ) -> None:
        self.session = session
        self.simulator = simulator
        self.default_timeout = timeout
        self.network = network
        self.bound: dict[str, str] = dict(bound or {})
        self.on_step = on_step
        self.pace = pace
        """Awaited before each command and simulator directive (a guided demo waits for Enter there)."""
        self.log: list[Traffic] = []  # everything on the link, sent lines included
        self._received: list[int] = []  # indices into log of the module's lines
        self._consumed: set[int] = set()
        self._cursor = 0  # first position in _received not consumed
        self._anchor = 0  # position after the last line matched or the last command sent
        self._arrived = asyncio.Event()
        self._platform_calls: list[asyncio.Task[object]] = []
        self._sending: str | None = None  # the line this runner is sending
        self._ours = True  # the command in flight is this runner's: its reply lines count
        self._unsubscribe = session.subscribe(self._on_event)

    # -- the link -------------------------------------------------------------------------------------
    def _on_event(self, event: SessionEvent) -> None:
        if not isinstance(event, Traffic) or event.kind in (Kind.ECHO, Kind.NOTE):
            return
        if event.kind in _MODULE_LINES and not event.text.strip():
            return
        if event.kind is Kind.SENT:
            self._ours = self._sending is not None and event.text == self._sending
        elif event.kind in (Kind.REPLY, Kind.FINAL) and not self._ours:
            return  # the reply to a command somebody else sent on the same session (the console's reads)
        self.log.append(event)
        if event.kind in _MODULE_LINES:
            self._received.append(len(self.log) - 1)
            self._arrived.set()

    async def wait_for_line(self, predicate: Callable[[str], bool], timeout: float) -> bool:
        """Wait until the module printed a line satisfying ``predicate`` (already printed counts)."""
        async def found() -> None:
            seen = 0
            while True:
                while seen < len(self._received):
                    if predicate(self.log[self._received[seen]].text):
                        return
                    seen += 1
                self._arrived.clear()
                await self._arrived.wait()

        try:
            await asyncio.wait_for(found(), timeout)
        except TimeoutError:
            return False
        return True

    async def attach_simulator(self, timeout: float = BOOT_TIMEOUT) -> bool:
        """In --sim mode: bind the platform's address (:meth:`bind_simulator`) and wait until the module has
        attached (its banner's ``+IP:`` line); False when it did not in time.  True at once without one."""
        if self.simulator is None:
            return True
        self.bind_simulator()
        return await self.wait_for_line(lambda text: text.startswith("+IP:"), timeout)

    def bind_simulator(self) -> None:
        """Bind ``{host}``, ``{port}`` and ``{dtls_port}`` to the bundled platform's address (when it runs)."""
        platform = self.simulator.platform if self.simulator is not None else None
        if platform is not None:
            self.bound.update(host=platform.host, port=str(platform.port))
            if platform.dtls_port is not None:
                self.bound["dtls_port"] = str(platform.dtls_port)

    def unmatched(self, since: int = 0) -> list[str]:
        """The module's lines from position ``since`` on that no expected line matched."""
        return [self.log[self._received[i]].text for i in range(since, len(self._received)) if i not in self._consumed]

    def close(self) -> None:
        self._unsubscribe()

    # -- running --------------------------------------------------------------------------------------
    @property
    def timeout(self) -> float:
        return self.default_timeout * NETWORK_TIMEOUT_SCALE.get(self.network, 1.0)

    async def run(self, transcript: Transcript) -> Outcome:
        """Run every step in order; after the first failure the rest are reported as not run."""
        outcome = Outcome(transcript)
        started = time.perf_counter()
        windows: list[tuple[ExpectNot, int, float]] = []
        failed = False
        notes: list[Say] = []
        total = sum(1 for s in transcript.runnable if isinstance(s, _ACTS))
        acted = 0
        try:
            for step in transcript.steps:
                if isinstance(step, Say):
                    notes.append(step)
                    continue
                if isinstance(step, Note | Setting):
                    continue
                if not failed and isinstance(step, Send) and windows:
                    failed = self._close_windows(windows, outcome)
                if not failed and isinstance(step, _ACTS):
                    acted += 1
                    if self.pace is not None:
                        await self.pace(Cue(step, self._text(step), tuple(notes), acted, total))
                    notes.clear()
                if failed:
                    self._report(outcome, StepResult(step, Status.NOT_RUN, self._text(step)))
                elif isinstance(step, ExpectNot):
                    windows.append((step, self._anchor, time.perf_counter()))
                else:
                    result = await self._step(step)
                    self._report(outcome, result)
                    failed = result.status is Status.FAILED
            if failed:
                for step, _, _ in windows:
                    self._report(outcome, StepResult(step, Status.NOT_RUN, self._text(step)))
            else:
                self._close_windows(windows, outcome)
        finally:
            await self._end_platform_calls()
            outcome.elapsed = time.perf_counter() - started
        return outcome

    def _report(self, outcome: Outcome, result: StepResult) -> None:
        outcome.results.append(result)
        if self.on_step is not None:
            self.on_step(result)

    def _text(self, step: Step) -> str:
        if isinstance(step, Send | Expect):
            return ("!" if isinstance(step, Expect) and step.strict else "") + substitute(step.template, self.bound)
        if isinstance(step, ExpectNot):
            return "@expect-not " + substitute(step.template, self.bound)
        return format_step(step)

    async def _step(self, step: Step) -> StepResult:
        started = time.perf_counter()
        try:
            status, reason = await self._execute(step)
        except _Failed as failure:
            return failure.result
        return StepResult(step, status, self._text(step), time.perf_counter() - started, reason)

    async def _execute(self, step: Step) -> tuple[Status, str]:
        if isinstance(step, Send):
            return await self._send(step)
        if isinstance(step, Expect):
            await self._expect(step)
            return Status.PASSED, ""
        if isinstance(step, Timeout):
            self.default_timeout = step.seconds
            return Status.PASSED, ""
        if isinstance(step, Wait):
            await asyncio.sleep(step.seconds)
            return Status.PASSED, ""
        simulator = self.simulator
        if simulator is None:
            return Status.SKIPPED, "needs the simulator (--sim)"
        if isinstance(step, Sleep | Wake):
            # What the module printed before it slept is not what a line after @sleep or @wake expects.
            self._forget_unmatched()
            await (simulator.deep_sleep() if isinstance(step, Sleep) else simulator.wake())
        elif isinstance(step, Network):
            return await self._set_network(simulator, step)
        elif isinstance(step, PlatformCall):
            return self._platform_call(simulator, step)
        return Status.PASSED, ""

    async def _send(self, step: Send) -> tuple[Status, str]:
        line = substitute(step.template, self.bound)
        self._forget_text()
        self._anchor = len(self._received)
        self._sending = line
        try:
            reply = await self.session.send(line, timeout=self.timeout)
        finally:
            self._sending = None
        if reply.timed_out:
            raise _Failed(StepResult(
                step, Status.FAILED, line, reply.elapsed, f"no final result code within {self.timeout:g} s",
                context=self._context(len(self._received)),
            ))
        return Status.PASSED, ""

    async def _expect(self, step: Expect) -> None:
        started = time.perf_counter()
        deadline = asyncio.get_running_loop().time() + self.timeout
        position = max(self._cursor, self._anchor) if step.strict else self._cursor
        closest: int | None = None
        expected_key = _key(substitute(step.template, self.bound))
        while True:
            while position < len(self._received):
                if position in self._consumed:
                    position += 1
                    continue
                traffic = self.log[self._received[position]]
                captures = match(step.template, traffic.text, self.bound)
                if captures is not None:
                    self.bound.update(captures)
                    self._consume(position)
                    self._anchor = max(self._anchor, position + 1)
                    return
                if step.strict or traffic.kind not in _ASYNCHRONOUS:
                    raise _Failed(self._mismatch(step, started, position, "a different line arrived"))
                if closest is None and _key(traffic.text) == expected_key:
                    closest = position
                position += 1
            remaining = deadline - asyncio.get_running_loop().time()
            self._arrived.clear()
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                reason = f"nothing matching within {self.timeout:g} s"
                raise _Failed(self._mismatch(step, started, closest, reason)) from None

    def _forget_text(self) -> None:
        """Unsolicited text (the boot banner) printed before a command is not what a line after it expects."""
        for position in range(self._cursor, len(self._received)):
            if self.log[self._received[position]].kind is Kind.TEXT:
                self._consumed.add(position)
        while self._cursor in self._consumed:
            self._cursor += 1

    def _forget_unmatched(self) -> None:
        self._consumed.update(range(self._cursor, len(self._received)))
        self._cursor = len(self._received)

    def _consume(self, position: int) -> None:
        self._consumed.add(position)
        while self._cursor in self._consumed:
            self._cursor += 1

    def _mismatch(self, step: Expect, started: float, position: int | None, reason: str) -> StepResult:
        received = self.log[self._received[position]].text if position is not None else None
        at = position if position is not None else len(self._received)
        return StepResult(
            step, Status.FAILED, self._text(step), time.perf_counter() - started, reason,
            expected=substitute(step.template, self.bound), received=received, context=self._context(at),
        )

    def _context(self, position: int) -> tuple[tuple[str, str], ...]:
        """The traffic around the module's line at ``position`` (or the end): a few lines each side."""
        at = self._received[position] if position < len(self._received) else len(self.log)
        lines = []
        for index in range(max(0, at - _CONTEXT), min(len(self.log), at + _CONTEXT)):
            traffic = self.log[index]
            marker = "!" if index == at else ">" if traffic.kind is Kind.SENT else "<"
            lines.append((marker, traffic.text))
        return tuple(lines)

    def _close_windows(self, windows: list[tuple[ExpectNot, int, float]], outcome: Outcome) -> bool:
        """Check every open ``@expect-not`` against what arrived since it; True when one was broken."""
        broken = False
        for step, start, opened in windows:
            text = self._text(step)
            for position in range(start, len(self._received)):
                line = self.log[self._received[position]].text
                if match(step.template, line, self.bound) is not None:
                    self._report(outcome, StepResult(
                        step, Status.FAILED, text, time.perf_counter() - opened, "a line that must not come came",
                        expected="no " + substitute(step.template, self.bound), received=line,
                        context=self._context(position),
                    ))
                    broken = True
                    break
            else:
                self._report(outcome, StepResult(step, Status.PASSED, text, time.perf_counter() - opened))
        windows.clear()
        return broken

    # -- the simulator --------------------------------------------------------------------------------
    async def _set_network(self, simulator: SimulatorControls, step: Network) -> tuple[Status, str]:
        try:
            simulator.set_network(step.name)
        except (KeyError, ValueError) as exc:
            raise _Failed(StepResult(step, Status.FAILED, self._text(step), reason=str(exc))) from None
        self.network = step.name
        return Status.PASSED, ""

    def _platform_call(self, simulator: SimulatorControls, step: PlatformCall) -> tuple[Status, str]:
        platform = simulator.platform
        device = platform.latest_device if platform is not None else None
        if platform is None or device is None:
            raise _Failed(StepResult(step, Status.FAILED, self._text(step),
                                     reason="no device is registered with the bundled platform"))
        request = _request(platform, device.endpoint, step)
        self._platform_calls.append(asyncio.get_running_loop().create_task(request))
        return Status.PASSED, ""

    async def _end_platform_calls(self) -> None:
        """Requests still waiting for the module's answer end with the transcript."""
        calls, self._platform_calls = self._platform_calls, []
        for task in calls:
            task.cancel()
        for task in calls:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _value(text: str) -> str | bytes | int:
    """A value as ``@platform write`` takes it: ``0x…`` opaque bytes, an integer, otherwise text."""
    if text[:2].lower() == "0x":
        return bytes.fromhex(text[2:])
    with contextlib.suppress(ValueError):
        return int(text)
    return text.strip('"')


def _attributes(args: tuple[str, ...]) -> dict[str, int]:
    """``pmin=10 pmax=60`` (the parser checked their shape)."""
    return {name: int(value) for name, _, value in (arg.partition("=") for arg in args)}


def _request(platform: PlatformHandle, ep: str, step: PlatformCall) -> Coroutine[object, object, object]:
    path, args = step.path, step.args
    if step.operation == "read":
        return platform.read(ep, path)
    if step.operation == "write":
        return platform.write(ep, path, _value(args[0]))
    if step.operation == "execute":
        return platform.execute(ep, path, args[0] if args else "")
    if step.operation == "observe":
        return platform.observe(ep, path)
    if step.operation == "cancel":
        return platform.cancel(ep, path)
    if step.operation == "discover":
        return platform.discover(ep, path)
    return platform.write_attributes(ep, path, **_attributes(args))


def needs_simulator(transcript: Transcript) -> bool:
    return any(isinstance(s, Sleep | Wake | Network | PlatformCall) for s in transcript.steps)

