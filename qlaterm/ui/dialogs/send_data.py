"""LwM2M Send (``AT+QLASENDDATA``): a string or opaque value POSTed to the server's /dp, NON or CON."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import RadioButton, RadioSet, Static

from qlaterm.at import build
from qlaterm.state import DeviceState

from .base import ActionDialog
from .value_editor import VALUE_TYPES, ValueEditor

__all__ = ["SendDataDialog"]

SEND_TYPES = VALUE_TYPES[:2]
"""The module refuses any other value type for a Send (+CME ERROR: 3), so the editor offers only these."""


class SendDataDialog(ActionDialog):
    """AT+QLASENDDATA=<value_type>,<len>,<value>[,<ack>]; a CON Send is acknowledged by ``"send_ack"``."""

    TITLE = "Send data to the server (AT+QLASENDDATA)"
    SEND_LABEL = "Send"
    AUTO_FOCUS = ".value-text"

    def __init__(self, state: DeviceState) -> None:
        super().__init__()
        self.state = state

    def body(self) -> ComposeResult:
        yield ValueEditor("value", None, types=SEND_TYPES, id="value")
        if self.state.platform not in (None, 2):
            yield Static('the module sends data only with QLACFG "platform",2 (AndLink): now it answers '
                         "+CME ERROR: 7 (F8 changes the platform)", classes="dialog-note", id="send-disabled")
        with RadioSet(id="ack"):
            yield RadioButton("NON (no acknowledgement)", value=True, id="non")
            yield RadioButton("CON (acknowledged: send_ack)", id="con")

    def lines(self) -> list[str]:
        con = self.query_one("#con", RadioButton).value
        return [build.send_data(self.query_one(ValueEditor).value(), True if con else None)]
