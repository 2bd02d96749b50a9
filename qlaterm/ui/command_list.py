"""The command list pane: a file of command lines to pick from, or to run whole as a transcript.

A command list is a transcript file (docs/transcripts.md): plain ``AT…`` lines, with expected lines and
directives where the list wants them checked.  ``↑``/``↓`` pick a line, ``enter`` puts it on the command line
for editing (a second ``enter`` there sends it), ``r`` runs the whole list with
:class:`qlaterm.replay.runner.Runner` on the console's own session — the code path of ``qlaterm replay`` —
and marks each step ✓ or ✗ as it completes.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from qlaterm.link.session import Session
from qlaterm.link.simulator import SimulatorControls
from qlaterm.replay.format import Note, Send, Step, Transcript, format_step, parse
from qlaterm.replay.runner import SIM_CAPTURES, Outcome, Runner, Status, StepResult

__all__ = ["CommandListPane", "OpenCommandList", "load_command_list"]

_identity = id  # the pane's ``id`` argument hides the builtin in __init__

_MARKS = {Status.PASSED: "✓", Status.FAILED: "✗", Status.SKIPPED: "–", Status.NOT_RUN: "·"}


def load_command_list(path: Path, *, simulator: bool) -> Transcript:
    """The file as a transcript (``{host}``/``{port}``/``{dtls_port}`` usable with the simulator); raises
    :class:`~qlaterm.replay.format.TranscriptError` or ``OSError``."""
    return parse(path.read_text(encoding="utf-8"), str(path), predefined=SIM_CAPTURES if simulator else frozenset())


class CommandListPane(Vertical):
    """A command list: ``enter`` takes the line to the command line, ``r`` runs them all, ``escape`` leaves."""

    HELP = """\
## Command list

The lines of a command list file (a transcript: `AT…` lines, and expected lines to check if you like).
`↑`/`↓` pick a line, `enter` puts it on the command line for editing — `enter` there sends it.
`r` runs the whole list as a transcript on this session, as `qlaterm replay` would: each step is marked
✓ when it held, ✗ when it did not. `escape` goes back to the command line.
"""

    DEFAULT_CSS = """
    CommandListPane { height: auto; max-height: 18; border: round $accent; padding: 0 1; }
    CommandListPane:focus-within { border: round $success; }
    CommandListPane #command-list-title { text-style: bold; }
    CommandListPane OptionList { height: auto; max-height: 12; border: none; }
    CommandListPane #command-list-status { color: $text-muted; }
    """

    BINDINGS = [
        Binding("r", "run_all", "Run all", id="command_list.run_all"),
        Binding("escape", "leave", "Command line", id="command_list.leave"),
    ]

    class Picked(Message):
        """A line to put on the command line."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, path: Path, transcript: Transcript, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.path = path
        self.transcript = transcript
        self.steps: list[Step] = [s for s in transcript.steps if not isinstance(s, Note)]
        self._index = {_identity(step): i for i, step in enumerate(self.steps)}
        self.outcome: Outcome | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        yield Static(f"commands · {escape(self.path.name)}", id="command-list-title")
        yield OptionList(*(Option(self._label(s, " ")) for s in self.steps), id="command-list")
        yield Static("enter: to the command line · r: run all · escape: back", id="command-list-status")

    @staticmethod
    def _label(step: Step, mark: str) -> str:
        text = escape(format_step(step))
        return f"{mark} [b]{text}[/b]" if isinstance(step, Send) else f"{mark} [dim]{text}[/dim]"

    @property
    def options(self) -> OptionList:
        return self.query_one("#command-list", OptionList)

    def focus_list(self) -> None:
        self.display = True
        self.options.focus()
        if self.options.highlighted is None and self.steps:
            self.options.highlighted = next((i for i, s in enumerate(self.steps) if isinstance(s, Send)), 0)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        step = self.steps[event.option_index]
        if isinstance(step, Send):
            self.post_message(self.Picked(format_step(step)))
        else:
            self.app.bell()  # an expected line or a directive is checked by run all, not typed

    # -- run all --------------------------------------------------------------------------------------
    def action_run_all(self) -> None:
        if self.running:
            return
        session: Session = self.app.session  # type: ignore[attr-defined]  # QlatermApp's session
        simulator: SimulatorControls | None = self.app.simulator  # type: ignore[attr-defined]  # QlatermApp's
        self.run_worker(self.run_all(session, simulator), group="command list", exit_on_error=False)

    async def run_all(self, session: Session, simulator: SimulatorControls | None) -> Outcome:
        """Run every line as a transcript on ``session``; each option is marked as its step completes."""
        self.running = True
        for i, step in enumerate(self.steps):
            self.options.replace_option_prompt_at_index(i, self._label(step, " "))
        self._status("running…")
        runner = Runner(session, simulator=simulator, on_step=self._on_step)
        runner.bind_simulator()
        try:
            self.outcome = await runner.run(self.transcript)
        finally:
            runner.close()
            self.running = False
        outcome = self.outcome
        passed = outcome.count(Status.PASSED)
        if outcome.passed:
            self._status(f"[b]all {passed} steps held ✓[/b] in {outcome.elapsed:.1f} s")
        else:
            failed = next(r for r in outcome.results if r.status is Status.FAILED)
            self._status(f"[b]✗ {escape(failed.text)}[/b]: {escape(failed.reason)}"
                         + (f" (received {escape(failed.received)})" if failed.received else ""))
        return outcome

    def _on_step(self, result: StepResult) -> None:
        index = self._index.get(_identity(result.step))
        if index is not None:
            self.options.replace_option_prompt_at_index(index, self._label(result.step, _MARKS[result.status]))

    def _status(self, text: str) -> None:
        self.query_one("#command-list-status", Static).update(text)

    def action_leave(self) -> None:
        self.app.action_focus_command()  # type: ignore[attr-defined]  # QlatermApp's action



class OpenCommandList(ModalScreen[Path | None]):
    """Asks for the command list file (default: ``commands.txt`` in the current directory)."""

    AUTO_FOCUS = "#command-list-path"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="command_list.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Open a command list (one line each; a transcript file)", id="dialog-title")
            yield Input(str(Path.cwd() / "commands.txt"), id="command-list-path")
            with Horizontal(id="dialog-buttons"):
                yield Button("Open", variant="primary", id="open")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self) -> None:
        self._open()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "open":
            self._open()
        else:
            self.dismiss(None)

    def _open(self) -> None:
        self.dismiss(Path(self.query_one("#command-list-path", Input).value.strip()).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)
