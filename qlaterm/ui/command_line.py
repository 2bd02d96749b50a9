"""The command line: history, completion of QLA commands, the parameter hint, validation before sending.

The hint line above the input shows the catalogue's signature for the command being typed, the parameter
under the cursor with its range, and — before anything is sent — what the module would object to, in the
catalogue's words ("<len> counts bytes: …", "server and port are separate parameters: …").  A line the
checker refuses is held back once; Enter again sends it anyway, because sometimes the point is to see the
module's own error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from qlaterm.at.catalogue import (
    BASIC_COMMANDS,
    COMMANDS,
    CONFIG_SETTINGS,
    MODULE_COMMANDS,
    Command,
    Form,
    find_command,
)
from qlaterm.at.check import Checked, Rejected, check_line, split_command
from qlaterm.at.params import ParamError, split_params

from .private import private_file

__all__ = ["COMPLETIONS", "CommandLine", "CommandSuggester", "hint_for", "verdict_text"]


def _completions() -> list[str]:
    """Every command form an integrator types, most useful first."""
    items: list[str] = []
    for command in (*COMMANDS.values(), *MODULE_COMMANDS.values()):
        if Form.EXEC in command.forms:
            items.append(command.at)
        if Form.QUERY in command.forms:
            items.append(command.at + "?")
        if Form.SET in command.forms:
            items.append(command.at + "=")
        items.append(command.at + "=?")
    items += [f'AT+QLACFG="{name}",' for name in CONFIG_SETTINGS]
    items += [name for name in BASIC_COMMANDS if name not in items]
    return items


COMPLETIONS = _completions()


class CommandSuggester(Suggester):
    """Completes command names (any case) and QLACFG setting names; the rest of a line is the user's."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if len(value) < 2:
            return None
        upper = value.upper()
        lower = value == value.lower()
        for item in COMPLETIONS:
            if item.upper().startswith(upper) and len(item) > len(value):
                rest = item[len(value):]
                return value + (rest.lower() if lower and '"' not in item else rest)
        return None


def _param_index(tail: str) -> int:
    """Which parameter the cursor is in: commas outside quotes before the end."""
    index, quoted = 0, False
    for ch in tail:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            index += 1
    return index


def hint_for(line: str) -> tuple[Text, Checked | Rejected | None]:
    """The hint shown while typing ``line``: signature, current parameter, and the checker's verdict."""
    text = Text()
    parts = split_command(line) if line.strip() else None
    if parts is None:
        if line.strip():
            text.append("a command starts with AT", style="yellow")
        else:
            text.append("Type an AT command · Tab completes · ↑↓ history · F1 help", style="dim")
        return text, None
    name, form, tail = parts
    command = find_command(name) if name.startswith("+") else None
    if command is None:
        basic = BASIC_COMMANDS.get(line.strip().upper()) or BASIC_COMMANDS.get(line.strip().upper().split("=")[0] + "=")
        if basic:
            text.append(f"{line.strip().upper()}  ", style="bold")
            text.append(basic, style="dim")
        else:
            candidates = [c.at for c in COMMANDS.values() if c.at.startswith(line.strip().upper().split("=")[0])]
            text.append("  ".join(candidates[:6]) if candidates else "not a command the catalogue knows",
                        style="dim")
        verdict = check_line(line) if basic else None
        return text, verdict
    _signature(text, command, form, tail)
    verdict = check_line(line)
    return text, verdict


def _signature(text: Text, command: Command, form: Form, tail: str) -> None:
    if form is not Form.SET:
        text.append(command.at, style="bold")
        text.append(f"  {command.summary}", style="dim")
        return
    params = command.params
    index = _param_index(tail)
    if command.name == "+QLACFG":
        _cfg_signature(text, tail, index)
        return
    text.append(command.at + "=", style="bold")
    current = None
    for i, param in enumerate(params):
        if i:
            text.append(",")
        style = "reverse bold" if i == min(index, len(params) - 1) else ""
        if style:
            current = param
        text.append(param.placeholder + ("?" if param.optional else ""), style=style)
    if current is not None:
        detail = current.help or (current.describe_range() if current.describe_range() != current.placeholder else "")
        if detail:
            text.append(f"  {current.name}: {detail}", style="dim")


def _cfg_signature(text: Text, tail: str, index: int) -> None:
    try:
        tokens = split_params(tail)
    except ParamError:
        tokens = []
    name = tokens[0].text if tokens else ""
    setting = CONFIG_SETTINGS.get(name)
    text.append("AT+QLACFG=", style="bold")
    if setting is None:
        text.append("<name>", style="reverse bold")
        text.append("  " + " ".join(CONFIG_SETTINGS), style="dim")
        return
    text.append(f'"{setting.name}"')
    for value in setting.prefix:
        text.append(f",{value}")
    for i, param in enumerate(setting.params):
        style = "reverse bold" if i == index - 1 - len(setting.prefix) else ""
        text.append(",")
        text.append(param.placeholder, style=style)
    text.append(f"  {setting.help}", style="dim")


def verdict_text(
    verdict: Checked | Rejected | None, line: str, *, held: bool = False, concern: str | None = None
) -> Text:
    """What the checker says of ``line``, whole (it wraps): the module's error with its meaning and the
    suggested correction, or what the device's state makes of a well-formed line (``concern``); a held line
    says first that it was not sent."""
    text = Text()
    doubtful = (isinstance(verdict, Rejected) and verdict.code is not None) or bool(concern)
    if held and doubtful:
        text.append("not sent · Enter again sends it anyway", style="bold reverse")
        text.append("  ")
    if isinstance(verdict, Rejected) and verdict.code is not None:
        text.append(f"✗ +CME ERROR: {verdict.code} — {verdict.message}", style="red")
        if verdict.hint:
            text.append(f"  hint: {verdict.hint}", style="yellow")
    elif isinstance(verdict, Checked) and line.strip():
        if concern:
            text.append(f"⚠ {concern}", style="yellow")
        else:
            text.append("✓ ready to send", style="green")
    return text


class CommandInput(Input):
    """The input itself: Tab accepts the completion, ↑↓ walk the history."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False, priority=True, id="command.complete"),
        Binding("up", "history(-1)", "Previous", show=False, id="command.history_back"),
        Binding("down", "history(1)", "Next", show=False, id="command.history_forward"),
    ]

    def action_complete(self) -> None:
        if self._suggestion and self.cursor_at_end:
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()

    def action_history(self, step: int) -> None:
        parent = self.parent
        if isinstance(parent, CommandLine):
            parent.walk_history(step)


class CommandLine(Vertical):
    """Hint line plus input; posts :class:`CommandLine.Submitted` with a line that is ready to send."""

    HELP = """\
## Command line

Type any AT command and press `Enter`. While you type, the line above shows the command's parameters (the
one under the cursor highlighted, with its range) and what the module would object to.

* `Tab` (or `→` at the end) completes a command name; `AT+QLACFG="` completes setting names.
* `↑` / `↓` walk the history (kept between runs).
* A line with a mistake is held back and explained; press `Enter` again to send it anyway. So is a line the
  module's state makes pointless: an answer to a message ID that is not waiting (answered, expired, never
  seen), a notification nobody observes, a second instance with the same ID, an Update, De-register or
  notification while not registered, `AT+QLASENDDATA` off AndLink, anything while the module sleeps.
* Quoted or bare strings are both fine: `"device1-api.10646.cn"` equals `device1-api.10646.cn`.
"""

    @dataclass
    class Submitted(Message):
        """A command line to send."""

        line: str

    def __init__(self, *, history_file: Path | None = None, conceal: Callable[[str], str] | None = None,
                 id: str | None = None, objection: Callable[[Checked], str | None] | None = None) -> None:
        super().__init__(id=id)
        self.objection = objection
        """What the device's state makes of a well-formed line (the model's ``objection``), if anything."""
        self.history: list[str] = []
        self.history_file = history_file
        self.conceal = conceal
        """What a line becomes in the history file (keys masked); None keeps it as typed (``--show-psk``).
        The history of this run keeps the lines as typed."""
        self._position = 0
        self._held: str | None = None
        self._hint_shown: tuple[object, object] | None = None
        if history_file is not None and history_file.exists():
            try:
                self.history = history_file.read_text(encoding="utf-8").splitlines()[-500:]
            except OSError:
                self.history = []
        self._position = len(self.history)

    def compose(self) -> ComposeResult:
        yield Static(hint_for("")[0], id="hint")
        verdict = Static("", id="verdict")
        verdict.display = False
        yield verdict
        yield CommandInput(placeholder="AT command", suggester=CommandSuggester(), id="command-input")

    @property
    def input(self) -> Input:
        return self.query_one(CommandInput)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._held = None
        self._show_hint(event.value)

    def _show_hint(self, value: str, *, held: bool = False) -> None:
        text, verdict = hint_for(value)
        concern = self._concern(verdict) if isinstance(verdict, Checked) else None
        shown = (text, verdict_text(verdict, value, held=held, concern=concern))
        if shown != self._hint_shown:  # a new text lays the screen out again: not for every key of a word
            self._hint_shown = shown
            self.query_one("#hint", Static).update(shown[0])
            self.query_one("#verdict", Static).update(shown[1])
        self.query_one("#verdict", Static).display = bool(value.strip()) and verdict is not None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        if not line:
            return
        verdict = check_line(line)
        doubtful = isinstance(verdict, Rejected) and verdict.code is not None
        if isinstance(verdict, Checked) and self._concern(verdict):
            doubtful = True
        if doubtful and self._held != line:
            self._held = line
            self._show_hint(line, held=True)
            self.app.bell()
            return
        self._held = None
        self.remember(line)
        self.input.value = ""
        self.post_message(self.Submitted(line))

    def _concern(self, verdict: Checked) -> str | None:
        return self.objection(verdict) if self.objection is not None else None

    def remember(self, line: str) -> None:
        if not self.history or self.history[-1] != line:
            self.history.append(line)
            if self.history_file is not None:
                try:
                    self.history_file.parent.mkdir(parents=True, exist_ok=True)
                    with private_file(self.history_file, "a") as out:
                        out.write((self.conceal(line) if self.conceal is not None else line) + "\n")
                except OSError:
                    pass
        self._position = len(self.history)

    def walk_history(self, step: int) -> None:
        if not self.history:
            return
        self._position = max(0, min(len(self.history), self._position + step))
        value = self.history[self._position] if self._position < len(self.history) else ""
        self.input.value = value
        self.input.cursor_position = len(value)
