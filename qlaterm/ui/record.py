"""Record the session as a runnable transcript: the dialog that asks where (and from where) and the saving.

What the recording holds and how volatile fields are rewritten is :mod:`qlaterm.replay.record`'s; here the
console adds what it knows of the link: the bundled platform's address, profile and PSKs in sim mode.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Label, Switch

from qlaterm.link.simulator import SimulatorControls
from qlaterm.replay.record import Recording, write_transcript

from .dialogs.path import PathDialog
from .private import private_file

__all__ = ["RecordChoice", "RecordDialog", "save_recording"]


@dataclass(frozen=True, slots=True)
class RecordChoice:
    path: Path
    from_mark: bool


class RecordDialog(PathDialog[RecordChoice]):
    """Asks for the transcript's path, and whether to record the marked range only (when a mark is set):
    from the mark to its end mark, or to the end of the session when there is none."""

    TITLE_TEXT = "Record the session as a transcript (qlaterm replay runs it)"
    PATH_ID = "record-path"
    AUTO_FOCUS = "#record-path"
    DEFAULT_CSS = "RecordDialog .dialog-row { height: auto; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="record.cancel")]

    def __init__(self, *, marked: int | None, ended: int | None = None, directory: Path | None = None) -> None:
        super().__init__((directory or Path.cwd()) / time.strftime("session-%Y%m%d-%H%M%S.txt"))
        self.marked = marked
        self.ended = ended

    def options(self) -> ComposeResult:
        if self.marked is not None:
            with Horizontal(classes="dialog-row"):
                yield Switch(True, id="record-from-mark")
                yield Label("the marked range (off: the whole session)" if self.ended is not None
                            else "from the mark to the end (off: the whole session)")

    def choice(self, path: Path) -> RecordChoice:
        switches = self.query("#record-from-mark")
        return RecordChoice(path, bool(switches) and switches.first(Switch).value)


def save_recording(recording: Recording, choice: RecordChoice, *, simulator: SimulatorControls | None,
                   link: str, secrets: Iterable[str], show_psk: bool) -> int:
    """Write the recording (the marked range when chosen) to ``choice.path``; the number of lines written.

    In sim mode the bundled platform's address becomes ``{host}``/``{port}``/``{dtls_port}``, its profile
    ``@profile``, and, with the PSKs shown, its PSK identities ``@psk``: the file replays against a fresh
    ``--sim`` with the same setup.
    """
    marked = choice.from_mark and recording.mark is not None
    entries = recording.selection() if marked else recording.since(0)
    known: dict[str, str] = {}
    profile: str | None = None
    psks: tuple[tuple[str, str], ...] = ()
    platform = simulator.platform if simulator is not None else None
    if simulator is not None and platform is not None:
        known = {"host": platform.host, "port": str(platform.port)}
        if platform.dtls_port is not None:
            known["dtls_port"] = str(platform.dtls_port)
        profile = platform.profile.name
        psks = simulator.facts().psk_store if show_psk else ()
    header = [f"recorded by qlaterm on {time.strftime('%Y-%m-%d %H:%M')} from {link}"
              + ((" (the marked range)" if recording.end is not None else " (from the mark)") if marked else ""),
              "run it: qlaterm replay FILE " + ("--sim" if simulator is not None else "PORT")]
    text = write_transcript(entries, known=known, secrets=secrets, show_psk=show_psk,
                            header=header, profile=profile, psks=psks)
    with private_file(choice.path, "w") as out:
        out.write(text)
    return text.count("\n")
