"""The guided demo pane: a transcript run one step at a time, each explained before it is sent.

The pane runs the demo with :class:`qlaterm.replay.runner.Runner` on the console's own session (the code
path of ``qlaterm replay``); before each command or simulator step it shows what the step does and why —
the demo's ``@say`` words in English and Chinese, or else the catalogue's — and the line it will send,
then waits for Enter.  Each step that completes is marked ✓ or ✗ in the pane.
"""

from __future__ import annotations

import asyncio

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from qlaterm.link.session import Session
from qlaterm.link.simulator import SimulatorControls
from qlaterm.replay.demo import wording
from qlaterm.replay.format import Send, Transcript
from qlaterm.replay.runner import Cue, Outcome, Runner, Status, StepResult

__all__ = ["DemoPane"]

_MARKS = {Status.PASSED: "✓", Status.FAILED: "✗", Status.SKIPPED: "–", Status.NOT_RUN: "·"}


class DemoPane(Vertical, can_focus=True):
    """A guided demo: ``enter`` runs the step shown, ``escape`` leaves the demo."""

    HELP = """\
## Guided demo

Each step says what it does and why, and shows the line it will send. `enter` sends it (or lets the
platform play its part); the lines the module prints must follow, as in `qlaterm replay`.
"""

    DEFAULT_CSS = """
    DemoPane { height: auto; max-height: 16; border: round $accent; padding: 0 1; }
    DemoPane:focus { border: round $success; }
    DemoPane #demo-title { text-style: bold; }
    DemoPane #demo-done { color: $text-muted; }
    """

    BINDINGS = [
        Binding("enter", "next", "Next step", id="demo_next"),
        Binding("escape", "stop", "Leave demo", id="demo_stop"),
    ]

    class Finished(Message):
        """The demo ran to its end (or to the first step that did not hold)."""

        def __init__(self, outcome: Outcome) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self, name: str, transcript: Transcript, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.demo_name = name
        self.transcript = transcript
        self.runner: Runner | None = None
        self.outcome: Outcome | None = None
        self.waiting = asyncio.Event()
        """Set while a step is shown and waits for Enter."""
        self.ended = asyncio.Event()
        """Set when the run is over (``outcome`` says how it went)."""
        self._go = asyncio.Event()
        self._done: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(f"demo {escape(self.demo_name)}", id="demo-title")
        yield Static("", id="demo-done")
        yield Static("starting the simulator…", id="demo-step")

    def start(self, session: Session, simulator: SimulatorControls | None) -> Runner:
        """Prepare the run on ``session`` (before it opens, so that no line is missed); :meth:`run` runs it."""
        self.runner = Runner(session, simulator=simulator, on_step=self._on_step, pace=self._pace)
        return self.runner

    async def run(self) -> Outcome:
        runner = self.runner
        assert runner is not None, "start() first"
        try:
            if not await runner.attach_simulator():
                self._show("the simulated module did not attach")
            self.outcome = await runner.run(self.transcript)
        finally:
            runner.close()
            self.ended.set()
        passed = self.outcome.passed
        self._show("[b]the demo ran to its end ✓[/b]" if passed else "[b]a step did not hold ✗[/b] (see above)")
        self.post_message(self.Finished(self.outcome))
        return self.outcome

    async def _pace(self, cue: Cue) -> None:
        lines = [f"[b]step {cue.index} of {cue.total}[/b]"]
        english = [n.text for n in cue.notes if n.language == "en"]
        chinese = [n.text for n in cue.notes if n.language == "zh"]
        catalogue = wording(cue.text) if isinstance(cue.step, Send) else None
        if catalogue is not None:
            english.append(f"({catalogue[0]})")
            chinese.append(f"（{catalogue[1]}）")
        lines += [escape(t) for t in english] + [escape(t) for t in chinese]
        sends = isinstance(cue.step, Send)
        lines.append(("send  " if sends else "then  ") + f"[b]{escape(cue.text)}[/b]")
        lines.append("[dim]enter: " + ("send it" if sends else "go on") + " · escape: leave the demo[/dim]")
        self._show("\n".join(lines))
        self._go.clear()
        self.waiting.set()
        self.focus()
        try:
            await self._go.wait()
        finally:
            self.waiting.clear()

    def _on_step(self, result: StepResult) -> None:
        self._done = [*self._done[-4:], f"{_MARKS[result.status]} {escape(result.text)}"]
        if result.status is Status.FAILED:
            self._done.append(f"  {escape(result.reason)}: expected {escape(result.expected)}"
                              f", received {escape(str(result.received))}")
        self.query_one("#demo-done", Static).update("\n".join(self._done))

    def _show(self, text: str) -> None:
        self.query_one("#demo-step", Static).update(text)

    def action_next(self) -> None:
        if self.waiting.is_set():
            self._go.set()

    def action_stop(self) -> None:
        self.display = False
        self.app.set_focus(None)
        self.app.action_focus_command()  # type: ignore[attr-defined]  # QlatermApp's action
