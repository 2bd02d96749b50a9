"""The platform pane (sim mode): drive the bundled LwM2M server and read what it received.

One line issues a server operation on the registered endpoint (Read, Write, Execute, Observe, Cancel,
Discover, Write-Attributes); below it the platform's events (registrations, responses, notifications,
Send data) and its CoAP log — type, code, message ID, token, path, content format and decoded payload —
so the AT lines on the left and the packets they caused can be read side by side.  A second line shows
the DTLS-PSK side (port+1 and the PSK store, keys masked unless ``--show-psk``); identities the DTLS port
refuses are logged as they happen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select, Static

from qlaterm.link.simulator import PlatformHandle, SimFacts
from qlaterm.state import format_path

from .folding_log import FoldingLog, stamp

__all__ = ["OPERATIONS", "PlatformEvent", "PlatformPane"]


class PlatformEvent(Protocol):
    """What the pane needs of a platform event: when it happened, its line, and whether the device changed."""

    @property
    def time(self) -> float: ...

    @property
    def registration_changed(self) -> bool: ...

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
_ARG_HINT = {
    "write": "value: text, or 0x… for opaque",
    "execute": "arguments (optional)",
    "write-attributes": "pmin=5 pmax=60",
}


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


class PlatformPane(Vertical):
    """Server operations on the registered device, platform events and the CoAP log."""

    HELP = """\
## Platform (simulator mode)

The bundled LwM2M server the simulated module registers with. `ctrl+t` brings the keyboard here (again: hides
the pane). Pick an operation, type a path (`/19/0/0`), an argument where one applies, and press `Enter`:

| operation | argument |
|---|---|
| Read, Observe, Cancel obs., Discover | — |
| Write | the value: text, a number, or `0x…` for opaque bytes |
| Execute | optional arguments |
| Write-Attr | `pmin=5 pmax=60` |

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

    def compose(self) -> ComposeResult:
        yield Static("", id="platform-device")
        yield Static("", id="platform-security")
        with Horizontal(id="platform-ops"):
            yield Select(OPERATIONS, value="read", allow_blank=False, id="platform-op")
            yield Input("/19/0/0", placeholder="/obj/inst/res", id="platform-path")
            yield Input("", placeholder="", id="platform-arg")
            yield Button("Go", id="platform-go", variant="primary")
            yield Button("Sleep", id="platform-sleep", tooltip="deep sleep / wake the simulated module (ctrl+n)")
        yield FoldingLog(max_lines=20_000, id="platform-log")

    def focus_first(self) -> None:
        """Put the keyboard on the operation picker, where an operation starts."""
        self.query_one("#platform-op", Select).focus()

    def on_mount(self) -> None:
        self.set_interval(0.1, self._flush, name="platform flush")
        self.set_interval(1.0, self.refresh_device, name="platform device")
        self._arg_hint()
        if self.platform is not None:
            self.attach(self.platform)
        else:
            # composed with the screen, before the simulator has started its platform: one layout pass, not two
            self.border_title = "Platform · starting"
            self.query_one("#platform-device", Static).update("starting the bundled platform…")

    def attach(self, platform: PlatformHandle) -> None:
        """Follow this platform: its events, its CoAP log, its registered device."""
        self.platform = platform
        self.border_title = f"Platform · {platform.host}:{platform.port} · {platform.profile.name}"
        self._unsubscribe.append(platform.subscribe(self._on_event))
        self._unsubscribe.append(platform.coap_log.add_listener(self._on_record))
        self.refresh_device()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    @property
    def endpoint(self) -> str | None:
        device = self.platform.latest_device if self.platform is not None else None
        return device.endpoint if device is not None else None

    def refresh_device(self) -> None:
        if self.platform is None:
            return
        d = self.platform.latest_device
        if d is None:
            text = "no device registered · F7 configures the module, F4 registers"
        else:
            objects = " ".join(format_path(p) for p in d.object_paths())
            left = int(d.lifetime - (time.time() - d.last_update))
            text = f"{d.endpoint} @ {d.address[0]}:{d.address[1]} · lt {d.lifetime} s ({left} s left) · b={d.binding}"
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
        if event.registration_changed:
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

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._arg_hint()

    def _arg_hint(self) -> None:
        op = self.query_one("#platform-op", Select).value
        arg = self.query_one("#platform-arg", Input)
        arg.placeholder = _ARG_HINT.get(str(op), "—")
        arg.disabled = str(op) not in _ARG_HINT

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_go()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "platform-sleep":
            await self.app.run_action("wake" if self.facts().asleep else "deep_sleep")
            return
        self.action_go()

    def refresh_sleep(self) -> None:
        """The sleep button says what it will do next."""
        self.query_one("#platform-sleep", Button).label = "Wake" if self.facts().asleep else "Sleep"

    def action_go(self) -> None:
        op = str(self.query_one("#platform-op", Select).value)
        path = self.query_one("#platform-path", Input).value.strip()
        arg = self.query_one("#platform-arg", Input).value
        ep = self.endpoint
        if ep is None:
            self.note("no device is registered with the platform")
            self.app.bell()
            return
        self.run_worker(self.operate(ep, op, path, arg), group="platform", exit_on_error=False)

    async def operate(self, ep: str, op: str, path: str, arg: str = "") -> Any:
        """Run one server operation; the outcome is logged through the platform's own events."""
        p = self.platform
        if p is None:
            return None
        self.note(f"{op} {path} {arg}".rstrip())
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
            self.note(f"{op} {path} failed: {exc or type(exc).__name__}")
        return None
