"""The AT transcript: every line on the link, timestamped and marked, fast under floods.

Lines are formatted as they arrive but reach the underlying :class:`~textual.widgets.Log` in batches
(every 50 ms), because each ``Log.write_lines`` call costs a worker; at 2,000 URC lines per second one
batch per frame keeps the console responsive.  The Log keeps plain strings and colours them lazily through
a highlighter keyed on the marker column, so 100,000 lines stay cheap and text selection works.

Follow mode: new lines scroll into view only while the view is at the end; scrolling up pauses it (the
border says so) and ``End`` resumes.  A filter shows only matching lines; search jumps between matches.

The hex view shows every line's bytes as they went over the link — hex and ASCII, CR and LF included, PSKs
masked as in the text — from the bytes each entry keeps (``RAW_KEPT`` of them at most).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.highlighter import Highlighter
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive

from qlaterm.at.catalogue import error_text, status_text
from qlaterm.at.parse import Broken, Final, Info, Urc
from qlaterm.at.secrets import MASK, conceal
from qlaterm.link.session import Kind, Traffic

from .folding_log import STAMP as _STAMP
from .folding_log import FoldingLog, stamp
from .private import private_file

__all__ = ["MASK", "RAW_KEPT", "Entry", "Transcript", "format_traffic", "hex_rows"]
MAX_LINES = 100_000
RAW_KEPT = 512
"""Bytes of the wire an entry keeps for the hex view (a 4,000-byte line keeps its start and its size)."""
_ANSWER_HINT = {"read": "F2 answers", "observe": "F2 answers", "write": "F2 answers", "execute": "F2 answers"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One transcript line: when, what kind, and the text as shown (secrets already masked)."""

    time: float
    kind: Kind
    text: str
    raw: bytes = b""
    size: int = 0
    """How many bytes the line had on the wire (``raw`` keeps the first ``RAW_KEPT``)."""

    def line(self, *, date: bool = False) -> str:
        return f"{stamp(self.time, date=date)} {self.kind.value} {self.text}"


_PRINTABLE = bytes(range(0x20, 0x7F))
_ASCII = bytes(b if b in _PRINTABLE else ord(".") for b in range(256))


def hex_rows(entry: Entry, per_row: int = 16) -> list[str]:
    """The entry's bytes as rows of ``per_row`` bytes: hex, then ASCII (``.`` for CR, LF and the rest);
    a note, which has no bytes, as its text."""
    if not entry.raw:
        return [entry.line()]
    raw = entry.raw
    head = f"{stamp(entry.time)} {entry.kind.value} "
    indent = " " * _STAMP + entry.kind.value + " "
    rows = []
    for start in range(0, len(raw), per_row):
        chunk = raw[start:start + per_row]
        rows.append(f"{indent if start else head}{chunk.hex(' ').upper():<{per_row * 3 - 1}}  "
                    f"{chunk.translate(_ASCII).decode('ascii')}")
    if entry.size > len(raw):
        rows.append(f"{indent}… {entry.size} bytes, the first {len(raw)} shown")
    return rows


def _masked_wire(raw: bytes, shown: str) -> bytes:
    """The wire of a line whose text held a key: its line ends kept, its text as shown (masked)."""
    body = raw.strip(b"\r\n")
    lead = raw[: len(raw) - len(raw.lstrip(b"\r\n"))]
    trail = raw[len(lead) + len(body):]
    return lead + shown.encode("utf-8") + trail


def format_traffic(traffic: Traffic) -> str:
    """The line as shown: the text, plus the meaning of codes an integrator would otherwise look up."""
    event = traffic.event
    text = traffic.text
    if isinstance(event, Final) and event.result == "CME" and event.code is not None:
        return f"{text}   ({error_text(event.code)})"
    if traffic.kind is Kind.RESULT and isinstance(event, Info):  # the session marks results of the catalogue only
        code = event.code
        if code is not None and not (event.name == "+QLANOTIFY" and code != 0 and code not in (1, 2)):
            return f"{text}   ({status_text(code)})"
    if isinstance(event, Urc):
        code = event.args.get("status_code")
        if isinstance(code, int):
            return f"{text}   ({status_text(code)})"
        hint = _ANSWER_HINT.get(event.kind)
        if hint and not (event.kind == "execute" and event.mid == 0):
            return f"{text}   ({hint})"
    if isinstance(event, Broken):
        return f"{text}   [not understood: {event.reason}]"
    return text


class TranscriptHighlighter(Highlighter):
    """Colours a line by its marker and marks search matches, in the styles ``style`` gives at render time.

    ``style`` names a component class of the pane (``"stamp"``, ``"sent"`` …); the pane answers from its
    CSS, so a theme switch recolours every line drawn after it.
    """

    def __init__(self, style: Callable[[str], Style]) -> None:
        self.style = style
        self.search: re.Pattern[str] | None = None

    def highlight(self, text: Text) -> None:
        plain = text.plain
        style = self.style
        dim = style("stamp")
        text.stylize(dim, 0, _STAMP - 1)
        if len(plain) > _STAMP:
            marker = plain[_STAMP]
            if marker == Kind.FINAL.value and not plain.startswith("OK", _STAMP + 2):
                name = "error"
            else:
                name = _MARKER_CLASS.get(marker, "")
            if name:
                text.stylize(style(name), _STAMP)
            if plain.endswith(")") and "   (" in plain:
                text.stylize(style("meaning"), plain.rfind("   (") + 3)
        if self.search is not None:
            match = style("match")
            for found in self.search.finditer(plain):
                text.stylize(match, found.start(), found.end())


_MARKER_CLASS = {kind.value: kind.name.lower() for kind in Kind}
"""The component class (after ``transcript--``) of each marker: ``>`` → ``sent``."""


class Transcript(FoldingLog):
    """The AT transcript pane (a Log fed in batches, long lines folded)."""

    HELP = """\
## AT transcript

Every line on the link, oldest first, with the time it arrived.

| marker | line |
|---|---|
| `>` | sent by the console |
| `=` | echo from the module (shown when it differs from what was sent) |
| `<` | response to the command in flight |
| `#` | final result code; `+CME ERROR` is followed by its meaning |
| `+` | asynchronous result (`+QLAREG: 0` …) with the meaning of its status code |
| `*` | URC (`+QLAURC: …`) |
| `.` | other output: boot banner, `RDY` |
| `!` | a line the console could not read: shown raw and flagged |
| `~` | a note from the console (timeouts, link changes, saved files) |

New lines scroll into view while you are at the end (**following**). Scroll up to pause; `End` follows
again. `ctrl+f` finds text (`Enter` jumps to the previous match, the filter switch hides other lines),
`ctrl+s` saves the whole transcript with dates, PSKs masked. Select text with the mouse to copy it.
Lines wider than the pane are folded under their text (copied, they are whole again); `w` leaves them
whole (scroll sideways).

`ctrl+y` (or the palette's *Hex view*) shows every line as its bytes on the link, hex and ASCII: a sent line
ends with its `0D` (CR); a received line starts with the line ends that came before it (`0D 0A`), so the
rows hold every byte once. PSKs are masked there too. `ctrl+y` again shows the text.
"""

    BINDINGS = [
        Binding("ctrl+f", "app.find", "Find", id="transcript.find"),
        Binding("ctrl+s", "app.save_log", "Save log", id="transcript.save"),
        Binding("end", "follow", "Follow", show=False, id="transcript.follow"),
        Binding("home", "scroll_home", "Top", show=False, id="transcript.top"),
    ]

    COMPONENT_CLASSES = {
        "transcript--stamp",
        "transcript--meaning",
        "transcript--match",
        "transcript--error",
        *(f"transcript--{name}" for name in _MARKER_CLASS.values()),
    }
    """One class per marker (``transcript--sent`` …), a final code that is not OK (``transcript--error``),
    the time stamp, the meaning appended to a code (in the theme's text colour, italic: readable at 4.5:1
    and more, set apart from the coloured code it explains), and search matches."""

    DEFAULT_CSS = """
    Transcript {
        & > .transcript--stamp { text-style: dim; }
        & > .transcript--meaning { color: $foreground; text-style: not bold italic; }
        & > .transcript--match { text-style: reverse bold; }
        & > .transcript--sent { color: $accent; text-style: bold; }
        & > .transcript--echo { text-style: dim; }
        & > .transcript--final { color: $success; }
        & > .transcript--result { color: $primary; }
        & > .transcript--urc { color: $warning; }
        & > .transcript--text { text-style: dim; }
        & > .transcript--broken { color: $error; text-style: reverse; }
        & > .transcript--note { color: $secondary; text-style: italic; }
        & > .transcript--error { color: $error; text-style: bold; }
    }
    """

    filter_text: reactive[str] = reactive("")
    """Only lines containing this text (case-insensitive) are shown; empty shows all."""

    show_echo: reactive[bool] = reactive(False)
    """Show the module's echo even when it repeats the sent line exactly."""

    hex_view: reactive[bool] = reactive(False)
    """Show the bytes of every line (hex and ASCII) instead of its text."""

    def __init__(self, *, max_lines: int = MAX_LINES, id: str | None = None) -> None:
        super().__init__(highlight=True, max_lines=max_lines, id=id)
        self.entries: deque[Entry] = deque(maxlen=max_lines)
        self.secrets: Iterable[str] = ()
        self.masking = True
        self._pending: list[str] = []
        self._last_sent = ""
        self.highlighter = TranscriptHighlighter(self._component_style)

    def _component_style(self, name: str) -> Style:
        # cached by the widget until its styles change (a theme switch clears the cache and the drawn lines)
        return self.get_component_rich_style(f"transcript--{name}", partial=True)

    def on_mount(self) -> None:
        self.border_title = "AT transcript"
        self.set_interval(0.05, self.flush, name="transcript flush")
        self._update_subtitle()

    # -- feeding ------------------------------------------------------------------------------------------

    def add(self, traffic: Traffic) -> None:
        """Take one line from the session (cheap: formatting only, the Log is written on the next flush)."""
        if traffic.kind is Kind.SENT:
            self._last_sent = traffic.text.strip().upper()
        elif traffic.kind is Kind.ECHO and not self.show_echo and traffic.text.strip().upper() == self._last_sent:
            self._last_sent = ""
            return
        text = format_traffic(traffic)
        raw = traffic.raw
        if self.masking:
            text = conceal(text, self.secrets)
            if raw:
                shown = conceal(traffic.text, self.secrets)
                if shown != traffic.text:
                    raw = _masked_wire(raw, shown)
        entry = Entry(traffic.time, traffic.kind, text, raw[:RAW_KEPT], len(raw))
        self.entries.append(entry)
        if self._matches(entry):
            self._pending.extend(self._display(entry))

    def _display(self, entry: Entry) -> list[str]:
        """The rows of one entry: its line, or its bytes in the hex view."""
        if not self.hex_view:
            return [entry.line()]
        return hex_rows(entry, self._bytes_per_row())

    def _bytes_per_row(self) -> int:
        """16 bytes a row where the pane is wide enough (4 columns a byte), else fewer, a multiple of 4."""
        room = self._fold_width - _STAMP - 2
        if room <= 0:
            return 16
        return max(4, min(16, (room - 1) // 4 // 4 * 4))

    def source_lines(self) -> Iterable[str]:
        for entry in self.entries:
            if self._matches(entry):
                yield from self._display(entry)

    def refold(self) -> None:
        self._pending = []  # already among the entries shown again
        super().refold()

    def _matches(self, entry: Entry) -> bool:
        return not self.filter_text or self.filter_text.lower() in entry.text.lower()

    def flush(self) -> None:
        """Write what arrived since the last flush, in one batch."""
        if not self._pending:
            self.pin()  # a relayout without a resize of this pane (a scroll bar appeared) moves nothing
            return
        lines, self._pending = self._pending, []
        self.show(self.folded(lines))

    # -- follow mode --------------------------------------------------------------------------------------

    def watch_following(self) -> None:
        self._update_subtitle()

    def watch_filter_text(self) -> None:
        self.rebuild()
        self._update_subtitle()

    def watch_hex_view(self) -> None:
        self.rebuild()
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        parts = ["following" if self.following else "paused · End follows"]
        if self.hex_view:
            parts.append("hex")
        if self.filter_text:
            parts.append(f"filter: {self.filter_text}")
        self.border_subtitle = " · ".join(parts)

    def rebuild(self) -> None:
        """Show the stored entries again (after the filter changed)."""
        self._pending = []
        self.clear()
        self.following = True
        self.show(self.folded(self.source_lines()))

    def clear_all(self) -> None:
        self.entries.clear()
        self._pending = []
        self.clear()
        self.refresh()

    # -- search -------------------------------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        highlighter = self.highlighter
        assert isinstance(highlighter, TranscriptHighlighter)
        highlighter.search = re.compile(re.escape(text), re.IGNORECASE) if text else None
        self._render_line_cache.clear()
        self.refresh()

    def find(self, text: str, *, backwards: bool = True) -> bool:
        """Scroll to the next line containing ``text`` above (or below) the current view; False if none."""
        if not text:
            return False
        needle = text.lower()
        lines = self.lines
        top = int(self.scroll_y)
        start = top - 1 if backwards else top + 1
        rng = range(min(start, len(lines) - 1), -1, -1) if backwards else range(max(start, 0), len(lines))
        for y in rng:
            if needle in lines[y][_STAMP:].lower():
                self.following = False
                self.scroll_to(y=max(0, y - 2), animate=False)
                return True
        return False

    # -- saving -------------------------------------------------------------------------------------------

    def save(self, path: Path, *, secrets: Iterable[str] = ()) -> int:
        """Write every entry (not only the filtered ones) with its date; returns the number of lines."""
        secrets = tuple(secrets)
        with private_file(path, "w") as out:
            for entry in self.entries:
                line = entry.line(date=True)
                out.write((conceal(line, secrets) if self.masking else line) + "\n")
        return len(self.entries)
