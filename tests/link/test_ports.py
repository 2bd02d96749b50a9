"""qlaterm --list: the serial ports with their USB descriptions, Quectel's marked and first."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from serial.tools import list_ports as serial_ports

from qlaterm.__main__ import main


def test_list_prints_ports_with_quectel_marked(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    found = [SimpleNamespace(device="/dev/ttyUSB0", description="CP2102 USB to UART", vid=0x10C4, pid=0xEA60),
             SimpleNamespace(device="/dev/ttyUSB1", description="Quectel BC26", vid=0x2C7C, pid=0x0296),
             SimpleNamespace(device="/dev/ttyS0", description="n/a", vid=None, pid=None)]
    monkeypatch.setattr(serial_ports, "comports", lambda: found)
    assert main(["--list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "/dev/ttyUSB1  Quectel BC26 [2C7C:0296]  ← Quectel",
        "/dev/ttyS0",
        "/dev/ttyUSB0  CP2102 USB to UART [10C4:EA60]",
    ]
    monkeypatch.setattr(serial_ports, "comports", lambda: [])
    main(["--list"])
    assert capsys.readouterr().out == "no serial ports found\n"
