"""The qlaterm console: transcript, status, objects, requests, command line, and the platform in sim mode.

The app owns one :class:`~qlaterm.link.session.Session` and one :class:`~qlaterm.state.DeviceState`.
Every session event goes to the model first and then to the transcript; panes redraw from the model when
it changes (one folded ``StateChanged`` message however many lines arrived).  Quick actions are dialogs that
return AT lines built by ``qlaterm.at.build``; the app sends them in named workers, one after the other, and
turns a refusal into a notification with the error's meaning.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget

from qlaterm import __version__
from qlaterm.at.catalogue import URC_BUFFER_CAPACITY, error_text
from qlaterm.at.check import Checked, check_line
from qlaterm.at.network import ATTACH_COMMANDS, NETWORK_COMMANDS, POLL_COMMANDS
from qlaterm.at.parse import Info
from qlaterm.at.secrets import conceal
from qlaterm.link.base import LinkState, LinkStatus, SerialSettings, Transport
from qlaterm.link.session import Kind, Rebooted, Reply, Session, SessionEvent, Traffic
from qlaterm.link.sessionlog import SessionLog
from qlaterm.link.simulator import PlatformHandle, SimFacts, SimulatorControls
from qlaterm.paths import state_dir
from qlaterm.replay.capture import RecordedSimulator, Recording
from qlaterm.state import DeviceState, Request, format_path

from . import dialogs
from .collector import PacedCollector
from .command_line import CommandLine
from .footer import RankedFooter
from .keymap import load_keymap
from .messages import RequestChosen, ResourceChosen, StateChanged
from .objects import ObjectTree
from .palette import Action, ActionCommands, PaletteEntry
from .slot import Slot
from .status import StatusPane
from .transcript import Transcript

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qlaterm.replay.format import Transcript as ReplayTranscript

    from .find_bar import FindBar
    from .requests import RequestsPane

__all__ = ["STARTUP_COMMANDS", "QlatermApp"]

STARTUP_COMMANDS = ("AT", "AT+QLASTATUS?", "AT+QLACONFIG?", "AT+QLACFG?", "AT+QLAADDOBJ?")
"""What the console asks on connect and after the module restarts, to fill its panes (then the network's
identity, registration, signal, address, RRC and PSM state: ``NETWORK_COMMANDS``)."""

FOOTER_RANK = ("help", "answer", "drain", "recover", "reboot", "send_data", "register", "configure", "notify_resource",
               "update", "deregister", "settings", "add_object", "toggle_platform", "deep_sleep", "wake",
               "delete_object", "app.find", "app.save_log")
"""The footer's keys from the most to the least useful: as many as fit are shown (at 80 columns F1-F7 and
whichever of Drain, Recover, Reboot and Send the module's state calls for; at 120 all of them but the
transcript's own). Drain, Recover, Reboot and Send rank high because they show only when they matter."""

COMPACT_BELOW = 30
"""Rows below which the status pane shows only its essentials, so that Objects and Requests keep rows."""

POLL_INTERVAL = 30.0
"""Seconds between the slow polls of signal and registration (only while the link is idle)."""
BUFFER_POLL_INTERVAL = 5.0
"""Seconds between the reads of the URC buffer's count (buffer mode, entries waiting, the link idle): an entry
that joins a non-empty buffer is announced by nothing else."""
COLLECT_INTERVAL = 5.0
"""Seconds between paced garbage collections (collector.py): a pass walks only what came since the last."""

APP_HELP = """\
## qlaterm

A console for the LwM2M AT commands of the Quectel BC26. Type AT commands below, or use the quick actions:
they build the exact line (lengths, hex, quoting) and show it before sending. `ctrl+p` lists every action.
"""


class QlatermApp(App[None]):
    """The console.  ``transport`` is a serial port or the in-process simulator."""

    CSS_PATH = "app.tcss"
    TITLE = "qlaterm"
    AUTO_FOCUS = "#command-input"
    HORIZONTAL_BREAKPOINTS = [(0, "-compact"), (90, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (COMPACT_BELOW, "-tall")]
    """Below 120 columns the right-hand panes give up width to the transcript and the platform pane; below
    90 the platform pane's operation row takes two lines."""

    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("f2", "answer", "Answer", id="answer"),
        Binding("f3", "notify_resource", "Notify", id="notify"),
        Binding("f4", "register", "Reg", id="register"),
        Binding("f5", "update", "Upd", id="update"),
        Binding("f6", "deregister", "Dereg", id="deregister"),
        Binding("f7", "configure", "Server", id="configure"),
        Binding("f8", "settings", "Opts", id="settings"),
        Binding("f9", "add_object", "+Obj", id="add_object"),
        Binding("f10", "delete_object", "-Obj", id="delete_object"),
        Binding("f11", "send_data", "Send", id="send_data"),
        Binding("f12", "recover", "Recover", id="recover"),
        Binding("ctrl+b", "reboot", "Reboot", id="reboot"),
        Binding("ctrl+r", "drain", "Drain", id="drain"),
        Binding("ctrl+t", "toggle_platform", "Platform", id="toggle_platform"),
        Binding("ctrl+n", "deep_sleep", "Sleep", id="deep_sleep"),
        Binding("ctrl+n", "wake", "Wake", id="wake"),
        Binding("ctrl+g", "network", "Network", show=False, id="network"),
        Binding("shift+f8", "serial_settings", "Port", show=False, id="serial_settings"),
        Binding("shift+f9", "toggle_dtr", "DTR", show=False, id="toggle_dtr"),
        Binding("shift+f10", "toggle_rts", "RTS", show=False, id="toggle_rts"),
        Binding("ctrl+f", "find", "Find", show=False, id="find"),
        Binding("ctrl+s", "save_log", "Save log", show=False, id="save_log"),
        Binding("ctrl+l", "clear_transcript", "Clear", show=False, id="clear_transcript"),
        Binding("ctrl+y", "hex_view", "Hex", show=False, id="hex_view"),
        Binding("ctrl+o", "reread", "Re-read state", show=False, id="reread"),
        Binding("alt+r", "record", "Record", show=False, id="record"),
        Binding("alt+m", "mark", "Mark", show=False, id="mark"),
        Binding("alt+c", "command_list", "Commands", show=False, id="command_list"),
        Binding("escape", "focus_command", "Command line", show=False, id="focus_command"),
    ]

    ACTIONS: dict[str, Action] = {
        "answer": Action("Answer request", "Answer the selected (or oldest) server request: read, observe, write, "
                         "execute", ("AT+QLARDRSP", "AT+QLAOBSRSP", "AT+QLAWRRSP", "AT+QLAEXERSP")),
        "notify_resource": Action("Notify", "An observed resource's new value to the server (NON or CON)",
                                  ("AT+QLANOTIFY",)),
        "register": Action("Register", "Register with the server (configure first when the module has none)",
                           ("AT+QLAREG",)),
        "update": Action("Update registration", "A new lifetime or binding", ("AT+QLAUPDATE",)),
        "deregister": Action("Deregister", "Leave the server", ("AT+QLADEREG",)),
        "configure": Action("Configure server", "Server, port, endpoint, lifetime, PSK, binding",
                            ("AT+QLACONFIG",)),
        "settings": Action("Optional settings", "retransmit, auto_ack, access_mode, platform, …", ("AT+QLACFG",)),
        "add_object": Action("Add object", "A custom object instance and its resources", ("AT+QLAADDOBJ",)),
        "delete_object": Action("Delete object", "Remove a custom object", ("AT+QLADELOBJ",)),
        "send_data": Action("Send data", "A string or opaque value to the server's /dp, NON or CON",
                            ("AT+QLASENDDATA",)),
        "recover": Action("Recover session", "Status 7: woken from deep sleep with recovery_mode 1",
                          ("AT+QLARECOVER",)),
        "reboot": Action("Reboot module", "What the server asks with an Execute of /3/0/4 or /3/0/5", ("AT+QRST",)),
        "drain": Action("Drain URC buffer", "Read the buffered URCs until the buffer is empty (buffer mode)",
                        ("AT+QLARD",)),
        "find": Action("Find in transcript", "Search and filter the AT transcript"),
        "save_log": Action("Save transcript", "Write the transcript to a file, PSKs masked"),
        "toggle_platform": Action("Toggle platform pane", "Show or hide the bundled platform (sim mode)"),
        "deep_sleep": Action("Deep sleep (simulator)", "The simulated module stops answering AT and the network"),
        "wake": Action("Wake (simulator)", "The simulated module prints its boot banner and recovers its session"),
        "network": Action("Network condition (simulator)",
                          "The next radio condition: ideal → good → poor → edge → none"),
        "serial_settings": Action("Serial settings", "Baud, data bits, parity, stop bits, flow control of the port"),
        "toggle_dtr": Action("Toggle DTR", "Drop or raise the serial port's DTR line"),
        "toggle_rts": Action("Toggle RTS", "Drop or raise the serial port's RTS line"),
        "clear_transcript": Action("Clear transcript", "Forget the lines shown so far"),
        "hex_view": Action("Hex view", "The transcript's lines as their bytes on the link: hex and ASCII, CR and LF"),
        "reread": Action("Re-read module state", " · ".join(STARTUP_COMMANDS + NETWORK_COMMANDS)),
        "record": Action("Record as transcript", "The session (or the marked range) as a file qlaterm replay runs"),
        "mark": Action("Mark the recording", "A recorded range starts here; pressed again, it ends here"),
        "command_list": Action("Command list", "Pick lines of a command list file, or run them all as a transcript"),
        "help": Action("Help", "Help for the focused pane and the keys"),
    }
    """Every action of the console, for the palette and the keys help; its key comes from ``BINDINGS``."""

    COMMANDS = App.COMMANDS | {ActionCommands}

    def __init__(
        self,
        transport: Transport,
        *,
        keymap_file: Path | None = None,
        history_file: Path | None = None,
        mask_secrets: bool = True,
        log_dir: Path | None = None,
        session_log: Path | None = None,
        session_log_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        demo: tuple[str, ReplayTranscript] | None = None,
        commands: Path | None = None,
    ) -> None:
        super().__init__()
        self.commands_file = commands
        """``--commands FILE``: the command list the pane opens with."""
        self.demo = demo
        """A guided demo to run on the session (``--demo NAME``): its name and transcript."""
        self.transport = transport
        self._transcript: Transcript | None = None
        self.session = Session(transport, clock=clock)
        self.recording = Recording(self.session, automatic=self._automatic, clock=clock)
        """Everything on the session, for recording it as a transcript (the console's own reads told apart)."""
        self.simulator: SimulatorControls | None = (
            RecordedSimulator(transport.simulator, self.recording) if transport.simulator is not None else None)
        """The simulated module's controls in sim mode (what they do is recorded), else None."""
        self.state = DeviceState(clock=clock)
        self.history_file = history_file
        self.mask_secrets = mask_secrets
        self.log_dir = log_dir
        self.session_log_file = session_log
        """``--log FILE``: every line of the session appended to this file."""
        self.session_log_dir = session_log_dir
        """The continuous log's directory (one rotated file per session), unless ``--log`` or ``--no-log``."""
        self.session_log: SessionLog | None = None
        self._keymap_problems: list[str] = []
        if keymap_file is not None:
            keymap, self._keymap_problems = load_keymap(keymap_file, self._binding_ids)
            if keymap:
                self.set_keymap(keymap)
        self._refresh_posted = False
        self._read_wanted = False
        self._was_lost = False
        self._facts_key: object = None
        self._footer_key = self._footer_state()  # what the footer is first built for
        self._reading = False
        self._attached_during_read = False
        """``+IP:`` came while the state was read: its registration and address are read after it."""
        self._reboot_offered: object = None
        self._held_action: str | None = None
        """A quick action held back once with an explanation: the same key again sends it."""
        self._link_opened = asyncio.Event()
        self._collector = PacedCollector()
        self._terminal_lost = False
        self._slots: list[Slot] = []
        """The panes of the first frame still to be filled (:meth:`_fill_slots`)."""
        self._panes_ready = asyncio.Event()  # set once the panes the first frame showed as frames are mounted
        self.state_read = asyncio.Event()
        """Set once the module's state has been read in full after the link came up (tests and scripts wait
        for it instead of guessing how long the read takes)."""
        """Set once the first attempt to open the link is decided: lines sent earlier wait for it."""
        self.session.subscribe(self.state.apply)
        self.session.subscribe(self._on_session)

    def _automatic(self, line: str) -> bool:
        """A line the console sends by itself (its state read, the network poll): not part of a recording."""
        return line in _AUTOMATIC and (self._reading or any(w.group == "poll" and w.is_running for w in self.workers))

    @classmethod
    def _binding_ids(cls) -> set[str]:
        """Every remappable binding id: the app's, the panes' and the dialogs'."""
        return {b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id} | _widget_binding_ids()

    # -- layout -------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left"):  # the find bar joins it above the transcript when first opened
                if self.demo is not None:
                    from .demo import DemoPane

                    pane = DemoPane(*self.demo, id="demo")
                    pane.start(self.session, self.simulator)  # before the link opens: no line missed
                    yield pane
                transcript = self._transcript = Transcript(id="transcript")
                transcript.masking = self.mask_secrets
                transcript.secrets = self.state.secrets
                yield transcript
                simulator = self.simulator
                if simulator is not None and simulator.platform_port is not None:
                    # the platform starts with the link; the pane is laid out now and attached then
                    yield self._slot(Slot(partial(self._platform_pane, simulator), id="platform",
                                          title="Platform · starting"))
            with Vertical(id="right"):
                status = StatusPane(self.state, show_psk=not self.mask_secrets, id="status")
                status.facts = SimFacts() if self.simulator is not None else None
                status.serial = self.transport.serial
                yield status
                yield self._slot(Slot(lambda: ObjectTree(self.state, id="objects"), id="objects", title="Objects"))
                yield self._slot(Slot(self._requests_pane, id="requests", title="Requests"))
        secrets = self.state.secrets
        history_conceal = (lambda line: conceal(line, secrets)) if self.mask_secrets else None
        yield CommandLine(history_file=self.history_file, conceal=history_conceal, id="command",
                          objection=self.state.objection)
        yield RankedFooter(FOOTER_RANK)

    def _requests_pane(self) -> RequestsPane:
        from .requests import RequestsPane  # a DataTable: imported after the first frame, with its pane

        return RequestsPane(self.state, id="requests")

    def _platform_pane(self, simulator: SimulatorControls) -> Widget:
        from .platform_pane import PlatformPane

        return PlatformPane(None, facts=simulator.facts, show_psk=not self.mask_secrets, id="platform")

    def _slot(self, slot: Slot) -> Slot:
        self._slots.append(slot)
        return slot

    async def _fill_slots(self) -> None:
        """After the first frame: the panes it showed as frames only take their places, in one update (on
        the main screen, whichever screen is in front by then)."""
        slots, self._slots = self._slots, []
        try:
            with self.batch_update():
                for slot in slots:
                    await slot.fill()
        finally:
            self._panes_ready.set()
            self._collector.start()

    @property
    def transcript(self) -> Transcript:
        """The transcript pane (kept, not looked up: every line on the link goes to it)."""
        if self._transcript is None:
            return self.query_one(Transcript)  # NoMatches before the panes are composed
        return self._transcript

    @property
    def platform(self) -> PlatformHandle | None:
        """The bundled platform when the link is the simulator's and it runs, else None."""
        return self.simulator.platform if self.simulator is not None else None

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(StatusPane).compact = event.size.height < COMPACT_BELOW

    def on_mount(self) -> None:
        self.sub_title = self.transport.name
        self.query_one(StatusPane).compact = self.size.height < COMPACT_BELOW
        self.set_interval(1.0, self._expire_requests, name="request expiry")
        self.set_interval(COLLECT_INTERVAL, self._collector.tick, name="paced garbage collection")
        if not self.is_headless and (terminal := _terminal_fd()) is not None:
            _TerminalWatch(terminal, self).start()
        self.set_interval(POLL_INTERVAL, self.poll_network, name="network poll")
        self.set_interval(BUFFER_POLL_INTERVAL, self.poll_buffer, name="buffer poll")
        for problem in self._keymap_problems:
            self.notify(problem, title="keymap", severity="warning", timeout=20)  # time to read, before the first key
        self._open_session_log()
        # the first frame is drawn before the link opens (in sim mode: before the simulator and the platform
        # are even imported); the command line takes input at once and lines wait for the link
        self.call_after_refresh(self._fill_slots)
        self.call_after_refresh(self.connect)
        if self.commands_file is not None:
            self.call_after_refresh(self.open_command_list, self.commands_file)

    @work(group="connect", exit_on_error=False)
    async def connect(self) -> None:
        """Open the link (starting the simulator in sim mode), then read the module's state."""
        await self._panes_ready.wait()  # what the link brings is shown in every pane
        try:
            await self.session.open()
        finally:
            self._link_opened.set()
        self.sub_title = self.transport.name
        platform, simulator = self.platform, self.simulator
        if platform is not None and simulator is not None:
            from .platform_pane import PlatformPane

            panes = self.query(PlatformPane)
            if panes:
                panes.first().attach(platform)
            else:
                pane = PlatformPane(platform, facts=simulator.facts, show_psk=not self.mask_secrets, id="platform")
                await self.query_one("#left", Vertical).mount(pane)
                self.refresh_bindings()  # ctrl+t now has a pane to show
        if simulator is not None:
            self.query_one(StatusPane).condition = simulator.network
        self.request_read()
        if self.demo is not None:
            from .demo import DemoPane

            self.run_worker(self.query_one(DemoPane).run(), group="demo", name="demo", exit_on_error=False)

    def end_without_terminal(self) -> None:
        """The terminal hung up (:class:`_TerminalWatch`): close what the console holds, then end."""
        if not self._terminal_lost:
            self._terminal_lost = True
            self.run_worker(self._end_without_terminal(), name="terminal gone", exit_on_error=False)

    async def _end_without_terminal(self) -> None:
        """What the console holds is closed (the session log, the link and the simulator), then the process
        ends at once: Textual's own shutdown would wait forever to restore a terminal that is gone."""
        if self.session_log is not None:
            self.session_log.close()
            self.session_log = None
        try:
            await asyncio.wait_for(self.session.close(), 5.0)
        except Exception:  # the process ends in any case: nothing is left to report to
            pass
        self._collector.stop()
        os._exit(1)

    async def on_unmount(self) -> None:
        self._collector.stop()
        await self.session.close()
        if self.session_log is not None:
            self.session_log.close()

    def _mask(self, text: str) -> str:
        return conceal(text, self.state.secrets) if self.mask_secrets else text

    def _open_session_log(self) -> None:
        try:
            if self.session_log_file is not None:
                self.session_log = SessionLog(self.session_log_file, self._mask)
            elif self.session_log_dir is not None:
                self.session_log = SessionLog.in_directory(self.session_log_dir, self.transport.name, self._mask)
        except OSError as exc:
            where = self.session_log_file or self.session_log_dir
            self.notify(f"{where}: {exc.strerror or exc}", title="no session log", severity="warning")
            return
        if self.session_log is not None:
            self.session.subscribe(self.session_log)
            self.session.note(f"session log: {self.session_log.path}")

    def on_worker_state_changed(self, event: Any) -> None:
        worker = event.worker
        if worker.error is not None and worker.group in ("connect", "at", "read"):
            self.notify(f"{worker.name}: {worker.error}", title="error", severity="error")

    # -- session ------------------------------------------------------------------------------------------

    def _on_session(self, event: SessionEvent) -> None:
        if isinstance(event, Traffic):
            self._collector.traffic()
            self.transcript.add(event)
            if event.kind is Kind.TEXT and isinstance(event.event, Info) and event.event.name == "+IP":
                self._attached()
        elif isinstance(event, Rebooted):
            self.request_read()
        elif isinstance(event, LinkStatus):
            if event.state is LinkState.LOST:
                self._was_lost = True
            elif event.state is LinkState.CONNECTED and self._was_lost:
                self._was_lost = False
                self.request_read()
        if not self._refresh_posted and not self._reading:
            self._refresh_posted = True
            self.post_message(StateChanged())

    def _attached(self) -> None:
        """``+IP:``: the attach completed. Its registration and address are read now, not at the next poll
        (by the state read when one is due: it reads them anyway, and again after it when they came while
        it was reading them)."""
        if self._reading or self._read_wanted:
            self._attached_during_read = True
            return
        self.run_worker(self._send_quietly(ATTACH_COMMANDS), group="network", name="attached", exit_on_error=False)

    def on_state_changed(self, _: StateChanged) -> None:
        self._refresh_posted = False
        try:
            self.refresh_panes()
        except NoMatches:  # a refresh that arrives while the console closes finds its panes gone
            if not self._exit:
                raise

    def _expire_requests(self) -> None:
        for request in self.state.expire_requests():
            self.session.note(f"{request.label} (message ID {request.mid}) expired: the module answered 5.03")

    def _is_hidden(self, action: str) -> bool:
        """The action's key does nothing in the current mode: it leaves the footer (it stays in the palette)."""
        state, simulator = self.state, self.simulator
        match action:
            case "drain":
                return not state.buffer_mode
            case "recover":
                return state.status != 7
            case "send_data":
                return state.platform != 2
            case "reboot":
                return state.reboot_requested is None
            case "toggle_platform":
                return not self.query("#platform")
            case "deep_sleep":
                return simulator is None or simulator.asleep
            case "wake":
                return simulator is None or not simulator.asleep
            case "network":
                return simulator is None
        return False

    def _footer_state(self) -> frozenset[str]:
        """The hidden actions that follow the device model (every footer rebuild costs a recomposition; the
        platform pane and sleep/wake refresh the bindings themselves)."""
        return frozenset(a for a in ("drain", "recover", "send_data", "reboot") if self._is_hidden(a))

    def refresh_panes(self) -> None:
        state = self.state
        self._expire_requests()  # a request drained after its 60 s is answered already: never offered
        footer_key = self._footer_state()
        if footer_key != self._footer_key:
            self._footer_key = footer_key
            self.refresh_bindings()
        if state.reboot_requested != self._reboot_offered:
            self._reboot_offered = state.reboot_requested
            if state.reboot_requested is not None:
                key = self.key_for("reboot") or "ctrl+p"
                self.notify(f"the server executed {format_path(state.reboot_requested)}: the module waits for "
                            f"AT+QRST=1 — {key} (or the palette's Reboot module) sends it",
                            title="reboot requested", timeout=15)
        self._refresh_sim_facts()
        self.query_one(StatusPane).refresh_state()
        from .requests import RequestsPane

        # each pane reads the state when it is mounted: one still in its slot is refreshed then
        for pane in (*self.query(ObjectTree), *self.query(RequestsPane)):
            pane.refresh_state()

    def _refresh_sim_facts(self, force: bool = False) -> None:
        """Ask the simulator for its facts (DTLS session, deep sleep) when the registration status moved."""
        simulator = self.simulator
        if simulator is None:
            return
        notice = self.state.notices[-1] if self.state.notices else None
        key = (self.state.status, self.state.registered_at, notice, self.state.config)
        if force or key != self._facts_key:
            self._facts_key = key
            self.query_one(StatusPane).facts = simulator.facts()

    def request_read(self) -> None:
        """Read the module's state soon; requests made while a read runs fold into one more read."""
        self._read_wanted = True
        if not any(w.group == "read" and w.is_running for w in self.workers):
            self.run_worker(self._read_state(), group="read", name="read state", exit_on_error=False)

    async def _read_state(self) -> None:
        # the panes are redrawn once when the whole state has been read, not after each of its replies
        self._reading = True
        try:
            while self._read_wanted:
                if self.session.link.state is not LinkState.CONNECTED:
                    return  # the reconnection asks again
                self._read_wanted = False
                for line in STARTUP_COMMANDS:
                    reply = await self.session.send(line)
                    if reply.timed_out or reply.interrupted:
                        break
                if self.state.buffer_mode:
                    await self.session.send("AT+QLARD?")
                self._attached_during_read = False
                for line in NETWORK_COMMANDS:
                    reply = await self.session.send(line)
                    if reply.timed_out or reply.interrupted:
                        break
                if self._attached_during_read and not self._read_wanted:
                    await self._send_quietly(ATTACH_COMMANDS)
            self.state_read.set()
        finally:
            self._reading = False
            self._refresh_posted = True
            self.post_message(StateChanged())

    def poll_network(self) -> None:
        """Ask signal and registration again, when nobody would wait for it: the link idle, no state read or
        quick action running, and nothing typed on the command line."""
        if not self._may_poll():
            return
        self.run_worker(self._poll(), group="poll", name="network poll", exit_on_error=False, exclusive=True)

    def poll_buffer(self) -> None:
        """Ask how many entries the URC buffer holds, while some wait there (when it is empty, the module
        announces the next one), when nobody would wait for it."""
        if self.state.buffer_mode and self.state.buffer_count and self._may_poll():
            self.run_worker(self.session.send("AT+QLARD?"), group="poll", name="buffer poll", exit_on_error=False,
                            exclusive=True)

    def _may_poll(self) -> bool:
        if self.session.link.state is not LinkState.CONNECTED or self._reading or not self.session.idle:
            return False
        if self.state.asleep or any(w.group in ("at", "read") and w.is_running for w in self.workers):
            return False
        return not self.query_one(CommandLine).input.value.strip()

    async def _send_quietly(self, lines: Iterable[str]) -> None:
        """Lines the console asks for itself: their answers feed the model, nobody is told of a refusal."""
        await self._link_opened.wait()
        for line in lines:
            await self.session.send(line)

    async def _poll(self) -> None:
        for line in POLL_COMMANDS:
            if not self._may_poll():
                return
            await self.session.send(line)

    # -- sending ------------------------------------------------------------------------------------------

    def send_lines(self, lines: Iterable[str]) -> None:
        """Send lines in order in a worker; the first refusal stops the rest and is explained."""
        lines = list(lines)
        if lines:
            self.run_worker(self._send_all(lines), group="at", name=lines[0], exit_on_error=False)

    async def _send_all(self, lines: list[str]) -> list[Reply]:
        await self._link_opened.wait()
        replies = []
        for line in lines:
            reply = await self.session.send(line)
            replies.append(reply)
            if reply.final is not None and not reply.ok:
                code = reply.final.code
                meaning = f" — {error_text(code)}" if code is not None else ""
                self.notify(f"{line}\n{reply.final.text}{meaning}", title="refused", severity="error")
                break
            if reply.timed_out:
                self.notify(f"{line}\nno answer from the module", title="timeout", severity="error")
                break
        return replies

    def on_command_line_submitted(self, event: CommandLine.Submitted) -> None:
        self.send_lines([event.line])

    def _sent(self, lines: list[str] | None) -> None:
        if lines:
            self.send_lines(lines)
        self.action_focus_command()

    # -- quick actions ------------------------------------------------------------------------------------

    def _request(self) -> Request | None:
        from .requests import RequestsPane

        panes = self.query(RequestsPane)  # none in the moment before the first frame's panes are filled
        mid = panes.first().selected_mid if panes and panes.first().has_focus else None
        if mid is not None and mid in self.state.requests:
            return self.state.requests[mid]
        return self.state.oldest_request()

    def answer(self, request: Request) -> None:
        if request.kind in ("read", "observe", "cancel"):
            self.push_screen(dialogs.AnswerDialog(request, self.state), self._sent)
        elif request.kind == "write":
            self.push_screen(dialogs.WriteDialog(request), self._sent)
        elif request.kind == "execute":
            self.push_screen(dialogs.ExecuteDialog(request), self._sent)

    def action_answer(self) -> None:
        request = self._request()
        if request is None:
            self.notify("no server request is waiting", severity="warning")
            return
        self.answer(request)

    def on_request_chosen(self, event: RequestChosen) -> None:
        request = self.state.requests.get(event.mid)
        if request is not None:
            self.answer(request)

    def on_resource_chosen(self, event: ResourceChosen) -> None:
        self.push_screen(dialogs.NotifyDialog(self.state, event.path), self._sent)

    def action_notify_resource(self) -> None:
        trees = self.query(ObjectTree)
        path = trees.first().selected_path if trees and trees.first().has_focus else None
        self.push_screen(dialogs.NotifyDialog(self.state, path if path and path[2] >= 0 else None), self._sent)

    def action_register(self) -> None:
        if self.state.config_known and self.state.config is None:
            self.notify("the module has no server yet: configure it, then register", severity="information")

            def configured(lines: list[str] | None) -> None:
                if lines:
                    self.send_lines([*lines, "AT+QLAREG"])
                self.action_focus_command()

            dialog = dialogs.ConfigDialog(self.state, self.config_defaults(), mask_psk=self.mask_secrets)
            self.push_screen(dialog, configured)
            return
        if self._confirmed("register", "AT+QLAREG"):
            self.send_lines(["AT+QLAREG"])

    def _confirmed(self, action: str, line: str) -> bool:
        """True when ``line`` may go now: the device's state has nothing against it, or the action's key was
        pressed again after the explanation."""
        verdict = check_line(line)
        objection = self.state.objection(verdict) if isinstance(verdict, Checked) else None
        if objection is None or self._held_action == action:
            self._held_action = None
            return True
        self._held_action = action
        key = self.key_for(action) or action
        self.notify(f"{objection}\n{key} again sends {line} anyway", title="not sent", severity="warning")
        return False

    def action_update(self) -> None:
        self.push_screen(dialogs.UpdateDialog(self.state), self._sent)

    def action_deregister(self) -> None:
        if self._confirmed("deregister", "AT+QLADEREG"):
            self.send_lines(["AT+QLADEREG"])

    def config_defaults(self) -> dialogs.ConfigDefaults:
        endpoint = self.state.identity.get("imei", "866971030603068")
        platform = self.platform
        simulator = self.simulator
        if platform is not None and simulator is not None:
            facts = simulator.facts()
            psk_id, psk = facts.psk_store[0] if facts.psk_store else ("", "")
            return dialogs.ConfigDefaults("127.0.0.1", platform.port, endpoint, 86400, facts.dtls_port, psk_id, psk)
        return dialogs.ConfigDefaults("", 5683, endpoint, 86400)

    def action_configure(self) -> None:
        dialog = dialogs.ConfigDialog(self.state, self.config_defaults(), mask_psk=self.mask_secrets)
        self.push_screen(dialog, self._sent)

    def action_settings(self) -> None:
        self.push_screen(dialogs.SettingsDialog(self.state), self._sent)

    def action_add_object(self) -> None:
        self.push_screen(dialogs.AddObjectDialog(), self._sent)

    def action_delete_object(self) -> None:
        if not self.state.objects:
            self.notify("there is no custom object to delete", severity="warning")
            return
        self.push_screen(dialogs.DeleteObjectDialog(self.state), self._sent)

    def action_send_data(self) -> None:
        self.push_screen(dialogs.SendDataDialog(self.state), self._sent)

    def action_recover(self) -> None:
        if self.state.status != 7:
            self.notify("AT+QLARECOVER is for status 7 (woken from deep sleep with recovery_mode 1); "
                        f"the module is in status {self.state.status}", severity="warning")
            return
        self.send_lines(["AT+QLARECOVER"])

    def action_reboot(self) -> None:
        self.push_screen(dialogs.RebootDialog(self.state.reboot_requested), self._sent)

    def action_drain(self) -> None:
        self.run_worker(self._drain(), group="at", name="drain", exit_on_error=False)

    async def _drain(self) -> None:
        for _ in range(URC_BUFFER_CAPACITY + 1):
            reply = await self.session.send("AT+QLARD")
            if not reply.ok or not self.state.buffer_count:
                break

    def action_reread(self) -> None:
        self.request_read()

    # -- transcript ---------------------------------------------------------------------------------------

    async def action_find(self) -> None:
        from .find_bar import FindBar

        bars = self.query(FindBar)
        if bars:
            bar = bars.first()
        else:
            bar = FindBar(id="find")
            await self.query_one("#left", Vertical).mount(bar, before=0)
        bar.open()

    def on_find_bar_changed(self, event: FindBar.Changed) -> None:
        transcript = self.transcript
        transcript.set_search(event.text)
        transcript.filter_text = event.text if event.filter else ""

    def on_find_bar_next(self, event: FindBar.Next) -> None:
        if not self.transcript.find(event.text):
            self.notify(f"no earlier line contains {event.text!r}", severity="warning")

    def on_find_bar_closed(self, _: FindBar.Closed) -> None:
        self.transcript.set_search("")
        self.transcript.filter_text = ""
        self.action_focus_command()

    def action_save_log(self) -> None:
        def save(path: Path | None) -> None:
            if path is None:
                return
            try:
                count = self.transcript.save(path, secrets=self.state.secrets if self.mask_secrets else ())
            except OSError as exc:
                self.notify(f"{path}: {exc.strerror or exc}", title="not saved", severity="error")
                return
            self.session.note(f"transcript saved to {path} ({count} lines)")
            self.notify(f"{count} lines saved to {path}", title="saved")

        self.push_screen(dialogs.SaveLogDialog(self.log_dir), save)

    def action_mark(self) -> None:
        recording = self.recording
        if recording.mark is not None and recording.end is None and len(recording.entries) > recording.mark:
            count = recording.set_end()
            self.session.note(f"recording mark: the range ends after line {count} (a mark again starts a new one)")
            return
        count = recording.set_mark()
        self.session.note(f"recording mark: a recording from the mark starts after line {count} "
                          "(a mark again ends the range)")

    def action_record(self) -> None:
        from .record import RecordChoice, RecordDialog, save_recording

        def save(choice: RecordChoice | None) -> None:
            if choice is None:
                return
            try:
                count = save_recording(self.recording, choice, simulator=self.simulator, link=self.transport.name,
                                       secrets=self.state.secrets, show_psk=not self.mask_secrets)
            except OSError as exc:
                self.notify(f"{choice.path}: {exc.strerror or exc}", title="not recorded", severity="error")
                return
            self.session.note(f"session recorded to {choice.path} ({count} lines)")
            self.notify(f"{count} lines recorded to {choice.path}\nqlaterm replay runs it", title="recorded")

        self.push_screen(RecordDialog(marked=self.recording.mark, ended=self.recording.end), save)

    def action_command_list(self) -> None:
        from .command_list import CommandListPane

        panes = self.query(CommandListPane)
        if panes:
            panes.first().focus_list()
            return
        from .command_list import OpenCommandList

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.run_worker(self.open_command_list(path), group="command list", exit_on_error=False)

        self.push_screen(OpenCommandList(), chosen)

    async def open_command_list(self, path: Path) -> None:
        """Load ``path`` as a command list into its pane above the command line."""
        from qlaterm.replay.format import TranscriptError

        from .command_list import CommandListPane, load_command_list

        try:
            transcript = load_command_list(path, simulator=self.simulator is not None)
        except (OSError, TranscriptError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.notify(f"{path}: {detail}", title="no command list", severity="error")
            return
        for old in self.query(CommandListPane):
            await old.remove()
        pane = CommandListPane(path, transcript, id="command-list-pane")
        await self.mount(pane, before=self.query_one(CommandLine))
        pane.focus_list()

    def on_command_list_pane_picked(self, event: Any) -> None:
        field = self.query_one(CommandLine).input
        field.value = event.line
        self.action_focus_command()

        def to_the_end() -> None:  # after the focus, which selects the whole line: the line is to be edited
            field.cursor_position = len(field.value)

        field.call_after_refresh(to_the_end)

    def action_clear_transcript(self) -> None:
        self.transcript.clear_all()

    def action_hex_view(self) -> None:
        transcript = self.transcript
        transcript.hex_view = not transcript.hex_view

    def action_toggle_platform(self) -> None:
        from .platform_pane import PlatformPane

        panes = self.query(PlatformPane)
        if not panes:
            self.notify("the platform pane exists in simulator mode (qlaterm --sim)", severity="warning")
            return
        pane = panes.first()
        focused = self.focused
        inside = focused is not None and pane in focused.ancestors_with_self
        if pane.display and inside:
            pane.display = False
            self.action_focus_command()
            return
        # hidden, or shown without the focus: show it and take the keyboard there (its operation picker)
        pane.display = True
        pane.focus_first()

    # -- simulator controls -------------------------------------------------------------------------------

    def action_deep_sleep(self) -> None:
        simulator = self.simulator
        if simulator is None:
            self.notify("deep sleep is a simulator control (qlaterm --sim)", severity="warning")
            return
        self.run_worker(self._sleep_or_wake(sleep=True), group="sim", name="deep sleep", exit_on_error=False)

    def action_wake(self) -> None:
        simulator = self.simulator
        if simulator is None:
            self.notify("wake is a simulator control (qlaterm --sim)", severity="warning")
            return
        self.run_worker(self._sleep_or_wake(sleep=False), group="sim", name="wake", exit_on_error=False)

    async def _sleep_or_wake(self, *, sleep: bool) -> None:
        """Drive the simulated module's power state; on wake its banner (``RDY``) makes the console re-read."""
        simulator = self.simulator
        assert simulator is not None
        if sleep:
            await simulator.deep_sleep()
            self.state.deep_sleep = True
            self.session.note("simulator: the module is in deep sleep (no AT, no network) until woken")
        else:
            self.session.note("simulator: waking the module")
            self.state.deep_sleep = False
            await simulator.wake()
        self._refresh_sim_facts(force=True)
        self.query_one(StatusPane).refresh_state()
        self.refresh_bindings()
        from .platform_pane import PlatformPane

        for pane in self.query(PlatformPane):
            pane.refresh_sleep()

    def action_network(self) -> None:
        """Move the simulated module to the next radio condition (after ``none`` comes ``ideal`` again)."""
        simulator = self.simulator
        if simulator is None:
            self.notify("the network condition is a simulator control (qlaterm --sim)", severity="warning")
            return
        names = simulator.networks
        current = simulator.network
        following = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        self.set_network(following)

    def set_network(self, name: str) -> None:
        """Put the simulated module in the radio condition ``name`` and say so in the transcript."""
        simulator = self.simulator
        if simulator is None:
            return
        simulator.set_network(name)
        self.session.note(f"simulator: network condition {name}")
        status = self.query_one(StatusPane)
        status.condition = simulator.network
        status.refresh_state()
        self.poll_network()  # the signal the module measures now

    # -- serial port controls -----------------------------------------------------------------------------

    def action_serial_settings(self) -> None:
        serial = self.transport.serial
        if serial is None:
            self.notify(f"{self.transport.name} is not a serial port: it has no line settings", severity="warning")
            return

        def chosen(settings: SerialSettings | None) -> None:
            if settings is not None and settings != serial.settings:
                try:
                    serial.apply(settings)
                except ValueError as exc:
                    self.notify(str(exc), title="not changed", severity="error")
                else:
                    self.session.note(f"serial settings: {settings.text}")
                    self.sub_title = self.transport.name
                self.query_one(StatusPane).refresh_state()
            self.action_focus_command()

        self.push_screen(dialogs.SerialDialog(self.transport.name, serial.settings), chosen)

    def action_toggle_dtr(self) -> None:
        self._toggle_line("DTR")

    def action_toggle_rts(self) -> None:
        self._toggle_line("RTS")

    def _toggle_line(self, line: str) -> None:
        serial = self.transport.serial
        if serial is None:
            self.notify(f"{self.transport.name} is not a serial port: it has no {line} line", severity="warning")
            return
        on = not (serial.dtr if line == "DTR" else serial.rts)
        try:
            (serial.set_dtr if line == "DTR" else serial.set_rts)(on)
        except ValueError as exc:
            self.notify(str(exc), title=f"{line} unchanged", severity="error")
            return
        self.session.note(f"{line} {'on' if on else 'off'}")
        self.query_one(StatusPane).refresh_state()

    def action_focus_command(self) -> None:
        self.query_one("#command-input").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self._is_hidden(action)

    # -- help and palette ---------------------------------------------------------------------------------

    def action_help(self) -> None:
        pane = self._focused_pane()
        text = getattr(pane, "HELP", None) or APP_HELP
        self.push_screen(dialogs.HelpScreen(text + "\n" + self._keys_help()))

    def _focused_pane(self) -> Widget | None:
        node: Any = self.focused
        while node is not None:
            if getattr(node, "HELP", None) and isinstance(node, Widget):
                return node
            node = node.parent
        return None

    def _keys_help(self) -> str:
        rows = ["## Keys", "", "| key | action | binding id |", "|---|---|---|"]
        keymap = getattr(self, "_keymap", {}) or {}
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or not binding.id:
                continue
            key = keymap.get(binding.id, binding.key)
            action = self.ACTIONS.get(binding.action)
            title = action.title if action is not None else binding.description
            rows.append(f"| `{key}` | {title} | `{binding.id}` |")
        rows += ["| `ctrl+p` | command palette: every action | |", "| `ctrl+q` | quit | |", "",
                 f"Keys can be remapped in `~/.config/qlaterm/keymap.toml` (`[keys]` id = \"key\"). "
                 f"qlaterm {__version__}."]
        return "\n".join(rows)

    def key_for(self, action: str) -> str | None:
        """The key bound to ``action`` now (after remapping; the first of several), for the palette and the
        messages that name it; None when it has none."""
        keymap = getattr(self, "_keymap", {}) or {}
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action == action:
                key = keymap.get(binding.id, binding.key) if binding.id else binding.key
                return key.split(",")[0].strip()
        return None

    def palette_entries(self) -> Iterable[PaletteEntry]:
        """The actions that mean something with this link (the simulator's, a serial port's), with their keys."""
        for action, entry in self.ACTIONS.items():
            if action in _SIM_ACTIONS and self.simulator is None:
                continue
            if action in _SERIAL_ACTIONS and self.transport.serial is None:
                continue
            yield PaletteEntry(entry, self.key_for(action), getattr(self, f"action_{action}"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        simulator = self.simulator
        if simulator is not None:
            for name in simulator.networks:
                yield SystemCommand(f"Network: {name} (simulator)", f"Put the simulated module in the {name} radio "
                                    "condition", partial(self.set_network, name))

_AUTOMATIC = frozenset((*STARTUP_COMMANDS, *NETWORK_COMMANDS, *POLL_COMMANDS, "AT+QLARD?"))
"""The lines of the console's own state reads and polls."""

_SIM_ACTIONS = {"deep_sleep", "wake", "toggle_platform", "network"}
"""Palette entries that only mean something with the simulator."""

_SERIAL_ACTIONS = {"serial_settings", "toggle_dtr", "toggle_rts"}
"""Palette entries that only mean something on a serial port."""


class _TerminalWatch(threading.Thread):
    """Ends the console once its terminal hangs up (the window shut, the ssh session gone).

    A thread of its own: by then Textual's input loop spins on the dead device and a frame being written can
    block the event loop for good.  The console is asked to close what it holds (the session log, the link,
    the simulator); if it cannot within ``GRACE`` seconds, the process ends anyway.
    """

    GRACE = 5.0

    def __init__(self, fd: int, app: QlatermApp) -> None:
        super().__init__(name="terminal watch", daemon=True)
        self._fd = fd
        self._app = app
        self._loop = asyncio.get_running_loop()

    def run(self) -> None:
        while not _terminal_gone(self._fd):
            time.sleep(1.0)
        try:
            self._loop.call_soon_threadsafe(self._app.end_without_terminal)
        except RuntimeError:  # the loop has closed: nothing is left to close
            pass
        time.sleep(self.GRACE)
        os._exit(1)


def _terminal_fd() -> int | None:
    """The file descriptor of the terminal the console reads its keys from, if it is one."""
    import sys

    stream = sys.__stdin__
    try:
        fd = stream.fileno() if stream is not None else -1
        return fd if fd >= 0 and os.isatty(fd) else None
    except (OSError, ValueError):
        return None


def _terminal_gone(fd: int) -> bool:
    """The terminal hung up: its attributes can no longer be read (EIO once the other side closed)."""
    try:
        import termios
    except ImportError:  # not a POSIX terminal: nothing to watch
        return False
    try:
        termios.tcgetattr(fd)
    except (termios.error, OSError):
        return True
    return False


def _widget_binding_ids() -> set[str]:
    """Binding ids declared by the panes and dialogs (remappable too); imports every dialog."""
    from .command_line import CommandInput
    from .command_list import CommandListPane
    from .dialogs.base import ActionDialog
    from .dialogs.help import HelpScreen as Help
    from .find_bar import FindBar
    from .folding_log import FoldingLog
    from .platform_pane import PlatformPane
    from .requests import RequestsPane

    ids: set[str] = set()
    panes = (Transcript, FoldingLog, PlatformPane, ObjectTree, RequestsPane, CommandInput, FindBar, ActionDialog, Help,
             CommandListPane)
    for cls in panes:
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def default_history_file() -> Path:
    return state_dir() / "history"


def default_log_dir() -> Path:
    """Where the continuous session log keeps one file per session."""
    return state_dir() / "logs"
