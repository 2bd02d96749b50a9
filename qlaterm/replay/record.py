"""Recording a console session as a runnable transcript.

A :class:`Recording` listens to the console's session from the start: every line sent and received, which of
them are the console's own traffic (its state reads and network polls, told by the ``automatic`` predicate),
and what the console made the simulator do (:class:`RecordedSimulator` wraps the simulator's controls and
notes each platform request, deep sleep, wake and radio change as the directive that repeats it).

:func:`write_transcript` turns a stretch of it into transcript text: sent lines as ``AT…``, received lines
as expected lines, the console's own traffic left out, and every volatile field rewritten by itself — found
by the catalogue's parameter names, not by guessing at digits:

* a server request's ``messageID`` (``+QLAURC: "read",{mid1},19,0,0``) becomes a capture, and the answer
  that names it (``AT+QLARDRSP={mid1},…``) substitutes it; the module's own message IDs (``+QLAUPDATE``,
  ``"report"``, ``"report_ack"`` …) likewise;
* tokens and times (``+CCLK``) become ``*``;
* the module's IP address becomes ``{ip}``; the bundled platform's address ``{host}``, ``{port}`` and
  ``{dtls_port}`` (bound by the runner in ``--sim`` mode);
* PSKs are masked unless asked otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qlaterm.at.catalogue import COMMANDS, URCS, Form, find_command
from qlaterm.at.check import split_command
from qlaterm.at.parse import Info, Urc, parse_line
from qlaterm.at.secrets import conceal
from qlaterm.link.session import Kind, Session, SessionEvent, Traffic
from qlaterm.link.simulator import (
    CoapRecords,
    PlatformDevice,
    PlatformHandle,
    PlatformProfile,
    QueuedRequest,
    SimFacts,
    SimulatorControls,
)

from .format import (
    Capture,
    Expect,
    Literal,
    Network,
    Note,
    PlatformCall,
    Profile,
    Psk,
    Segment,
    Send,
    Sleep,
    Step,
    Template,
    Timeout,
    Transcript,
    Wake,
    Wildcard,
    format_transcript,
)
from .runner import DEFAULT_STEP_TIMEOUT

__all__ = [
    "Acted", "Heard", "RecordedPlatform", "RecordedSimulator", "Recording", "Rewriter", "cut", "write_transcript",
]

REQUEST_KINDS = frozenset({"read", "write", "execute", "observe"})
"""URCs that carry a server request: each brings a new message ID that an answer command sends back."""

_WILDCARD_PARAMS = frozenset({"token", "time"})
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
_RECEIVED = frozenset({Kind.REPLY, Kind.FINAL, Kind.RESULT, Kind.URC, Kind.TEXT, Kind.BROKEN})
_SLOW = 0.8
"""A recorded wait longer than this share of the step timeout raises ``@timeout`` before it."""


# -- what was recorded ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Heard:
    """One line on the link; ``automatic``: the console's own traffic (a state read, a poll)."""

    time: float
    kind: Kind
    text: str
    event: Any = None
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class Acted:
    """Something the console made the simulator do, as the directive that repeats it (or a note)."""

    time: float
    step: Step


Entry = Heard | Acted


class Recording:
    """Everything on ``session`` from now on, for :func:`write_transcript`.

    ``automatic(line)`` says whether a sent line is the console's own traffic (its reply goes with it).
    ``mark`` is where a range starts (:meth:`set_mark`) and ``end``, once set (:meth:`set_end`), where it
    ends; :meth:`selection` is that range, or from the mark to the end of the session while it is open.
    """

    def __init__(self, session: Session, *, automatic: Callable[[str], bool] = lambda _: False,
                 clock: Callable[[], float] | None = None) -> None:
        self.entries: list[Entry] = []
        self.mark: int | None = None
        self.end: int | None = None
        self.automatic = automatic
        self._clock = clock
        self._inflight_automatic = False
        self._unsubscribe = session.subscribe(self._on_event)

    def _on_event(self, event: SessionEvent) -> None:
        if not isinstance(event, Traffic):
            return
        if event.kind is Kind.SENT:
            self._inflight_automatic = self.automatic(event.text.strip())
            self.entries.append(Heard(event.time, event.kind, event.text, event.event, self._inflight_automatic))
        elif event.kind in (Kind.REPLY, Kind.FINAL):
            self.entries.append(Heard(event.time, event.kind, event.text, event.event, self._inflight_automatic))
            if event.kind is Kind.FINAL:
                self._inflight_automatic = False
        elif event.kind in _RECEIVED:
            self.entries.append(Heard(event.time, event.kind, event.text, event.event))

    def act(self, step: Step) -> None:
        """Note a directive at this point of the session (the console drove the simulator)."""
        last = self.entries[-1].time if self.entries else 0.0
        self.entries.append(Acted(self._clock() if self._clock else last, step))

    def set_mark(self) -> int:
        """A range starts here (an end set before is forgotten); returns how many entries came before it."""
        self.mark = len(self.entries)
        self.end = None
        return self.mark

    def set_end(self) -> int:
        """The range from the mark ends here; returns how many entries came before it."""
        if self.mark is None:
            raise ValueError("a range ends after its mark: there is no mark")
        self.end = len(self.entries)
        return self.end

    def since(self, start: int = 0) -> list[Entry]:
        return self.entries[start:]

    def selection(self) -> list[Entry]:
        """The marked range as whole commands (:func:`cut`): from the mark to its end, or to now."""
        return cut(self.entries, self.mark or 0, self.end)

    def close(self) -> None:
        self._unsubscribe()


def cut(entries: Sequence[Entry], start: int, end: int | None = None) -> list[Entry]:
    """``entries[start:end]`` as whole commands.

    The reply lines and final result code of a command sent before ``start`` are left out (URCs that came
    meanwhile stay); a command sent before ``end`` keeps its reply, up to its final result code, even when
    that came after ``end``.
    """
    end = len(entries) if end is None else min(end, len(entries))
    pending = False  # a command sent before `start` still waits for its final result code
    for entry in entries[:start]:
        if isinstance(entry, Heard) and entry.kind in (Kind.SENT, Kind.FINAL):
            pending = entry.kind is Kind.SENT
    taken: list[Entry] = []
    inflight = False  # a command of the range waits for its final result code
    for entry in entries[start:end]:
        if isinstance(entry, Heard) and pending and entry.kind in (Kind.REPLY, Kind.FINAL):
            pending = entry.kind is not Kind.FINAL
            continue
        if isinstance(entry, Heard) and entry.kind in (Kind.SENT, Kind.FINAL):
            pending, inflight = False, entry.kind is Kind.SENT
        taken.append(entry)
    for entry in entries[end:]:
        if not inflight:
            break
        taken.append(entry)
        inflight = not (isinstance(entry, Heard) and entry.kind is Kind.FINAL)
    return taken


# -- the simulator, seen through the recording ------------------------------------------------------
def _argument(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex().upper()
    return str(value)


class RecordedPlatform:
    """The bundled platform as the console drives it; each request it is asked to send is noted first."""

    def __init__(self, platform: PlatformHandle, recording: Recording) -> None:
        self._platform = platform
        self._recording = recording

    def _call(self, operation: str, path: str, *args: str) -> None:
        if any(not a or any(c.isspace() for c in a) for a in args):
            text = " ".join(("platform", operation, path, *args))
            self._recording.act(Note(f"{text} (a value with spaces: not repeatable as @platform)"))
            return
        self._recording.act(PlatformCall(operation, path, args))

    @property
    def host(self) -> str:
        return self._platform.host

    @property
    def port(self) -> int:
        return self._platform.port

    @property
    def dtls_port(self) -> int | None:
        return self._platform.dtls_port

    @property
    def profile(self) -> PlatformProfile:
        return self._platform.profile

    @property
    def coap_log(self) -> CoapRecords:
        return self._platform.coap_log

    @property
    def latest_device(self) -> PlatformDevice | None:
        return self._platform.latest_device

    @property
    def devices(self) -> Mapping[str, PlatformDevice]:
        return self._platform.devices

    def subscribe(self, callback: Callable[[Any], object]) -> Callable[[], None]:
        return self._platform.subscribe(callback)

    def queued(self, endpoint: str) -> Sequence[QueuedRequest]:
        return self._platform.queued(endpoint)

    async def read(self, ep: str, path: str) -> object:
        self._call("read", path)
        return await self._platform.read(ep, path)

    async def write(self, ep: str, path: str, value: Any) -> object:
        self._call("write", path, _argument(value))
        return await self._platform.write(ep, path, value)

    async def execute(self, ep: str, path: str, args: str = "") -> object:
        self._call("execute", path, *([args] if args else []))
        return await self._platform.execute(ep, path, args)

    async def observe(self, ep: str, path: str) -> object:
        self._call("observe", path)
        return await self._platform.observe(ep, path)

    async def cancel(self, ep: str, path: str) -> object:
        self._call("cancel", path)
        return await self._platform.cancel(ep, path)

    async def discover(self, ep: str, path: str) -> object:
        self._call("discover", path)
        return await self._platform.discover(ep, path)

    async def write_attributes(self, ep: str, path: str, pmin: int | None = None,
                               pmax: int | None = None) -> object:
        given = (("pmin", pmin), ("pmax", pmax))
        self._call("write-attributes", path, *(f"{name}={value}" for name, value in given if value is not None))
        return await self._platform.write_attributes(ep, path, pmin, pmax)


class RecordedSimulator:
    """The simulator's controls with each action of the console noted in ``recording`` as a directive."""

    def __init__(self, simulator: SimulatorControls, recording: Recording) -> None:
        self._simulator = simulator
        self._recording = recording
        self._platform: tuple[PlatformHandle, RecordedPlatform] | None = None

    @property
    def platform_port(self) -> int | None:
        return self._simulator.platform_port

    @property
    def platform(self) -> PlatformHandle | None:
        platform = self._simulator.platform
        if platform is None:
            return None
        if self._platform is None or self._platform[0] is not platform:
            self._platform = (platform, RecordedPlatform(platform, self._recording))
        return self._platform[1]

    @property
    def asleep(self) -> bool:
        return self._simulator.asleep

    def facts(self) -> SimFacts:
        return self._simulator.facts()

    async def deep_sleep(self) -> None:
        self._recording.act(Sleep())
        await self._simulator.deep_sleep()

    async def wake(self) -> None:
        self._recording.act(Wake())
        await self._simulator.wake()

    @property
    def network(self) -> str | None:
        return self._simulator.network

    @property
    def networks(self) -> tuple[str, ...]:
        return self._simulator.networks

    def set_network(self, name: str) -> None:
        self._simulator.set_network(name)
        self._recording.act(Network(name))

    async def power_cycle(self) -> None:
        self._recording.act(Note("the simulated module was switched off and on"))
        await self._simulator.power_cycle()

    async def reset(self) -> None:
        self._recording.act(Note("the simulated module's RESET line was pulsed"))
        await self._simulator.reset()


# -- volatile fields -------------------------------------------------------------------------------
def _fields(text: str, start: int) -> list[tuple[int, int]]:
    """The span of each comma-separated field of ``text[start:]``: inside its quotes when quoted, spaces
    trimmed; a comma inside quotes does not end a field."""
    spans: list[tuple[int, int]] = []
    begin, quoted = start, False
    for i in range(start, len(text) + 1):
        char = text[i] if i < len(text) else ","
        if char == '"':
            quoted = not quoted
        elif char == "," and (not quoted or i == len(text)):
            lo, hi = begin, i
            while lo < hi and text[lo] == " ":
                lo += 1
            while hi > lo and text[hi - 1] == " ":
                hi -= 1
            if hi - lo >= 2 and text[lo] == '"' and text[hi - 1] == '"':
                lo, hi = lo + 1, hi - 1
            spans.append((lo, hi))
            begin = i + 1
    return spans


def _result_names(name: str) -> tuple[str, ...]:
    """``+QLAUPDATE`` → ("status_code", "messageID"): the fields of the command's asynchronous result line."""
    command = COMMANDS.get(name)
    if command is None or not command.result.startswith(name + ":"):
        return ()
    _, _, rest = command.result.partition(": ")
    return tuple(field.strip("<>") for field in rest.split(","))


class Rewriter:
    """Turns recorded lines into templates, volatile fields replaced, in the order they happened.

    ``known`` maps capture names bound before the transcript runs to their values (``host``, ``port`` and
    ``dtls_port`` of the bundled platform): a field with one of these values on a QLACONFIG line stands for
    the capture.  Message IDs are remembered as they are met, so that a later line naming one substitutes
    the capture that first took it.
    """

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = {name: value for name, value in (known or {}).items() if value}
        self._requests: dict[str, str] = {}  # a server request's message ID -> its capture
        self._module: dict[str, str] = {}  # a message ID of the module's own exchanges -> its capture
        self._addresses: dict[str, str] = {}
        self._count = 0

    def _new_mid(self, value: str, table: dict[str, str]) -> Capture:
        self._count += 1
        table[value] = f"mid{self._count}"
        return Capture(table[value])

    def _mid(self, value: str, table: dict[str, str]) -> Capture:
        return Capture(table[value]) if value in table else self._new_mid(value, table)

    def _address(self, value: str) -> Capture:
        if value not in self._addresses:
            self._addresses[value] = "ip" if not self._addresses else f"ip{len(self._addresses) + 1}"
        return Capture(self._addresses[value])

    # -- received -----------------------------------------------------------------------------------
    def received(self, text: str, event: Any = None) -> Template:
        """An expected line for what the module printed."""
        marks: dict[tuple[int, int], Segment] = {}
        if event is None:
            event = parse_line(text)
        head, colon, _ = text.partition(":")
        if isinstance(event, Urc) or head == "+QLARD":
            spans = _fields(text, len(head) + 1)
            if head == "+QLARD":
                spans = spans[1:]  # the count before the entry drained from the buffer
            self._urc(text, spans, marks)
        elif isinstance(event, Info) and colon:
            self._info(event.name, text, _fields(text, len(head) + 1), marks)
        if "QLACONFIG" not in text.upper():
            for found in _IPV4.finditer(text):
                span = found.span()
                if span not in marks and span in _field_set(text):
                    marks[span] = self._address(found.group())
        return _template(text, marks)

    def _urc(self, text: str, spans: list[tuple[int, int]], marks: dict[tuple[int, int], Segment]) -> None:
        if not spans:
            return
        kind = text[spans[0][0]:spans[0][1]]
        spec = URCS.get(kind)
        if spec is None:
            return
        fields = spans[1:]
        params = spec.params
        named = list(zip(params, fields, strict=False))
        if spec.value_index is not None and len(fields) > spec.value_index:
            named = list(zip(params[: spec.value_index], fields, strict=False))
            if len(fields) == len(params) and params[-1].name == "token":
                named.append((params[-1], fields[-1]))
        for param, span in named:
            value = text[span[0]:span[1]]
            if param.name == "messageID" and value.isdigit():
                marks[span] = self._new_mid(value, self._requests) if kind in REQUEST_KINDS else \
                    self._mid(value, self._module)
            elif param.name in _WILDCARD_PARAMS and value:
                marks[span] = Wildcard()

    def _info(self, name: str, text: str, spans: list[tuple[int, int]], marks: dict[tuple[int, int], Segment]) -> None:
        result = _result_names(name)
        names: list[tuple[str, tuple[int, int]]]
        if result and len(spans) <= len(result):
            names = list(zip(result[len(result) - len(spans):], spans, strict=True))  # aligned at the end
        else:
            command = find_command(name)
            params = command.params if command is not None else ()
            names = [(p.name, span) for p, span in zip(params, spans, strict=False)]
        for param, span in names:
            value = text[span[0]:span[1]]
            if param == "messageID" and value.isdigit():
                marks[span] = self._mid(value, self._module)
            elif param in _WILDCARD_PARAMS and value:
                marks[span] = Wildcard()
        if name == "+QLACONFIG":
            self._platform_address(text, spans[1:3], marks)

    def _platform_address(self, text: str, spans: list[tuple[int, int]],
                          marks: dict[tuple[int, int], Segment]) -> None:
        """The server and port fields of a QLACONFIG line that name the bundled platform."""
        for span in spans:
            value = text[span[0]:span[1]]
            for name, known in self.known.items():
                if value == known:
                    marks[span] = Capture(name)
                    break

    # -- sent -------------------------------------------------------------------------------------------
    def sent(self, text: str) -> Template:
        """A command line, message IDs of earlier requests and the platform's address as captures."""
        marks: dict[tuple[int, int], Segment] = {}
        split = split_command(text)
        if split is not None and split[1] is Form.SET:
            name, _, rest = split
            command = find_command(name)
            start = len(text) - len(rest)
            spans = _fields(text, start)
            if command is not None:
                for param, span in zip(command.params, spans, strict=False):
                    value = text[span[0]:span[1]]
                    if param.name == "messageID" and value in self._requests:
                        marks[span] = Capture(self._requests[value])
            if name == "+QLACONFIG":
                self._platform_address(text, spans[1:3], marks)
        return _template(text, marks)


def _field_set(text: str) -> set[tuple[int, int]]:
    """Every whole field of a line: after its ``+NAME:`` (or the whole line when it has none)."""
    head, colon, _ = text.partition(":")
    return set(_fields(text, len(head) + 1)) if colon else {(0, len(text))}


def _template(text: str, marks: dict[tuple[int, int], Segment]) -> Template:
    """``text`` with each marked span replaced by its segment (a wildcard over a quoted field with commas in
    it becomes one ``*`` per part: ``"*,*"``)."""
    segments: list[Segment] = []
    at = 0
    for (lo, hi), segment in sorted(marks.items()):
        if lo < at:
            continue
        if lo > at:
            segments.append(Literal(text[at:lo]))
        if isinstance(segment, Wildcard) and "," in text[lo:hi]:
            parts = text[lo:hi].split(",")
            for i, _ in enumerate(parts):
                if i:
                    segments.append(Literal(","))
                segments.append(Wildcard())
        else:
            segments.append(segment)
        at = hi
    if at < len(text):
        segments.append(Literal(text[at:]))
    return tuple(segments)


# -- writing ----------------------------------------------------------------------------------------
def _steps(entries: Iterable[Entry], rewriter: Rewriter, *, secrets: Iterable[str], show_psk: bool,
           timeout: float) -> Iterator[Step]:
    secrets = tuple(secrets)
    started = False
    last: float | None = None
    step_timeout = timeout
    for entry in entries:
        if isinstance(entry, Acted):
            started = True
            last = entry.time
            yield entry.step
            continue
        if entry.automatic:
            continue
        if entry.kind is Kind.SENT:
            text = entry.text.strip()
            if text[:2].upper() != "AT":
                continue
            started = True
            last = entry.time
            line = text if show_psk else conceal(text, secrets)
            yield Send(rewriter.sent(line))
            continue
        if not started:
            continue  # the boot banner before the first command: the runner waits for it by itself
        if last is not None and entry.time - last > _SLOW * step_timeout:
            step_timeout = float(math.ceil((entry.time - last) * 2))
            yield Timeout(step_timeout)
        last = entry.time
        text = entry.text if show_psk else conceal(entry.text, secrets)
        yield Expect(rewriter.received(text, entry.event))


def write_transcript(
    entries: Iterable[Entry],
    *,
    known: dict[str, str] | None = None,
    secrets: Iterable[str] = (),
    show_psk: bool = False,
    header: Iterable[str] = (),
    profile: str | None = None,
    psks: Iterable[tuple[str, str]] = (),
    timeout: float = DEFAULT_STEP_TIMEOUT,
) -> str:
    """Transcript text for the recorded ``entries``: runnable with ``qlaterm replay``.

    ``known`` are the captures bound before it runs (the bundled platform's ``host``, ``port`` and
    ``dtls_port``); ``secrets`` are masked unless ``show_psk``; ``header`` lines open it as comments, then
    ``@profile`` (unless generic) and ``@psk`` for each ``(identity, hex key)`` of ``psks``.
    """
    steps: list[Step] = [Note(line) for line in header]
    if profile is not None and profile != "generic":
        steps.append(Profile(profile))
    steps += [Psk(identity, bytes.fromhex(key)) for identity, key in psks]
    body = list(_steps(entries, Rewriter(known), secrets=secrets, show_psk=show_psk, timeout=timeout))
    if not show_psk and any(isinstance(s, Send) and "********" in "".join(
            x.text for x in s.template if isinstance(x, Literal)) for s in body):
        steps.append(Note("PSKs are masked: record with the PSKs shown to replay a DTLS session"))
    return format_transcript(Transcript("<recording>", (*steps, *body)))
