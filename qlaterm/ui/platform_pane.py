"""The platform pane (sim mode): drive the bundled LwM2M server and read what it received.

The first line picks the registered device the operations go to (the one that registered last until
another is picked) and shows its registration; the second the DTLS-PSK side (port+1 and the PSK store,
keys masked unless ``--show-psk``); the third issues a server operation on the device (Read, Write,
Execute, Observe, Cancel, Discover, Write-Attributes) with the argument that operation takes.  Below them
the platform's events (registrations, responses, notifications, Send data) and its CoAP log — type, code,
message ID, token, path, content format and decoded payload — so the AT lines on the left and the packets
they caused can be read side by side; identities the DTLS port refuses are logged as they happen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from qlaterm.link.simulator import PlatformDevice, PlatformHandle, SimFacts
from qlaterm.state import format_path

from .folding_log import FoldingLog, stamp

__all__ = ["OPERATIONS", "Choice", "PaneAction", "PlatformEvent", "PlatformPane"]


class PlatformEvent(Protocol):
    """What the pane needs of a platform event: when it happened, its line, and whether the device changed."""

    @property
    def time(self) -> float: ...

    @property
    def registration_changed(self) -> bool: ...

    @property
    def queue_changed(self) -> bool: ...

    def summary(self) -> str: ...

OPERATIONS = [
    ("Read", "read"),
    ("Write", "write"),
    ("Execute", "execute"),
    ("Observe", "observe"),
    ("Cancel obs.", "cancel"),
    ("Discover", "discover"),
    ("Write-Attr", "write-attributes"),
]
ARGUMENTS = {
    "write": ("value", "text, 42 or 0x0A…"),
    "execute": ("arguments", "optional"),
    "write-attributes": ("attributes", "pmin=5,pmax=60"),
}
"""The operations that take a third field: its label and its hint; the others have none."""


def parse_write_value(text: str) -> Any:
    """What the user typed as a Python value for the platform: 0x… bytes, integers, else text."""
    text = text.strip()
    if text.lower().startswith("0x"):
        return bytes.fromhex(text[2:])
    if text.lstrip("-").isdigit():
        return int(text)
    return text


def parse_attributes(text: str) -> dict[str, int]:
    """``pmin=5 pmax=60`` → ``{"pmin": 5, "pmax": 60}``."""
    attrs: dict[str, int] = {}
    for part in text.replace(",", " ").split():
        name, _, value = part.partition("=")
        if name not in ("pmin", "pmax") or not value.isdigit():
            raise ValueError(f"attributes are pmin=<s> pmax=<s>, not {part!r}")
        attrs[name] = int(value)
    return attrs


class Choice(Widget, can_focus=True):
    """A compact picker showing one option: ←/→ or a click move to the next, ``1``–``9`` pick directly.

    One line of text where a drop-down would mount an overlay and a list: the pane's pickers are drawn with
    the first frame.
    """

    BINDINGS = [
        Binding("left", "step(-1)", "Previous", show=False),
        Binding("right,space", "step(1)", "Next", show=False),
    ]

    class Changed(Message):
        """An option was picked (by the user or by ``select``), even the one already shown."""

        def __init__(self, choice: Choice, value: str | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Sequence[tuple[str, str]] = (), *, empty: str = "—", id: str | None = None,
                 tooltip: str | None = None) -> None:
        super().__init__(id=id)
        self._options = list(options)
        self._index = 0
        self.empty = empty
        if tooltip is not None:
            self.tooltip = tooltip

    @property
    def options(self) -> list[tuple[str, str]]:
        return list(self._options)

    @property
    def value(self) -> str | None:
        return self._options[self._index][1] if self._options else None

    @property
    def label(self) -> str:
        return self._options[self._index][0] if self._options else self.empty

    def set_options(self, options: Sequence[tuple[str, str]], value: str | None = None) -> None:
        """New options; ``value`` (else the current one, else the first) stays picked, quietly."""
        keep = value if value is not None else self.value
        self._options = list(options)
        values = [v for _, v in self._options]
        self._index = values.index(keep) if keep in values else 0
        self.refresh(layout=True)

    def select(self, value: str) -> None:
        """Pick the option with this value."""
        values = [v for _, v in self._options]
        self._pick(values.index(value))

    def _pick(self, index: int) -> None:
        if not self._options:
            return
        self._index = index % len(self._options)
        self.refresh(layout=True)
        self.post_message(self.Changed(self, self.value))

    def action_step(self, delta: int) -> None:
        self._pick(self._index + delta)

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit() and 0 < int(event.character) <= len(self._options):
            event.stop()
            self._pick(int(event.character) - 1)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.focus()
        self._pick(self._index + (-1 if event.shift else 1))

    def render(self) -> Text:
        if len(self._options) < 2:
            return Text(self.label)
        return Text.assemble(("‹ ", "dim"), self.label, (" ›", "dim"))

    def get_content_width(self, container: Any, viewport: Any) -> int:
        labels = [label for label, _ in self._options] or [self.empty]
        return max(map(len, labels)) + (4 if len(labels) > 1 else 0)


class PaneAction(Static):
    """A one-word action a click (or ``press``) runs; the keyboard has its own key for each."""

    class Pressed(Message):
        def __init__(self, action: PaneAction) -> None:
            super().__init__()
            self.action = action

        @property
        def control(self) -> PaneAction:
            return self.action

    def __init__(self, label: str, *, id: str | None = None, tooltip: str | None = None) -> None:
        super().__init__(label, id=id, markup=False)
        self._label = label
        if tooltip is not None:
            self.tooltip = tooltip

    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, text: str) -> None:
        self._label = text
        self.update(text)

    def press(self) -> None:
        self.post_message(self.Pressed(self))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.press()


class PlatformPane(Vertical):
    """Server operations on a registered device, platform events and the CoAP log."""

    HELP = """\
## Platform (simulator mode)

The bundled LwM2M server the simulated module registers with. `ctrl+t` brings the keyboard here (again: hides
the pane). The first line picks the device (`←`/`→`; the one that registered last until you pick another).
Pick an operation (`←`/`→`, or `1`–`7`), type a path (`/19/0/0`), the argument where one applies, and press
`Enter` (or click **Go**):

| operation | argument |
|---|---|
| Read, Observe, Cancel obs., Discover | — |
| Write | the value: text, a number, or `0x…` for opaque bytes |
| Execute | optional arguments |
| Write-Attr | `pmin=5,pmax=60` |

**Sleep** / **Wake** (`ctrl+n`) put the simulated module into deep sleep (no AT, no network; registration
and observations kept) and wake it: it prints its boot banner, the console reads its state again, and the
module recovers its session as `recovery_mode` says (status 7 waits for `AT+QLARECOVER`).

Requests on custom objects reach the module as URCs (left) and wait in **Requests** for your answer; the
platform's result appears here when you answer. The log shows every CoAP message on the platform's socket
(`<-` in, `->` out) with its decoded payload, and events: registrations, notifications, Send data.
Long lines are folded; `w` in the log leaves them whole.
`Esc` goes back to the command line.
"""

    BINDINGS = [Binding("ctrl+enter", "go", "Go", show=False, id="platform.go")]

    def __init__(
        self,
        platform: PlatformHandle | None = None,
        *,
        facts: Callable[[], SimFacts] | None = None,
        show_psk: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.platform = platform
        self.facts = facts or SimFacts
        self.show_psk = show_psk
        self._pending: list[str] = []
        self._unsubscribe: list[Any] = []
        self._refused_seen = 0
        self._chosen: str | None = None  # the endpoint the user picked; None follows the latest registration

    def compose(self) -> ComposeResult:
        with Horizontal(id="platform-devices"):
            yield Choice(empty="no device", id="platform-ep", tooltip="the device operations go to (←/→)")
            yield Static("", id="platform-device")
        yield Static("", id="platform-security")
        with Horizontal(id="platform-ops"):
            yield Choice([(label, op) for label, op in OPERATIONS], id="platform-op",
                         tooltip="the operation (←/→ or 1–7)")
            yield Input("/19/0/0", placeholder="/obj/inst/res", id="platform-path")
            yield Input("", id="platform-arg")
            yield PaneAction("Go", id="platform-go", tooltip="run the operation (Enter)")
            yield PaneAction("Sleep", id="platform-sleep", tooltip="deep sleep / wake the simulated module (ctrl+n)")
        yield FoldingLog(max_lines=20_000, id="platform-log")

    def focus_first(self) -> None:
        """Put the keyboard on the operation picker, where an operation starts."""
        self.query_one("#platform-op", Choice).focus()

    def on_mount(self) -> None:
        self.set_interval(0.1, self._flush, name="platform flush")
        self.set_interval(1.0, self.refresh_device, name="platform device")
        self.query_one("#platform-path", Input).border_title = "path"
        self._show_argument()
        if self.platform is not None:
            self.attach(self.platform)
        else:
            # composed with the screen, before the simulator has started its platform: one layout pass, not two
            self.border_title = "Platform · starting"
            self.query_one("#platform-device", Static).update("starting the bundled platform…")

    def attach(self, platform: PlatformHandle) -> None:
        """Follow this platform: its events, its CoAP log, its registered devices."""
        self.platform = platform
        self.border_title = f"Platform · {platform.host}:{platform.port} · {platform.profile.name}"
        self._unsubscribe.append(platform.subscribe(self._on_event))
        self._unsubscribe.append(platform.coap_log.add_listener(self._on_record))
        self.refresh_device()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    # -- the device --------------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint the operations go to: the one picked, else the one that registered last."""
        if self._chosen is not None:
            return self._chosen
        device = self.platform.latest_device if self.platform is not None else None
        return device.endpoint if device is not None else None

    @property
    def device(self) -> PlatformDevice | None:
        """The registration of ``endpoint``, None when it is not (or no longer) registered."""
        ep = self.endpoint
        return self.platform.devices.get(ep) if self.platform is not None and ep is not None else None

    def on_choice_changed(self, event: Choice.Changed) -> None:
        event.stop()
        if event.choice.id == "platform-ep":
            self._chosen = event.value
            self.refresh_device()
        elif event.choice.id == "platform-op":
            self._show_argument()

    def refresh_device(self) -> None:
        if self.platform is None:
            return
        ep, registered = self.endpoint, list(self.platform.devices)
        options = [(name, name) for name in registered]
        if ep is not None and ep not in registered:
            options.append((f"{ep} (gone)", ep))
        self.query_one("#platform-ep", Choice).set_options(options, ep)
        d = self.device
        if d is None and ep is None:
            text = "(none yet) · F7 configures the module, F4 registers it"
        elif d is None:
            text = "not registered now · ←/→ picks another device"
        else:
            objects = " ".join(format_path(p) for p in d.object_paths())
            left = int(d.lifetime - (time.time() - d.last_update))
            text = f"@ {d.address[0]}:{d.address[1]} · lt {d.lifetime} s ({left} s left) · b={d.binding}"
            if queued := len(self.platform.queued(d.endpoint)):
                text += f" · {queued} queued"
            text += f" · {objects}"
        self.query_one("#platform-device", Static).update(text)
        self.refresh_security(self.facts())

    def refresh_security(self, facts: SimFacts) -> None:
        """DTLS port, PSK store (keys masked unless --show-psk) and how many identities were refused."""
        if facts.dtls_port is None:
            text = "no DTLS port"
        else:
            text = f"DTLS-PSK on :{facts.dtls_port} · "
            if facts.psk_store:
                keys = ", ".join(f"{i} ({k if self.show_psk else '********'})" for i, k in facts.psk_store)
                text += f"PSK store: {keys}"
            else:
                text += "PSK store empty (start with --psk ID:HEXKEY)"
            if facts.refused_count:
                text += f" · {facts.refused_count} refused"
        self.query_one("#platform-security", Static).update(text)

    # -- log ---------------------------------------------------------------------------------------------

    def _on_record(self, record: Any) -> None:
        self._pending.append(f"{stamp(record.time)} {record}")

    def _on_event(self, event: PlatformEvent) -> None:
        if event.registration_changed or event.queue_changed:
            # redrawn through the message queue: the pane's layout settles with the event, not a tick later
            self.call_later(self.refresh_device)
        self._pending.append(f"{stamp(event.time)} ● {event.summary()}")

    def _flush(self) -> None:
        facts = self.facts()
        if facts.refused_count != self._refused_seen:
            new = facts.refused[-(facts.refused_count - self._refused_seen):]
            self._refused_seen = facts.refused_count
            for refusal in new:
                self._pending.append(f"{stamp(refusal.time)} ✗ DTLS refused identity {refusal.identity!r} "
                                     f"from {refusal.peer}: {refusal.reason}")
            self.refresh_security(facts)
        if self._pending:
            lines, self._pending = self._pending, []
            self.query_one("#platform-log", FoldingLog).add_lines(lines)

    def note(self, text: str) -> None:
        self._pending.append(f"{stamp(time.time())} ~ {text}")

    # -- operations --------------------------------------------------------------------------------------

    @property
    def operation(self) -> str:
        return self.query_one("#platform-op", Choice).value or "read"

    def _show_argument(self) -> None:
        """The third field belongs to one operation: emptied, labelled for the new one, or hidden."""
        arg = self.query_one("#platform-arg", Input)
        arg.value = ""
        label, hint = ARGUMENTS.get(self.operation, ("", ""))
        arg.border_title = label
        arg.placeholder = hint
        arg.display = bool(label)
        self.set_class(not label, "-no-argument")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_go()

    async def on_pane_action_pressed(self, event: PaneAction.Pressed) -> None:
        event.stop()
        if event.action.id == "platform-sleep":
            await self.app.run_action("wake" if self.facts().asleep else "deep_sleep")
            return
        self.action_go()

    def refresh_sleep(self) -> None:
        """The sleep action says what it will do next."""
        self.query_one("#platform-sleep", PaneAction).label = "Wake" if self.facts().asleep else "Sleep"

    def request(self) -> tuple[str, str, str, str] | None:
        """What Go runs: endpoint, operation, path and argument (empty for operations without one); None,
        with a note and a bell, when the picked device is not registered."""
        op = self.operation
        path = self.query_one("#platform-path", Input).value.strip()
        arg = self.query_one("#platform-arg", Input).value if op in ARGUMENTS else ""
        ep = self.endpoint
        if ep is None or self.device is None:
            who = f"{ep} is not" if ep else "no device is"
            self.note(f"{who} registered with the platform")
            self.app.bell()
            return None
        return ep, op, path, arg

    def action_go(self) -> None:
        request = self.request()
        if request is not None:
            self.run_worker(self.operate(*request), group="platform", exit_on_error=False)

    async def operate(self, ep: str, op: str, path: str, arg: str = "") -> Any:
        """Run one server operation; the outcome is logged through the platform's own events."""
        p = self.platform
        if p is None:
            return None
        self.note(f"{op} {ep} {path} {arg}".rstrip())
        try:
            if op == "read":
                return await p.read(ep, path)
            if op == "write":
                return await p.write(ep, path, parse_write_value(arg))
            if op == "execute":
                return await p.execute(ep, path, arg)
            if op == "observe":
                return await p.observe(ep, path)
            if op == "cancel":
                return await p.cancel(ep, path)
            if op == "discover":
                return await p.discover(ep, path)
            if op == "write-attributes":
                return await p.write_attributes(ep, path, **parse_attributes(arg))
        except Exception as exc:  # a timeout, an unknown path: reported in the pane, never a crash
            self.note(f"{op} {ep} {path} failed: {exc or type(exc).__name__}")
        return None
