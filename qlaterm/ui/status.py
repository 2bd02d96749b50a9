"""The status pane: link, LwM2M status, server, endpoint, lifetime and the next update, security, binding.

In simulator mode it also shows what a real module never reports over AT — the negotiated DTLS version and
cipher suite, whether the session was resumed, deep sleep — taken from the in-process transport's
``SimFacts``; on a real module it says the cipher is not reported rather than guessing one.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from qlaterm.link.base import LinkState
from qlaterm.link.inproc import SimFacts
from qlaterm.state import DeviceState

__all__ = ["StatusPane", "duration"]

_PLATFORMS = {0: "other", 1: "AEP (CTWing)", 2: "AndLink"}
_LINK_STYLE = {LinkState.CONNECTED: "green", LinkState.CONNECTING: "yellow", LinkState.LOST: "red bold",
               LinkState.CLOSED: "dim"}
_STATUS_STYLE = {2: "green bold", 1: "yellow", 3: "yellow", 5: "red bold", 6: "yellow", 7: "yellow bold"}


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


class StatusPane(Static):
    """What the module is doing now, in one glance."""

    HELP = """\
## Status

* **Link** — the serial port or the simulator, and whether it is connected. A lost serial link is retried
  by itself; when the module is back its state is read again. In simulator mode, *deep sleep* is shown too.
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
"""

    def __init__(self, state: DeviceState, *, show_psk: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state
        self.show_psk = show_psk
        self.facts: SimFacts | None = None
        """What the simulator adds (None on a real module); the app refreshes it when the status changes."""

    def on_mount(self) -> None:
        self.border_title = "Status"
        self.set_interval(1.0, self.refresh_state, name="status clock")
        self.refresh_state()

    def refresh_state(self) -> None:
        self.update(self.render_state(self.state.now()))

    def render_state(self, now: float) -> Table:
        state = self.state
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        link = state.link
        table.add_row("Link", Text(f"● {link.state.value}", style=_LINK_STYLE.get(link.state, "")))
        if link.detail:
            table.add_row("", Text(link.detail, style="dim"))
        status = Text(state.status_text, style=_STATUS_STYLE.get(state.status or -1, ""))
        if state.status is not None:
            status = Text.assemble((f"{state.status} ", "dim"), status)
        if self.facts is not None and self.facts.asleep:
            status.append(" · deep sleep", style="magenta bold")
        table.add_row("LwM2M", status)
        config = state.config
        if config is None:
            table.add_row("Server", Text("not configured (F7)" if state.config_known else "?", style="dim"))
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
            style = "" if notice.ok else "red"
            table.add_row("Last", Text(notice.text, style=style))
        return table

    def _dtls_text(self) -> Text:
        """The negotiated session in simulator mode; on a real module, an honest "not reported"."""
        if self.facts is None:
            return Text("cipher not reported by the module", style="dim")
        session = self.facts.module_dtls
        if session is None:
            return Text("no session yet", style="dim")
        return Text(session.text, style="green" if self.state.registered else "")
