"""Recording a console session as a runnable transcript.

A :class:`Recording` (:mod:`qlaterm.replay.capture`) listens to the console's session from the start: every
line sent and received, which of them are the console's own traffic, and what the console made the simulator
do.

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
from collections.abc import Iterable, Iterator
from typing import Any

from qlaterm.at.catalogue import COMMANDS, URCS, Form, find_command
from qlaterm.at.check import split_command
from qlaterm.at.params import field_spans
from qlaterm.at.parse import Info, Urc, parse_line
from qlaterm.at.secrets import conceal
from qlaterm.link.session import Kind

from .capture import Acted, Entry, Heard, RecordedPlatform, RecordedSimulator, Recording, cut
from .format import (
    Capture,
    Expect,
    Literal,
    Note,
    Profile,
    Psk,
    Segment,
    Send,
    Step,
    Template,
    Timeout,
    Transcript,
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
_SLOW = 0.8
"""A recorded wait longer than this share of the step timeout raises ``@timeout`` before it."""


# -- volatile fields -------------------------------------------------------------------------------
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
            spans = field_spans(text, len(head) + 1)
            if head == "+QLARD":
                spans = spans[1:]  # the count before the entry drained from the buffer
            self._urc(text, spans, marks)
        elif isinstance(event, Info) and colon:
            self._info(event.name, text, field_spans(text, len(head) + 1), marks)
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
            spans = field_spans(text, start)
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
    return set(field_spans(text, len(head) + 1)) if colon else {(0, len(text))}


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
