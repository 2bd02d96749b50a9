"""The status pane: link, LwM2M status, server, endpoint, lifetime and the next update, security, binding."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from qlaterm.link.base import LinkState
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
  by itself; when the module is back its state is read again.
* **LwM2M** — `AT+QLASTATUS?`: 0 not registered · 1 registering · 2 registered · 3 deregistering ·
  4 deregistered · 5 invalid (update failed or lifetime expired) · 6 recovering · 7 waiting for `AT+QLARECOVER`.
* **Server**, **Endpoint**, **Lifetime**, **Security**, **Binding** — from `AT+QLACONFIG?`; the next
  automatic update is computed from the lifetime the way the module does (when `lifetime_enable` is 1).
* **Platform**, **URCs** — from `AT+QLACFG?`: the target platform and whether URCs are printed directly
  or buffered for `AT+QLARD` (`ctrl+r` drains the buffer).
"""

    def __init__(self, state: DeviceState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state

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
        table.add_row("LwM2M", status)
        config = state.config
        if config is None:
            table.add_row("Server", Text("not configured (F7)" if state.config_known else "?", style="dim"))
        else:
            kind = "bootstrap" if config.bs_flag == 1 else "LwM2M"
            table.add_row("Server", f"{config.server}:{config.port} ({kind})")
            table.add_row("Endpoint", config.endpoint)
            lifetime = f"{config.lifetime} s"
            left = state.next_update_in(now)
            if left is not None:
                lifetime += f" · update in {duration(left)}"
            table.add_row("Lifetime", lifetime)
            security = config.security_text + (f" ({config.psk_id})" if config.psk_id else "")
            table.add_row("Security", f"{security} · binding {config.binding_text}")
        platform = state.settings.get("platform", (None,))[0]
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
