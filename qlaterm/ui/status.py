"""The status pane: the network (identity, registration, signal, IP, RRC, PSM), link, LwM2M status, server,
endpoint, lifetime and the next update, security, binding.

In simulator mode it also shows what a real module never reports over AT — the negotiated DTLS version and
cipher suite, whether the session was resumed, deep sleep — taken from the simulator's
``SimFacts``; on a real module it says the cipher is not reported rather than guessing one.
"""

from __future__ import annotations

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from qlaterm.link.base import LinkState, SerialControls
from qlaterm.link.simulator import SimFacts
from qlaterm.state import DeviceState

__all__ = ["StatusPane", "duration"]

_PLATFORMS = {0: "other", 1: "AEP (CTWing)", 2: "AndLink"}
_LINK_CLASS = {LinkState.CONNECTED: "connected", LinkState.CONNECTING: "connecting", LinkState.LOST: "lost",
               LinkState.CLOSED: "closed"}
_STATUS_CLASS = {2: "registered", 1: "busy", 3: "busy", 5: "invalid", 6: "busy", 7: "waiting"}


def duration(seconds: float) -> str:
    """``3725`` → ``1h 2m``; short and readable for lifetimes up to a year."""
    seconds = int(max(0, seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


class StatusPane(Widget):
    """What the module is doing now, in one glance; drawn from the model (and its styles) at render time."""

    COMPONENT_CLASSES = {
        "status--label",
        "status--dim",
        "status--connected",
        "status--connecting",
        "status--lost",
        "status--closed",
        "status--registered",
        "status--busy",
        "status--invalid",
        "status--waiting",
        "status--asleep",
        "status--failed",
        "status--session",
    }
    """Field labels, secondary text, one class per link state and per notable LwM2M status, deep sleep, a
    failed last result and an established DTLS session."""

    DEFAULT_CSS = """
    StatusPane {
        height: auto;
        & > .status--label { text-style: bold; }
        & > .status--dim { text-style: dim; }
        & > .status--connected { color: $success; }
        & > .status--connecting { color: $warning; }
        & > .status--lost { color: $error; text-style: bold; }
        & > .status--closed { text-style: dim; }
        & > .status--registered { color: $success; text-style: bold; }
        & > .status--busy { color: $warning; }
        & > .status--invalid { color: $error; text-style: bold; }
        & > .status--waiting { color: $warning; text-style: bold; }
        & > .status--asleep { color: $secondary; text-style: bold; }
        & > .status--failed { color: $error; }
        & > .status--session { color: $success; }
    }
    """

    HELP = """\
## Status

* **Network**, **Radio**, **IP**, **IMEI**, **SIM** — read on connect (`AT+CGSN=1`, `AT+CIMI`, `AT+QCCID`,
  `AT+CEREG?`, `AT+CSQ`, `AT+CGPADDR=1`, `AT+CSCON?`, `AT+CPSMS?`), kept current from the `+CEREG`,
  `+CSCON`, `+QNBIOTEVENT` and `+IP` URCs and by asking `AT+CSQ` and `AT+CEREG?` every 30 s while the
  link is idle. Signal in dBm: RSRP − 141 from `AT+CESQ`, else −113 + 2·rssi from `AT+CSQ`. `…` not read
  yet, `?` the module answered `ERROR`. In simulator mode the network condition is shown too (`sim good`;
  `ctrl+g` or the palette's *Network: …* entries change it).

* **Link** — the serial port or the simulator, and whether it is connected. A lost serial link is retried
  by itself; when the module is back its state is read again. In simulator mode, *deep sleep* is shown too.
* **Port** — a serial port's line settings (`115200 8N1`, flow control) and its DTR and RTS lines:
  `shift+f8` changes the settings on the open port, `shift+f9` and `shift+f10` toggle DTR and RTS.
* **LwM2M** — `AT+QLASTATUS?`: 0 not registered · 1 registering · 2 registered · 3 deregistering ·
  4 deregistered · 5 invalid (update failed or lifetime expired) · 6 recovering · 7 waiting for `AT+QLARECOVER`.
* **Server**, **Endpoint**, **Lifetime**, **Security**, **Binding** — from `AT+QLACONFIG?`; the next
  automatic update is computed from the lifetime the way the module does (when `lifetime_enable` is 1).
  Security is `none` (mode 3) or `DTLS-PSK` (mode 0) with the PSK identity; the key itself only with
  `--show-psk`.
* **Session** — security mode 0 only. In simulator mode: the version and cipher suite the module's session
  negotiated (`DTLS 1.2 · TLS-PSK-WITH-AES-128-CCM-8`) and *resumed* after an abbreviated handshake
  (`"dtls_mode",1` after deep sleep). A real BC26 does not report its cipher over AT, and the pane says so.
* **Platform**, **URCs** — from `AT+QLACFG?`: the target platform and whether URCs are printed directly
  or buffered for `AT+QLARD` (`ctrl+r` drains the buffer).

In a terminal under 30 rows the pane shows only network, IP, link, LwM2M status, server and the last
outcome, one row each, so that Objects and Requests keep rows of their own.
"""

    compact = reactive(False, toggle_class="-compact", layout=True)
    """Only the essentials, one row each (a short terminal: Objects and Requests need the rows): network,
    IP, link, LwM2M status, server and the last outcome."""

    def __init__(self, state: DeviceState, *, show_psk: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state
        self.show_psk = show_psk
        self.facts: SimFacts | None = None
        """What the simulator adds (None on a real module); the app refreshes it when the status changes."""
        self.serial: SerialControls | None = None
        """The serial port's settings and modem lines (None in sim mode)."""
        self.condition: str | None = None
        """The simulated network's condition (ideal, good, poor, edge, none) in sim mode."""
        self._shown: tuple[tuple[object, ...], ...] = ()

    def on_mount(self) -> None:
        self.border_title = "Status"
        self.set_interval(1.0, self.refresh, name="status clock")  # the next update counts down

    def refresh_state(self) -> None:
        """Draw again from the model when what the pane shows changed. The screen is laid out again only when
        the pane may take another height: a row more or fewer, or a changed value too long for one line. A
        flood of URCs that leaves the pane as it is costs no repaint, and one that changes a short value no
        layout."""
        table = self.render_state(self.state.now())
        shown = tuple(tuple(column.cells) for column in table.columns)
        if shown == self._shown:
            return
        previous, self._shown = self._shown, shown
        self.refresh(layout=self._may_change_height(previous, shown))

    def _may_change_height(self, before: tuple[tuple[object, ...], ...], after: tuple[tuple[object, ...], ...]) -> bool:
        if len(before) != len(after) or any(len(old) != len(new) for old, new in zip(before, after, strict=True)):
            return True
        labels = max((len(str(cell)) for cell in after[0]), default=0) if after else 0
        room = self.content_size.width - labels - 1  # the value column, after the labels and the padding
        return any(
            old != new and max(len(str(old)), len(str(new))) >= room
            for column_before, column_after in zip(before, after, strict=True)
            for old, new in zip(column_before, column_after, strict=True)
        )

    def render(self) -> Table:
        return self.render_state(self.state.now())

    def _style(self, name: str) -> Style:
        """The style of a component class, as the current theme draws it (plain before the pane is styled)."""
        if not name or not self.is_mounted:
            return Style()
        return self.get_component_rich_style(f"status--{name}", partial=True)

    def render_state(self, now: float) -> Table:
        if self.compact:
            return self._compact_state()
        state = self.state
        style = self._style
        dim = style("dim")
        table = Table.grid(padding=(0, 1))
        table.add_column(style=style("label"), no_wrap=True)
        table.add_column(overflow="fold")
        self._network_rows(table)
        link = state.link
        table.add_row("Link", Text(f"● {link.state.value}", style=style(_LINK_CLASS.get(link.state, ""))))
        if link.detail:
            table.add_row("", Text(link.detail, style=dim))
        if self.serial is not None:
            table.add_row("Port", self._port_text())
        status = Text(state.status_text, style=style(_STATUS_CLASS.get(state.status or -1, "")))
        if state.status is not None:
            status = Text.assemble((f"{state.status} ", dim), status)
        if self.facts is not None and self.facts.asleep:
            status.append(" · ")
            status.append("deep sleep", style=style("asleep"))
        table.add_row("LwM2M", status)
        config = state.config
        if config is None:
            table.add_row("Server", Text("not configured (F7)" if state.config_known else "?", style=dim))
        else:
            kind = "bootstrap" if config.bs_flag == 1 else "LwM2M"
            table.add_row("Server", f"{config.server}:{config.port} ({kind})")
            table.add_row("Endpoint", f"{config.endpoint} · binding {config.binding_text}")
            lifetime = f"{config.lifetime} s"
            left = state.next_update_in(now)
            if left is not None:
                lifetime += f" · update in {duration(left)}"
            table.add_row("Lifetime", lifetime)
            security = config.security_text + (f" · id {config.psk_id}" if config.security_mode == 0 else "")
            table.add_row("Security", security)
            if config.security_mode == 0:
                if self.show_psk and config.psk:
                    table.add_row("PSK", config.psk)
                table.add_row("Session", self._dtls_text())
        platform = state.platform
        if platform is not None:
            urcs = "buffered (QLARD)" if state.buffer_mode else "direct"
            if state.buffer_mode and state.buffer_count:
                urcs += f" · {state.buffer_count} waiting"
            table.add_row("Platform", f"{_PLATFORMS.get(int(platform), platform)} · URCs {urcs}")
        if state.notices:
            notice = state.notices[-1]
            table.add_row("Last", Text(notice.text, style=style("" if notice.ok else "failed")))
        return table

    def _compact_state(self) -> Table:
        state, style = self.state, self._style
        # the values take what the labels leave, and a value too long for it ends in "…"
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style=style("label"), no_wrap=True, min_width=len("Network"))
        table.add_column(overflow="ellipsis", no_wrap=True, ratio=1)
        table.add_row("Network", self._registration_text())
        table.add_row("IP", self._known("ip", state.network.ip))
        link = state.link
        table.add_row("Link", Text(f"● {link.state.value}", style=style(_LINK_CLASS.get(link.state, ""))))
        status = Text(state.status_text, style=style(_STATUS_CLASS.get(state.status or -1, "")))
        if state.status is not None:
            status = Text.assemble((f"{state.status} ", style("dim")), status)
        table.add_row("LwM2M", status)
        config = state.config
        if config is None:
            table.add_row("Server", Text("not configured (F7)" if state.config_known else "?", style=style("dim")))
        else:
            table.add_row("Server", f"{config.server}:{config.port} · {config.endpoint}")
        if state.notices:
            notice = state.notices[-1]
            table.add_row("Last", Text(notice.text, style=style("" if notice.ok else "failed")))
        return table

    def _registration_text(self) -> Text:
        """``registered · -85 dBm``."""
        network = self.state.network
        registration = network.registration
        if registration is not None:
            reg = Text(registration.text, style=self._style("registered" if registration.registered else "busy"))
        else:
            reg = self._known("registration", None)
        signal = network.rsrp_dbm if network.rsrp_dbm is not None else network.rssi_dbm
        reg.append(" · ")
        reg.append_text(self._known("rssi_dbm", f"{signal} dBm" if signal is not None else None))
        return reg

    def _known(self, attribute: str, text: str | None) -> Text:
        """The value, ``?`` when the module answered ERROR, ``…`` before it has been asked."""
        if text is not None:
            return Text(text)
        return Text("?" if attribute in self.state.network.unanswered else "…", style=self._style("dim"))

    def _network_rows(self, table: Table) -> None:
        network = self.state.network
        style = self._style
        table.add_row("Network", self._registration_text())
        radio = Text()
        rrc = None if network.rrc_connected is None else ("connected" if network.rrc_connected else "idle")
        radio.append("RRC ")
        radio.append_text(self._known("rrc_connected", rrc))
        radio.append(" · PSM ")
        if network.in_psm:
            radio.append("asleep", style=style("asleep"))
        else:
            radio.append_text(self._known("psm_enabled", None if network.psm_enabled is None
                                          else ("on" if network.psm_enabled else "off")))
        if self.condition is not None:
            radio.append(" · ")
            radio.append(f"sim {self.condition}", style=style("dim"))
        table.add_row("Radio", radio)
        table.add_row("IP", self._known("ip", network.ip))
        table.add_row("IMEI", self._known("imei", network.imei))
        sim = Text("IMSI ")
        sim.append_text(self._known("imsi", network.imsi))
        sim.append(" · ICCID ")
        sim.append_text(self._known("iccid", network.iccid))
        table.add_row("SIM", sim)

    def _port_text(self) -> Text:
        """``115200 8N1 · DTR on · RTS off``: the line settings and the modem lines the console drives."""
        serial = self.serial
        assert serial is not None
        text = Text(serial.settings.text)
        for name, on in (("DTR", serial.dtr), ("RTS", serial.rts)):
            text.append(f" · {name} ")
            text.append("on" if on else "off", style=self._style("" if on else "dim"))
        return text

    def _dtls_text(self) -> Text:
        """The negotiated session in simulator mode; on a real module, an honest "not reported"."""
        dim = self._style("dim")
        if self.facts is None:
            return Text("cipher not reported by the module", style=dim)
        session = self.facts.module_dtls
        if session is None:
            return Text("no session yet", style=dim)
        return Text(session.text, style=self._style("session" if self.state.registered else ""))

