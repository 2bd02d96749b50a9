"""The QLACONFIG form: server, port, endpoint, lifetime, security (PSK) and binding.

Host and port are separate fields, so the vendor example's ``"221.229.214.202,5683"`` mistake cannot
happen here; the preview line is checked by the same code the module uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Select

from qlaterm.at import build
from qlaterm.at.secrets import MASK
from qlaterm.state import DeviceState

from .base import ActionDialog, Field

__all__ = ["ConfigDefaults", "ConfigDialog"]


@dataclass(frozen=True, slots=True)
class ConfigDefaults:
    """What to propose when the module has no configuration yet (in sim mode: the bundled platform)."""

    server: str = ""
    port: int = 5683
    endpoint: str = ""
    lifetime: int = 86400
    dtls_port: int | None = None  # where the same server speaks DTLS-PSK (the bundled platform: port+1)
    psk_id: str = ""  # an identity the server knows (the bundled platform's first PSK)
    psk: str = ""


class ConfigDialog(ActionDialog):
    """AT+QLACONFIG=<bs_flag>,<server>,<port>,<endpoint>,<lifetime>,<security>[,<psk_id>,<psk>][,<binding>]."""

    TITLE = "LwM2M server configuration (AT+QLACONFIG)"
    SEND_LABEL = "Configure"

    def __init__(self, state: DeviceState, defaults: ConfigDefaults | None = None, *, mask_psk: bool = True) -> None:
        super().__init__()
        self.state = state
        self.defaults = defaults or ConfigDefaults()
        self.mask_psk = mask_psk

    def shown(self, line: str) -> str:
        psk = self._text("psk").upper()
        if self.mask_psk and psk and self._int("security") == 0:
            return line.replace(f'"{psk}"', f'"{MASK}"')
        return line

    def body(self) -> ComposeResult:
        c = self.state.config
        d = self.defaults
        yield Field("server type", Select([("LwM2M server", 0), ("bootstrap server", 1)],
                                          value=c.bs_flag if c else 0, allow_blank=False, id="bs_flag"))
        yield Field("server", Input(c.server if c else d.server, placeholder="IP address or domain name", id="server"))
        yield Field("port", Input(str(c.port if c else d.port), type="integer", placeholder="0 – 65535", id="port"))
        yield Field("endpoint", Input(c.endpoint if c else d.endpoint, placeholder="endpoint name", id="endpoint"))
        lifetime = str(c.lifetime if c else d.lifetime)
        yield Field("lifetime (s)", Input(lifetime, type="integer", placeholder="20 – 31536000", id="lifetime"))
        yield Field("security", Select([("none (3)", 3), ("DTLS-PSK (0)", 0)], value=c.security_mode if c else 3,
                                       allow_blank=False, id="security"))
        yield Field("PSK identity", Input(c.psk_id or "" if c else "", id="psk_id"))
        yield Field("PSK (hex)", Input(c.psk or "" if c else "", password=True, id="psk"))
        yield Field("binding", Select([("U", 0), ("UQ", 1)], value=c.binding if c else 0, allow_blank=False,
                                      id="binding"))

    def on_mount(self) -> None:
        self._security = self._int("security")
        self._security_fields()
        super().on_mount()

    def on_select_changed(self, event: Select.Changed) -> None:
        security = self._int("security")
        if security != self._security:
            self._security = security
            self._propose_security(security)
        self._security_fields()
        self.update_preview()

    def _propose_security(self, security: int) -> None:
        """Choosing DTLS-PSK proposes the server's DTLS port and a PSK it knows; choosing none, the plain port.

        Only fields still holding the other mode's proposal (or empty) are touched: what the user typed stays.
        """
        d = self.defaults
        if d.dtls_port is None:
            return
        port = self.query_one("#port", Input)
        psk_id = self.query_one("#psk_id", Input)
        psk = self.query_one("#psk", Input)
        if security == 0:
            if port.value.strip() == str(d.port):
                port.value = str(d.dtls_port)
            if not psk_id.value.strip() and d.psk_id:
                psk_id.value = d.psk_id
            if not psk.value.strip() and d.psk:
                psk.value = d.psk
        elif port.value.strip() == str(d.dtls_port):
            port.value = str(d.port)

    def _security_fields(self) -> None:
        psk = self._int("security") == 0
        for name in ("psk_id", "psk"):
            field = self.query_one(f"#{name}", Input).parent
            if field is not None:
                field.display = psk

    def _int(self, name: str) -> int:
        widget = self.query_one(f"#{name}")
        if isinstance(widget, Select):
            value = widget.value
            return int(value) if isinstance(value, int) else 0
        assert isinstance(widget, Input)
        text = widget.value.strip()
        if not text.lstrip("-").isdigit():
            raise ValueError(f"{name} must be a number")
        return int(text)

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def lines(self) -> list[str]:
        server = self._text("server")
        if not server:
            raise ValueError("the server is an IP address or a domain name")
        if "," in server:
            host, _, port = server.partition(",")
            raise ValueError(f'put the port in its own field: server "{host.strip()}", port {port.strip()}')
        if not self._text("endpoint"):
            raise ValueError("the endpoint name identifies the device at the server")
        security = self._int("security")
        return [
            build.config(
                self._int("bs_flag"), server, self._int("port"), self._text("endpoint"), self._int("lifetime"),
                security, self._text("psk_id") if security == 0 else None,
                self._text("psk").upper() if security == 0 else None, self._int("binding"),
            )
        ]
