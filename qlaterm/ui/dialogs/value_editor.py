"""The value editor: pick a value type, type the value; ``<len>`` and hex are computed, never typed."""

from __future__ import annotations

import contextlib

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from qlaterm.at.values import AtValue, InvalidValue, Scalar, ValueType

__all__ = ["VALUE_TYPES", "ValueEditor", "type_of"]

VALUE_TYPES = [
    ("1 string", 1),
    ("2 opaque (hex)", 2),
    ("3 integer", 3),
    ("4 float", 4),
    ("5 boolean", 5),
]


def type_of(value: Scalar | None) -> int:
    """The value type a known value most likely has (the default for a fresh answer is string)."""
    if isinstance(value, bool):
        return 5
    if isinstance(value, bytes):
        return 2
    if isinstance(value, int):
        return 3
    if isinstance(value, float):
        return 4
    return 1


def as_input(value: Scalar | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class ValueEditor(Vertical):
    """``<value_type>``, ``<value>`` and the computed ``<len>``/hex for one resource."""

    DEFAULT_CSS = """
    ValueEditor { height: auto; }
    ValueEditor > Horizontal { height: auto; }
    ValueEditor Label.path { width: 19; padding: 1 1 0 0; text-align: right; }
    ValueEditor Select { width: 20; }
    ValueEditor Input { width: 1fr; }
    ValueEditor .computed { padding: 0 0 0 15; color: $text-muted; height: auto; }
    """

    def __init__(
        self,
        label: str,
        value: Scalar | None = None,
        *,
        types: list[tuple[str, int]] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.initial = value
        self.types = types or VALUE_TYPES
        """The value types offered (``AT+QLASENDDATA`` takes only string and opaque)."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label, classes="path")
            offered = {t for _, t in self.types}
            initial = type_of(self.initial) if type_of(self.initial) in offered else self.types[0][1]
            yield Select(self.types, value=initial, allow_blank=False, classes="value-type")
            yield Input(as_input(self.initial), placeholder="value", classes="value-text")
        yield Static("", classes="computed")

    def on_mount(self) -> None:
        self._show()

    def on_input_changed(self) -> None:
        self._show()

    def on_select_changed(self) -> None:
        self._show()

    @property
    def value_type(self) -> int:
        selected = self.query_one(".value-type", Select).value
        return int(selected) if isinstance(selected, int) else 1

    @property
    def text(self) -> str:
        return self.query_one(".value-text", Input).value

    def set(self, value_type: int, text: str) -> None:
        self.query_one(".value-type", Select).value = value_type
        self.query_one(".value-text", Input).value = text

    def value(self) -> AtValue:
        """The wire form; raises ValueError (InvalidValue) with the module's objection."""
        vt = self.value_type
        text = self.text
        if vt == 2:
            text = text.replace(" ", "")
        return AtValue.of(vt, text)

    def _show(self) -> None:
        computed = self.query_one(".computed", Static)
        try:
            value = self.value()
        except InvalidValue as exc:
            computed.update(Text(f"✗ {exc.message} (+CME ERROR: {exc.code})", style="red"))
            return
        if value.type is ValueType.OPAQUE:
            raw = bytes.fromhex(value.text)
            text = raw.decode("utf-8", errors="replace")
            extra = f' · as text "{text}"' if raw and text.isprintable() else ""
            computed.update(f"len {value.length} bytes{extra}")
        elif value.type is ValueType.STRING:
            hexed = value.text.encode("utf-8").hex().upper()
            short = hexed if len(hexed) <= 40 else hexed[:39] + "…"
            count = len(value.text)
            size = f"len {value.length} bytes" + (f" ({count} characters in UTF-8)" if count != value.length else "")
            computed.update(f"{size} · hex {short}" if hexed else "len 0 · empty string")
        else:
            with contextlib.suppress(Exception):
                computed.update(f"len {value.length}")
