"""The transcript format: AT lines sent, other lines expected, ``//`` comments, ``{name}`` captures, ``@`` directives.

A transcript is the text integrators already exchange — the vendor document's examples, a support ticket's
paste — made executable.  :func:`parse` turns the text into a :class:`Transcript` of steps (or raises a
:class:`TranscriptError` that names the file, line and column); :func:`format_transcript` writes a
transcript back as text that parses to the same steps.  The grammar is in docs/transcripts.md.

Standard library only: the format is data, the runner (:mod:`qlaterm.replay.runner`) gives it a session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "NETWORKS",
    "PLATFORM_OPERATIONS",
    "Capture",
    "Expect",
    "ExpectNot",
    "Literal",
    "Network",
    "Note",
    "PlatformCall",
    "Profile",
    "Psk",
    "QueueAwake",
    "Say",
    "Segment",
    "Send",
    "Setting",
    "Sleep",
    "Step",
    "Template",
    "Timeout",
    "Transcript",
    "TranscriptError",
    "Wait",
    "Wake",
    "Wildcard",
    "format_duration",
    "format_step",
    "format_transcript",
    "match",
    "parse",
    "parse_duration",
    "substitute",
]

NETWORKS: tuple[str, ...] = ("ideal", "good", "poor", "edge", "none")
"""The simulated network conditions ``@network`` can choose (SPEC section 1a)."""

PLATFORM_OPERATIONS: dict[str, tuple[int, int]] = {
    # operation: (fewest, most) arguments after the path
    "read": (0, 0),
    "write": (1, 1),
    "execute": (0, 1),
    "observe": (0, 0),
    "cancel": (0, 0),
    "discover": (0, 0),
    "write-attributes": (1, 2),
}
"""What ``@platform`` can ask the bundled platform to do, and how many arguments each operation takes."""

STRICT = "!"
"""Marks an expected line that must be the very next line the module prints: nothing may come in between."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATH = re.compile(r"/\d{1,5}(?:/\d{1,5}){0,2}")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m)?")


class TranscriptError(ValueError):
    """A transcript that cannot be run, and where: ``file:line:column: what was expected``."""

    def __init__(self, source: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{source}:{line}:{column}: {message}")
        self.source = source
        self.line = line
        self.column = column
        self.message = message


# -- templates ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Literal:
    """Text that must appear as written."""

    text: str


@dataclass(frozen=True, slots=True)
class Capture:
    """``{name}``: binds the field the first time it is met, stands for the bound value afterwards."""

    name: str


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``*`` as a whole field: any value."""


Segment = Literal | Capture | Wildcard
Template = tuple[Segment, ...]

_FIELD_START = frozenset(',": ')
_FIELD_END = frozenset(',"')


def _template(text: str, *, wildcards: bool) -> list[tuple[int, Segment]]:
    """``text`` as segments, each with its offset in ``text``; adjacent literal text is merged."""
    out: list[tuple[int, Segment]] = []
    literal: list[str] = []
    literal_at = 0
    i = 0

    def flush() -> None:
        if literal:
            out.append((literal_at, Literal("".join(literal))))
            literal.clear()

    while i < len(text):
        char = text[i]
        if char == "{":
            if text.startswith("{{", i):
                if not literal:
                    literal_at = i
                literal.append("{")
                i += 2
                continue
            match = _NAME.match(text, i + 1)
            if match and text.startswith("}", match.end()):
                flush()
                out.append((i, Capture(match.group())))
                i = match.end() + 1
                continue
        if (
            wildcards
            and char == "*"
            and (i == 0 or text[i - 1] in _FIELD_START)
            and (i + 1 == len(text) or text[i + 1] in _FIELD_END)
        ):
            flush()
            out.append((i, Wildcard()))
            i += 1
            continue
        if not literal:
            literal_at = i
        literal.append(char)
        i += 1
    flush()
    return out


def format_template(template: Template) -> str:
    """A template as transcript text: ``{`` doubled where it would read as a capture."""
    parts: list[str] = []
    for segment in template:
        if isinstance(segment, Capture):
            parts.append("{" + segment.name + "}")
        elif isinstance(segment, Wildcard):
            parts.append("*")
        else:
            parts.append(segment.text.replace("{", "{{"))
    return "".join(parts)


def template_names(template: Template) -> list[str]:
    return [s.name for s in template if isinstance(s, Capture)]


# -- steps -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Send:
    """A command line to type (``AT…``); captures in it are replaced by their values."""

    template: Template
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Expect:
    """A line the module must print, in order.  ``strict``: nothing may come before it (marked ``!``)."""

    template: Template
    strict: bool = False
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Timeout:
    """``@timeout 10s``: how long every following step may wait."""

    seconds: float
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Wait:
    """``@wait 2s``: let time pass (lines that arrive meanwhile are kept for the next expected line)."""

    seconds: float
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class PlatformCall:
    """``@platform read /19/0/0``: the bundled platform sends a request (simulator only)."""

    operation: str
    path: str
    args: tuple[str, ...] = ()
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Network:
    """``@network poor``: change the simulated radio conditions."""

    name: str
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Sleep:
    """``@sleep``: the simulated module enters deep sleep."""

    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Wake:
    """``@wake``: the simulated module wakes from deep sleep (it prints the boot banner)."""

    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ExpectNot:
    """``@expect-not LINE``: no line matching LINE may arrive before the next command is sent (or the end)."""

    template: Template
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Note:
    """A whole-line ``//`` comment: kept so that a transcript written back reads as it did."""

    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Profile:
    """``@profile aep``: the bundled platform profile the transcript is written for (``--sim`` only)."""

    name: str
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Psk:
    """``@psk IDENTITY:HEXKEY``: a DTLS-PSK identity the bundled platform accepts (``--sim`` only, as ``--psk``)."""

    identity: str
    key: bytes
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class QueueAwake:
    """``@queue-awake 20s``: how long the bundled platform takes a device in queue mode to listen after it was
    heard from (``--sim`` only, as ``qlaterm-platform --queue-awake``); requests after that wait for it."""

    seconds: float
    comment: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Say:
    """``@say TEXT`` (English) or ``@say:zh TEXT`` (Chinese): what the next step does and why, for a guided demo."""

    text: str
    language: str = "en"
    line: int = field(default=0, compare=False)


Setting = Profile | Psk | QueueAwake
"""What the bundled platform starts with: given before the first step, not run as one."""

Step = Send | Expect | Timeout | Wait | PlatformCall | Network | Sleep | Wake | ExpectNot | Note | Setting | Say

SAY_LANGUAGES = ("en", "zh")


@dataclass(frozen=True, slots=True)
class Transcript:
    source: str
    steps: tuple[Step, ...]

    @property
    def runnable(self) -> tuple[Step, ...]:
        """The steps that do something (comments, the profile and the demo's words left out)."""
        return tuple(s for s in self.steps if not isinstance(s, Note | Setting | Say))

    @property
    def profile(self) -> str | None:
        """The platform profile ``@profile`` names, if any."""
        return next((s.name for s in self.steps if isinstance(s, Profile)), None)

    @property
    def psks(self) -> dict[str, bytes]:
        """The DTLS-PSK identities ``@psk`` gives the bundled platform."""
        return {s.identity: s.key for s in self.steps if isinstance(s, Psk)}

    @property
    def queue_awake(self) -> float | None:
        """The bundled platform's listening window for queue mode ``@queue-awake`` sets, if any."""
        return next((s.seconds for s in self.steps if isinstance(s, QueueAwake)), None)


# -- durations -------------------------------------------------------------------------------------------
def parse_duration(text: str) -> float | None:
    """``10s``, ``500ms``, ``1.5``, ``2m`` → seconds; None when it is not a duration."""
    match = _DURATION.fullmatch(text)
    if not match:
        return None
    value = float(match.group(1))
    return value * {"ms": 0.001, "m": 60.0}.get(match.group(2) or "s", 1.0)


def format_duration(seconds: float) -> str:
    if seconds < 1 and seconds * 1000 == int(seconds * 1000):
        return f"{int(seconds * 1000)}ms"
    return f"{seconds:g}s"


# -- the line grammar ------------------------------------------------------------------------------------
def _split_comment(text: str) -> tuple[str, str, int]:
    """``(content, comment, comment column)``: ``//`` outside double quotes starts a comment."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and text.startswith("//", i):
            return text[:i], text[i + 2 :].strip(), i
    return text, "", -1


class _Parser:
    def __init__(self, source: str, predefined: frozenset[str]) -> None:
        self.source = source
        self.bound: set[str] = set(predefined)
        self.started = False  # a step that does something has been read
        self.profile_line = 0

    def error(self, line: int, column: int, message: str) -> TranscriptError:
        return TranscriptError(self.source, line, column + 1, message)

    def parse(self, text: str) -> Transcript:
        steps: list[Step] = []
        for number, raw in enumerate(text.splitlines(), 1):
            step = self.line(number, raw.rstrip("\r"))
            if step is not None:
                steps.append(step)
                self.started = self.started or not isinstance(step, Note | Setting | Say)
        return Transcript(self.source, tuple(steps))

    def line(self, number: int, raw: str) -> Step | None:
        indent = len(raw) - len(raw.lstrip())
        if raw.lstrip().startswith("@say"):
            return self.say(number, indent, raw.strip())
        content, comment, _ = _split_comment(raw)
        body = content.strip()
        if not body:
            return Note(comment, number) if comment or raw.strip().startswith("//") else None
        if body[:2].upper() == "AT":
            return self.send(number, indent, body, comment)
        if body.startswith("@"):
            return self.directive(number, indent, body, comment)
        strict = body.startswith(STRICT)
        if strict:
            rest = body[1:]
            offset = indent + 1 + (len(rest) - len(rest.lstrip()))
            body = rest.strip()
            if not body:
                raise self.error(number, indent + 1, f"an expected line after {STRICT!r}")
        else:
            offset = indent
        return Expect(self.expected(number, offset, body), strict, comment, number)

    def send(self, number: int, offset: int, body: str, comment: str) -> Send:
        segments = _template(body, wildcards=False)
        for at, segment in segments:
            if isinstance(segment, Capture) and segment.name not in self.bound:
                raise self.error(
                    number, offset + at, f"{{{segment.name}}} is used before an expected line captured it"
                )
        return Send(tuple(s for _, s in segments), comment, number)

    def expected(self, number: int, offset: int, body: str) -> Template:
        segments = _template(body, wildcards=True)
        self.bound.update(s.name for _, s in segments if isinstance(s, Capture))
        return tuple(s for _, s in segments)

    def directive(self, number: int, offset: int, body: str, comment: str) -> Step:
        name, _, rest = body[1:].partition(" ")
        rest = rest.strip()
        arg_at = offset + body.find(rest, len(name) + 1) if rest else offset + len(body)
        if name in ("timeout", "wait"):
            seconds = parse_duration(rest)
            if seconds is None:
                raise self.error(number, arg_at, f"a duration after @{name} (10s, 500ms), got {rest!r}")
            return (Timeout if name == "timeout" else Wait)(seconds, comment, number)
        if name == "network":
            if rest not in NETWORKS:
                raise self.error(number, arg_at, f"a network condition after @network ({'|'.join(NETWORKS)})"
                                 f", got {rest!r}")
            return Network(rest, comment, number)
        if name in ("sleep", "wake"):
            if rest:
                raise self.error(number, arg_at, f"nothing after @{name}, got {rest!r}")
            return (Sleep if name == "sleep" else Wake)(comment, number)
        if name == "expect-not":
            if not rest:
                raise self.error(number, arg_at, "a line after @expect-not")
            segments = _template(rest, wildcards=True)
            for at, segment in segments:
                if isinstance(segment, Capture) and segment.name not in self.bound:
                    raise self.error(number, arg_at + at,
                                     f"{{{segment.name}}} in @expect-not must be captured before (use * instead)")
            return ExpectNot(tuple(s for _, s in segments), comment, number)
        if name == "platform":
            return self.platform(number, arg_at, rest, comment)
        if name == "profile":
            return self.profile(number, offset, arg_at, rest, comment)
        if name == "psk":
            identity, colon, key = rest.rpartition(":")
            if not colon or not identity or not re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", key):
                raise self.error(number, arg_at, f"IDENTITY:HEXKEY after @psk (even-length hex), got {rest!r}")
            if self.started:
                raise self.error(number, offset, "@psk before the first step: the platform starts with it")
            return Psk(identity, bytes.fromhex(key), comment, number)
        if name == "queue-awake":
            seconds = parse_duration(rest)
            if seconds is None:
                raise self.error(number, arg_at, f"a duration after @queue-awake (20s, 93s), got {rest!r}")
            if self.started:
                raise self.error(number, offset, "@queue-awake before the first step: the platform starts with it")
            return QueueAwake(seconds, comment, number)
        known = ("timeout, wait, platform, network, sleep, wake, expect-not, profile, psk, queue-awake, say, "
                 "say:zh")
        raise self.error(number, offset, f"a directive ({known}), got @{name}")

    def platform(self, number: int, at: int, rest: str, comment: str) -> PlatformCall:
        words = rest.split()
        if not words or words[0] not in PLATFORM_OPERATIONS:
            raise self.error(number, at, f"a platform operation ({', '.join(PLATFORM_OPERATIONS)}), got {rest!r}")
        operation = words[0]
        path_at = at + rest.find(words[1], len(operation)) if len(words) > 1 else at + len(rest)
        if len(words) < 2 or not _PATH.fullmatch(words[1]):
            got = words[1] if len(words) > 1 else "nothing"
            raise self.error(number, path_at, f"an LwM2M path after @platform {operation} (/19/0/0), got {got!r}")
        fewest, most = PLATFORM_OPERATIONS[operation]
        args = tuple(words[2:])
        if not fewest <= len(args) <= most:
            need = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise self.error(number, path_at + len(words[1]),
                             f"{need} argument(s) after @platform {operation} {words[1]}, got {len(args)}")
        if operation == "write-attributes":
            for arg in args:
                name, _, value = arg.partition("=")
                if name not in ("pmin", "pmax") or not value.isdigit():
                    raise self.error(number, at + rest.find(arg, len(operation) + len(words[1])),
                                     f"pmin=N or pmax=N after @platform write-attributes, got {arg!r}")
        return PlatformCall(operation, words[1], args, comment, number)


    def say(self, number: int, offset: int, body: str) -> Step:
        """``@say TEXT`` / ``@say:zh TEXT``: prose to the end of the line (``//`` and quotes in it are text)."""
        name, _, text = body[1:].partition(" ")
        if name not in ("say", *(f"say:{language}" for language in SAY_LANGUAGES)):
            return self.directive(number, offset, body, "")
        if not text.strip():
            raise self.error(number, offset + len(body), f"the words to show after @{name}")
        return Say(text.strip(), name.partition(":")[2] or "en", number)

    def profile(self, number: int, offset: int, at: int, rest: str, comment: str) -> Profile:
        if not _NAME.fullmatch(rest.replace("-", "_")):
            raise self.error(number, at, f"a platform profile name after @profile, got {rest!r}")
        if self.profile_line:
            raise self.error(number, offset, f"one @profile per transcript (line {self.profile_line} has one)")
        if self.started:
            raise self.error(number, offset, "@profile before the first step: the platform starts with it")
        self.profile_line = number
        return Profile(rest, comment, number)


def parse(text: str, source: str = "<transcript>", *, predefined: frozenset[str] = frozenset()) -> Transcript:
    """Parse a transcript; ``predefined`` names may be substituted before any line captured them."""
    return _Parser(source, predefined).parse(text)


# -- writing back ----------------------------------------------------------------------------------------
def format_step(step: Step) -> str:
    """One step as its transcript line (without its comment)."""
    if isinstance(step, Send):
        return format_template(step.template)
    if isinstance(step, Expect):
        return (STRICT if step.strict else "") + format_template(step.template)
    if isinstance(step, Timeout):
        return f"@timeout {format_duration(step.seconds)}"
    if isinstance(step, Wait):
        return f"@wait {format_duration(step.seconds)}"
    if isinstance(step, PlatformCall):
        return " ".join(("@platform", step.operation, step.path, *step.args))
    if isinstance(step, Network):
        return f"@network {step.name}"
    if isinstance(step, Sleep):
        return "@sleep"
    if isinstance(step, Wake):
        return "@wake"
    if isinstance(step, ExpectNot):
        return "@expect-not " + format_template(step.template)
    if isinstance(step, Profile):
        return f"@profile {step.name}"
    if isinstance(step, Psk):
        return f"@psk {step.identity}:{step.key.hex().upper()}"
    if isinstance(step, QueueAwake):
        return f"@queue-awake {format_duration(step.seconds)}"
    if isinstance(step, Say):
        return ("@say " if step.language == "en" else f"@say:{step.language} ") + step.text
    return ""


def format_transcript(transcript: Transcript) -> str:
    lines = []
    for step in transcript.steps:
        if isinstance(step, Note):
            lines.append(f"// {step.text}" if step.text else "//")
            continue
        if isinstance(step, Say):
            lines.append(format_step(step))
            continue
        text = format_step(step)
        lines.append(f"{text} // {step.comment}" if step.comment else text)
    return "\n".join(lines) + "\n"


# -- matching --------------------------------------------------------------------------------------------
def substitute(template: Template, bound: dict[str, str]) -> str:
    """The template's text with every capture replaced by its value (unbound ones stay ``{name}``)."""
    parts = []
    for segment in template:
        if isinstance(segment, Capture):
            parts.append(bound.get(segment.name, "{" + segment.name + "}"))
        elif isinstance(segment, Wildcard):
            parts.append("*")
        else:
            parts.append(segment.text)
    return "".join(parts)


def match(template: Template, line: str, bound: dict[str, str]) -> dict[str, str] | None:
    """The captures ``line`` binds when it matches the template (``{}`` for none); None when it does not.

    A capture not bound yet matches a field's value (no comma, no quote); a bound one, exactly its value;
    ``*`` any field, quoted or not.
    """
    pattern: list[str] = []
    groups: dict[str, str] = {}
    for segment in template:
        if isinstance(segment, Literal):
            pattern.append(re.escape(segment.text))
        elif isinstance(segment, Wildcard):
            pattern.append(r'[^,]*')
        elif segment.name in bound:
            pattern.append(re.escape(bound[segment.name]))
        elif segment.name in groups:
            pattern.append(f"(?P={groups[segment.name]})")
        else:
            groups[segment.name] = f"g{len(groups)}"
            pattern.append(f'(?P<{groups[segment.name]}>[^,"]+)')
    found = re.fullmatch("".join(pattern), line)
    if found is None:
        return None
    return {name: found.group(group) for name, group in groups.items()}
