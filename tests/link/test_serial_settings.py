"""Serial line settings and modem lines: at start (``--baud`` … ``--xonxoff``) and on the open port.

Checked where the operating system keeps them: the termios attributes of a pseudo-terminal's slave, which
pyserial opens as it would a USB adapter; a ``socket://`` port for the modem lines a pty does not have.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty
from collections.abc import Iterator

import pytest

from qlaterm.__main__ import parse_args
from qlaterm.link.base import SerialSettings
from qlaterm.link.serial import SerialTransport
from qlaterm.link.session import Session


@contextlib.contextmanager
def pty_pair() -> Iterator[tuple[int, str]]:
    """(master fd, slave path); the slave is closed here so that only pyserial holds it."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    tty.setraw(master)
    os.close(slave)
    try:
        yield master, path
    finally:
        os.close(master)


def framing(transport: SerialTransport) -> tuple[int, int, int, bool, bool, bool]:
    """(speed, CSIZE bits, stop bits, parity on, odd, RTS/CTS) as the kernel has them for the open port."""
    port = transport._port()
    assert port is not None
    _, _, cflag, _, _, ospeed, _ = termios.tcgetattr(port.fd)
    size = {termios.CS5: 5, termios.CS6: 6, termios.CS7: 7, termios.CS8: 8}[cflag & termios.CSIZE]
    stop = 2 if cflag & termios.CSTOPB else 1
    return ospeed, size, stop, bool(cflag & termios.PARENB), bool(cflag & termios.PARODD), bool(
        cflag & termios.CRTSCTS)


def test_settings_text_and_checks() -> None:
    assert SerialSettings().text == "115200 8N1"
    assert SerialSettings(9600, 7, "E", 2, rtscts=True, xonxoff=True).text == "9600 7E2 RTS/CTS XON/XOFF"
    for wrong in ({"bytesize": 9}, {"parity": "X"}, {"stopbits": 3.0}, {"baudrate": 0}):
        with pytest.raises(ValueError):
            SerialSettings(**wrong)  # type: ignore[arg-type]


def test_command_line_options_reach_the_settings() -> None:
    args = parse_args(["/dev/ttyUSB0", "--baud", "9600", "--bytesize", "7", "--parity", "e", "--stopbits", "1.5",
                       "--rtscts", "--xonxoff"])
    assert args.serial == SerialSettings(9600, 7, "E", 1.5, rtscts=True, xonxoff=True)
    assert parse_args(["/dev/ttyUSB0"]).serial == SerialSettings()
    with pytest.raises(SystemExit):
        parse_args(["/dev/ttyUSB0", "--bytesize", "9"])


async def test_the_port_opens_with_the_settings_and_changes_them_while_open() -> None:
    with pty_pair() as (master, path):
        transport = SerialTransport(path, SerialSettings(9600, 8, "N", 2, rtscts=True))
        session = Session(transport, timeout=0.5)
        await session.open()
        try:
            assert framing(transport) == (termios.B9600, 8, 2, False, False, True)
            assert transport.name == f"{path} @ 9600 8N2 RTS/CTS"
            transport.apply(SerialSettings(57600))
            assert framing(transport) == (termios.B57600, 8, 1, False, False, False)
            assert transport.settings.text == "57600 8N1" and transport.name.endswith("57600 8N1")
            os.write(master, b"\r\nOK\r\n")  # still the same open port: bytes flow both ways
            reply = await session.send("AT")
            assert os.read(master, 100) == b"AT\r"
            assert reply.ok
        finally:
            await session.close()


async def test_data_bits_and_parity_reach_the_port() -> None:
    """(A Linux pty refuses to change its character size or parity once open, a USB adapter does not.)"""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    url = f"socket://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    transport = SerialTransport(url, SerialSettings(9600, 7, "E", 1.5, xonxoff=True))
    await transport.open(lambda _: None, lambda _: None)
    try:
        port = transport._port()
        assert (port.baudrate, port.bytesize, port.parity, port.stopbits, port.xonxoff) == (9600, 7, "E", 1.5, True)
        transport.apply(SerialSettings(19200, 6, "O", 2))
        assert (port.baudrate, port.bytesize, port.parity, port.stopbits, port.xonxoff) == (19200, 6, "O", 2, False)
    finally:
        await transport.close()
        server.close()


async def test_a_refused_setting_leaves_the_port_as_it_was() -> None:
    with pty_pair() as (_, path):
        transport = SerialTransport(path, SerialSettings(9600))
        await transport.open(lambda _: None, lambda _: None)
        try:
            port = transport._port()
            refused = SerialSettings(9600)
            object.__setattr__(refused, "baudrate", -5)  # past the dataclass's own check: pyserial refuses it
            with pytest.raises(ValueError, match=path):
                transport.apply(refused)
            assert transport.settings == SerialSettings(9600) and port.baudrate == 9600
        finally:
            await transport.close()


async def test_dtr_and_rts_toggle_and_survive_a_reopening() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    transport = SerialTransport(f"socket://127.0.0.1:{server.sockets[0].getsockname()[1]}", retry=0.01)
    await transport.open(lambda _: None, lambda _: None)
    try:
        port = transport._port()
        assert transport.dtr and transport.rts and port.dtr and port.rts
        transport.set_dtr(False)
        transport.set_rts(False)
        assert (transport.dtr, transport.rts, port.dtr, port.rts) == (False, False, False, False)
        transport._drop()
        assert await transport._connect()
        reopened = transport._port()
        assert reopened is not port and (reopened.dtr, reopened.rts) == (False, False)
    finally:
        await transport.close()
        server.close()


async def test_a_pty_has_no_modem_lines_and_says_so() -> None:
    with pty_pair() as (_, path):
        transport = SerialTransport(path)
        await transport.open(lambda _: None, lambda _: None)
        try:
            with pytest.raises(ValueError, match="no DTR line"):
                transport.set_dtr(False)
            assert transport.dtr  # unchanged
        finally:
            await transport.close()
