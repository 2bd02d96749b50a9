"""The QLACFG form: every optional setting, its current value, its range and what it does."""

from __future__ import annotations

from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Mount
from textual.widgets import Input, Select, Static

from qlaterm.at import build
from qlaterm.at.catalogue import CONFIG_SETTINGS, Setting
from qlaterm.state import DeviceState

from .base import ActionDialog, Field

__all__ = ["SettingsDialog"]


class SettingsDialog(ActionDialog):
    """AT+QLACFG="<name>",<values>; the fixed 3,0,17 of "cfg_res" is added for you."""

    TITLE = "Optional settings (AT+QLACFG)"
    SEND_LABEL = "Set"
    AUTO_FOCUS = "#name"

    def __init__(self, state: DeviceState, name: str = "retransmit") -> None:
        super().__init__()
        self.state = state
        self.name_ = name

    @property
    def setting(self) -> Setting:
        return CONFIG_SETTINGS[self.name_]

    def body(self) -> ComposeResult:
        options = [(f"{name}  (now {self._current(name)})", name) for name in CONFIG_SETTINGS]
        yield Field("setting", Select(options, value=self.name_, allow_blank=False, id="name"))
        yield Static("", id="setting-help")
        yield Vertical(id="setting-values")

    def _current(self, name: str) -> str:
        values = self.state.settings.get(name)
        return ",".join(str(v) for v in values) if values is not None else "?"

    @on(Mount)
    async def _first_fields(self) -> None:
        # before the dialog's own mount handler draws the preview
        await self._fields()

    async def _fields(self) -> None:
        setting = self.setting
        self.query_one("#setting-help", Static).update(f"{setting.help}\n{setting.help_zh}")
        box = self.query_one("#setting-values", Vertical)
        await box.remove_children()
        current = self.state.settings.get(setting.name, setting.default)
        fields = []
        for n, param in enumerate(setting.params):
            value = current[n] if n < len(current) else setting.default[n]
            widget: Select[Any] | Input
            if param.choices:
                widget = Select([(str(c), c) for c in param.choices], value=value if value in param.choices
                                else param.choices[0], allow_blank=False, id=f"v{n}")
            else:
                # digits only where the module wants a number
                kind: Literal["integer", "text"] = "integer" if param.kind == "int" else "text"
                widget = Input(str(value), type=kind, placeholder=param.describe_range(), id=f"v{n}")
            fields.append(Field(param.name, widget))
        await box.mount_all(fields)

    @on(Select.Changed, "#name")
    async def _setting_chosen(self, event: Select.Changed) -> None:
        # (the dialog's own handler redraws the preview after this one)
        if isinstance(event.value, str) and event.value != self.name_:
            self.name_ = event.value
            await self._fields()

    def lines(self) -> list[str]:
        setting = self.setting
        values: list[int | str] = []
        for n, param in enumerate(setting.params):
            widgets = self.query(f"#v{n}")
            if not widgets:
                raise ValueError("…")
            widget = widgets.first()
            if isinstance(widget, Select):
                values.append(int(widget.value) if isinstance(widget.value, int) else 0)
            elif isinstance(widget, Input):
                text = widget.value.strip()
                if param.kind == "int":
                    if not text.lstrip("-").isdigit():
                        raise ValueError(f"<{param.name}> is a number {param.describe_range()}")
                    values.append(int(text))
                else:
                    values.append(text)
        return [build.config_setting(setting.name, *values)]
