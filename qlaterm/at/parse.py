"""One line from the module → one typed event.

``parse_line`` never raises: whatever a device prints becomes an event, and a line that looks like a
notification but does not fit the catalogue becomes ``Broken`` (shown raw and flagged by the console)
instead of an exception in the middle of a session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .catalogue import URCS, Param, UrcSpec
from .framing import MAX_LINE, Line, decode_line
from .params import MAX_DIGITS, ParamError, parse_int, split_pairs
from .values import InvalidValue, decode_value

__all__ = ["Broken", "Echo", "Event", "Final", "Info", "Text", "Urc", "parse_drained", "parse_line"]

_CME = re.compile(r"^\+CMEE? ERROR:\s*(.*)$")
_INFO = re.compile(r"^(\+[A-Za-z][A-Za-z0-9_]*):\s?(.*)$")
_URC = "+QLAURC"


@dataclass(frozen=True, slots=True)
class Final:
    """A final result code: ``OK``, ``ERROR`` or ``+CME ERROR: <err>`` (``+CMEE ERROR`` accepted too)."""

    result: str  # "OK" | "ERROR" | "CME"
    code: int | None = None
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.result == "OK"


@dataclass(frozen=True, slots=True)
class Info:
    """A ``+NAME: fields`` line: an information response or an asynchronous result."""

    name: str
    fields: tuple[int | str, ...]
    text: str

    @property
    def code(self) -> int | None:
        """The first field when it is a number (a status, a count, a result code); None otherwise,
        including for a bare ``+NAME:`` line with no fields at all."""
        first = self.fields[0] if self.fields else None
        return first if isinstance(first, int) else None


@dataclass(frozen=True, slots=True)
class Urc:
    """A ``+QLAURC: "<kind>",…`` notification with its fields typed by the catalogue."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @property
    def spec(self) -> UrcSpec | None:
        return URCS.get(self.kind)

    @property
    def mid(self) -> int | None:
        value = self.args.get("messageID")
        return value if isinstance(value, int) else None


@dataclass(frozen=True, slots=True)
class Echo:
    """The module repeating a command line (echo on)."""

    command: str


@dataclass(frozen=True, slots=True)
class Text:
    """Any other line: boot banner, ``RDY``, ``Quectel``, an IMEI."""

    text: str


@dataclass(frozen=True, slots=True)
class Broken:
    """A line that cannot be read as what it claims to be; ``text`` is the raw line, ``reason`` why."""

    text: str
    reason: str


Event = Final | Info | Urc | Echo | Text | Broken


def parse_line(line: Line | str | bytes) -> Event:
    """Classify one line (without its terminator).  Never raises."""
    try:
        return _parse(line)
    except Exception as exc:  # pragma: no cover - a defect; the line is still shown
        text = line.text if isinstance(line, Line) else str(line)
        return Broken(text, f"unreadable: {exc}")


def _parse(line: Line | str | bytes) -> Event:
    if isinstance(line, Line):
        if line.overflow:
            return Broken(line.text, f"line longer than {MAX_LINE} bytes")
        if line.bad:
            return Broken(line.text, "bytes that are not text")
        text = line.text
    elif isinstance(line, bytes | bytearray):
        text, bad = decode_line(bytes(line))
        if bad:
            return Broken(text, "bytes that are not text")
    else:
        text = line
    text = text.strip()
    # Dispatch on the first character: most lines are "+NAME: …", OK, or an echo.
    if text[:1] == "+":
        if text.startswith("+CME"):
            cme = _CME.match(text)
            if cme:
                return _final_cme(cme.group(1).strip(), text)
        info = _INFO.match(text)
        if info is None:
            return Text(text)
        name, rest = info.group(1).upper(), info.group(2)
        if name == _URC:
            return _parse_urc(rest, text)
        return _parse_info(name, rest, text)
    if text == "OK":
        return Final("OK", None, text)
    if text == "ERROR":
        return Final("ERROR", None, text)
    if text[:2].upper() == "AT":
        return Echo(text)
    return Text(text)


def _final_cme(detail: str, text: str) -> Final:
    # isdigit() alone accepts superscripts and other scripts' digits; the module prints ASCII.
    number = detail.isascii() and detail.isdigit() and len(detail) <= 9
    return Final("CME", int(detail) if number else None, text)


def _parse_info(name: str, rest: str, text: str) -> Info:
    try:
        pairs = split_pairs(rest)
    except ParamError:
        return Info(name, (rest,), text)
    return Info(name, tuple([_field(t, quoted) for t, quoted in pairs]), text)


def _field(text: str, quoted: bool) -> int | str:
    """A number when printed bare as one; a quoted number stays a string (it was printed as a string)."""
    if quoted:
        return text
    if text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS:
        return int(text)
    number = parse_int(text)
    return text if number is None else number


@dataclass(frozen=True, slots=True)
class _UrcPlan:
    """What parsing one kind of URC needs, worked out once from the catalogue instead of on every line."""

    spec: UrcSpec
    fields: tuple[tuple[str, Param | None], ...]  # (name, the parameter when it is an int) per parameter
    required: int


_PLANS: dict[str, _UrcPlan] = {
    kind: _UrcPlan(
        spec,
        tuple((p.name, p if p.kind == "int" else None) for p in spec.params),
        sum(1 for p in spec.params if not p.optional),
    )
    for kind, spec in URCS.items()
}


def _parse_urc(rest: str, text: str) -> Event:
    kind_end = rest.find(",")
    kind = (rest if kind_end < 0 else rest[:kind_end]).strip().strip('"')
    plan = _PLANS.get(kind)
    if plan is None:
        return Broken(text, f"unknown notification {kind!r}")
    spec = plan.spec
    body = "" if kind_end < 0 else rest[kind_end + 1 :]
    try:
        pairs = split_pairs(body, spec.value_index)
    except ParamError as exc:
        return Broken(text, str(exc))
    fields = plan.fields
    if not plan.required <= len(pairs) <= len(fields):
        return Broken(text, f'"{kind}" has {len(fields)} fields, this line has {len(pairs)}')
    args: dict[str, Any] = {}
    for (name, param), (value, _quoted) in zip(fields, pairs, strict=False):
        if param is not None:
            if value.isdigit() and value.isascii() and len(value) <= MAX_DIGITS:
                number: int | None = int(value)
            else:
                number = parse_int(value)
            if number is None:
                return Broken(text, f"<{name}> is not a number: {value!r}")
            refusal = param.refusal(number)
            if refusal is not None:
                return Broken(text, f"out of range: {refusal}")
            args[name] = number
        else:
            args[name] = value
    if spec.value_index is not None:
        try:
            args["value"] = decode_value(args["value_type"], args["len"], args["value"])
        except InvalidValue as exc:
            return Broken(text, exc.message)
    return Urc(kind, args, text)


def parse_drained(line: str) -> tuple[int, Urc | Broken | None]:
    """``+QLARD: 3,"observe",36581,0,9,0,0`` → (3, the Urc it carries); ``+QLARD: 0`` → (0, None).

    An entry drained from the buffer of access_mode 1 is the text of a ``+QLAURC`` line after its prefix;
    it is read exactly as that line would be.  Never raises: an unreadable line gives (0, Broken).
    """
    text = line.strip()
    if not text.upper().startswith("+QLARD:"):
        return 0, Broken(text, "not a +QLARD line")
    rest = text[len("+QLARD:") :].strip()
    count_text, sep, urc_text = rest.partition(",")
    count = count_text.strip()
    if not count.isascii() or not count.isdigit():
        return 0, Broken(text, f"<remaining> is not a number: {count!r}")
    if not sep:
        return int(count), None
    event = _parse_urc(urc_text, "+QLAURC: " + urc_text)
    return int(count), event if isinstance(event, Urc | Broken) else Broken(text, "unreadable entry")

