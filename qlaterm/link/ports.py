"""The serial ports of this machine, with their USB descriptions; a Quectel module's ports are marked."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QUECTEL_VID", "Port", "list_ports", "ports_text"]

QUECTEL_VID = 0x2C7C
"""Quectel's USB vendor ID (BC26 boards usually sit behind a CH340 or CP210x USB-serial adapter instead)."""


@dataclass(frozen=True, slots=True)
class Port:
    device: str
    description: str
    vid: int | None = None
    pid: int | None = None

    @property
    def quectel(self) -> bool:
        return self.vid == QUECTEL_VID

    @property
    def text(self) -> str:
        ids = f" [{self.vid:04X}:{self.pid or 0:04X}]" if self.vid is not None else ""
        mark = "  ← Quectel" if self.quectel else ""
        return f"{self.device}  {self.description}{ids}{mark}".rstrip()


def list_ports() -> list[Port]:
    """pyserial's ``list_ports.comports()``, Quectel's first."""
    from serial.tools import list_ports as serial_ports  # type: ignore[import-untyped]  # pyserial ships no types

    ports = [Port(p.device, p.description if p.description and p.description != "n/a" else "", p.vid, p.pid)
             for p in serial_ports.comports()]
    return sorted(ports, key=lambda p: (not p.quectel, p.device))


def ports_text(ports: list[Port]) -> str:
    return "\n".join(p.text for p in ports) if ports else "no serial ports found"
