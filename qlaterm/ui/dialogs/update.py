"""Send a registration Update with a new lifetime or binding mode."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from qlaterm.at import build
from qlaterm.state import DeviceState

from .base import ActionDialog, Field

__all__ = ["UpdateDialog"]


class UpdateDialog(ActionDialog):
    """AT+QLAUPDATE=0,<lifetime> or AT+QLAUPDATE=1,<binding>."""

    TITLE = "Registration update"
    SEND_LABEL = "Update"

    def __init__(self, state: DeviceState) -> None:
        super().__init__()
        self.state = state

    def body(self) -> ComposeResult:
        config = self.state.config
        yield Field("change", Select([("lifetime", 0), ("binding mode", 1)], value=0, allow_blank=False, id="mode"))
        yield Field("lifetime (s)", Input(str(config.lifetime if config else 86400), type="integer", id="lifetime",
                                          placeholder="20 – 31536000"))
        yield Field("binding", Select([("U", 0), ("UQ", 1)], value=config.binding if config else 0,
                                      allow_blank=False, id="binding"))

    def lines(self) -> list[str]:
        mode = self.query_one("#mode", Select).value
        if mode == 1:
            binding = self.query_one("#binding", Select).value
            return [build.update_binding(int(binding) if isinstance(binding, int) else 0)]
        text = self.query_one("#lifetime", Input).value.strip()
        if not text.isdigit():
            raise ValueError("the lifetime is a whole number of seconds (20 – 31536000)")
        return [build.update_lifetime(int(text))]
