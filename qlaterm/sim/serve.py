"""The simulated BC26 served over a byte link: a pseudo-terminal or a raw TCP socket.

A firmware developer points an MCU's AT driver, minicom or qlaterm at the simulator instead of a module;
``qlaterm-sim`` (:mod:`qlaterm.simulator`) puts the module behind one of these links::

    qlaterm-sim --pty --link /tmp/bc26         # prints the device path, e.g. /dev/pts/7
    qlaterm-sim --tcp 127.0.0.1:7000           # raw TCP like ser2net: socket://127.0.0.1:7000

The file has two layers: byte links (:class:`PtyLink`, :class:`TcpLink`) that know nothing of AT, and
:func:`serving`, which wires a link to a module (and SIGUSR1 to its deep sleep).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import sys
import termios
import tty
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Protocol

from qlaterm.sim.module import Module

__all__ = ["Link", "PtyLink", "Sink", "TcpLink", "note", "serving"]

Sink = Callable[[bytes], None]
"""Where a link delivers the bytes the terminal typed."""


class Link(Protocol):
    """A byte pipe between one terminal and the module: a UART's worth of behaviour, no AT knowledge."""

    address: str
    """Where a terminal connects: a device path or ``HOST:PORT``."""

    async def open(self, sink: Sink) -> None:
        """Start accepting a terminal; every byte it sends is passed to *sink*."""

    def write(self, data: bytes) -> None:
        """Send module output to the terminal; never blocks, dropped when no terminal is there."""

    async def close(self) -> None:
        """Stop serving and release the device or socket."""


class PtyLink:
    """The module behind a pseudo-terminal, like a USB-serial adapter seen from the host.

    The slave side is put in raw mode (no echo, no CR/LF translation: the module does its own echo,
    exactly as a real UART passes bytes through).  This process keeps its own descriptor on the slave
    open for as long as it serves, so that a terminal program can close the device and open it again
    (a console reconnecting) without the master side seeing a hang-up.  Output written while nobody
    reads waits in the tty and a bounded buffer, and is read by the next terminal that opens the device.
    """

    MAX_BACKLOG = 1 << 20
    """Bytes of output kept while the terminal does not read; older bytes are dropped beyond that,
    as a UART with nobody listening would lose them."""

    def __init__(self, link_path: Path | None = None) -> None:
        self.link_path = link_path
        self.address = ""
        self._master = -1
        self._slave = -1
        self._sink: Sink | None = None
        self._backlog = bytearray()
        self._writing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._linked = False

    async def open(self, sink: Sink) -> None:
        """Create the pseudo-terminal (and the symlink, if asked) and start reading from it."""
        self._sink = sink
        self._loop = asyncio.get_running_loop()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave, termios.TCSANOW)
        os.set_blocking(self._master, False)
        self.address = os.ttyname(self._slave)
        if self.link_path is not None:
            _replace_symlink(self.link_path, self.address)
            self._linked = True
        self._loop.add_reader(self._master, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO cannot happen while the slave is held open, but never spin on it.
            if exc.errno == errno.EIO:
                return
            raise
        if data and self._sink is not None:
            self._sink(data)

    def write(self, data: bytes) -> None:
        """Queue module output for the terminal; written as fast as the tty takes it."""
        if self._master < 0 or not data:
            return
        self._backlog += data
        if len(self._backlog) > self.MAX_BACKLOG:
            del self._backlog[: len(self._backlog) - self.MAX_BACKLOG]
        if not self._writing:
            self._flush()

    def _flush(self) -> None:
        assert self._loop is not None
        while self._backlog:
            try:
                written = os.write(self._master, self._backlog)
            except BlockingIOError:
                written = 0
            if written == 0:
                break
            del self._backlog[:written]
        if self._backlog and not self._writing:
            self._loop.add_writer(self._master, self._flush)
            self._writing = True
        elif not self._backlog and self._writing:
            self._loop.remove_writer(self._master)
            self._writing = False

    async def close(self) -> None:
        """Remove the symlink (if it still points here) and close both sides of the pseudo-terminal."""
        if self._loop is not None and self._master >= 0:
            self._loop.remove_reader(self._master)
            if self._writing:
                self._loop.remove_writer(self._master)
                self._writing = False
        if self._linked and self.link_path is not None:
            with contextlib.suppress(OSError):
                if os.readlink(self.link_path) == self.address:
                    os.unlink(self.link_path)
            self._linked = False
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1


def _replace_symlink(link: Path, target: str) -> None:
    """Point *link* at *target*, replacing an older symlink atomically; never clobber a real file."""
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} exists and is not a symlink; refusing to replace it")
    temp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    os.symlink(target, temp)
    os.replace(temp, link)


class TcpLink:
    """The module behind a raw TCP socket, like ser2net in raw mode: bytes in, bytes out, no telnet.

    One terminal at a time, as on a serial line: a new connection replaces the current one, which is
    closed.  Output produced while no terminal is connected is dropped.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.address = ""
        self._sink: Sink | None = None
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._connections: dict[asyncio.Task[object], asyncio.StreamWriter] = {}

    async def open(self, sink: Sink) -> None:
        """Listen on HOST:PORT (port 0 picks a free one; :attr:`address` tells which)."""
        self._sink = sink
        self._server = await asyncio.start_server(self._on_connect, self.host, self.port)
        sockname = self._server.sockets[0].getsockname()
        self.port = sockname[1]
        host = f"[{sockname[0]}]" if ":" in sockname[0] else sockname[0]
        self.address = f"{host}:{self.port}"

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        old, self._writer = self._writer, writer
        if old is not None:
            old.close()
        task = asyncio.current_task()
        if task is not None:
            self._connections[task] = writer
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if self._writer is writer and self._sink is not None:
                    self._sink(data)
        except (ConnectionError, OSError):
            pass
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            if task is not None:
                self._connections.pop(task, None)

    def write(self, data: bytes) -> None:
        """Send module output to the connected terminal, if any."""
        writer = self._writer
        if writer is not None and not writer.is_closing():
            writer.write(data)

    async def close(self) -> None:
        """Stop listening and drop the current connection.

        Connections are ended by closing their sockets, which lets each handler see end-of-file and
        return; cancelling a handler instead would make asyncio's stream machinery log the cancellation.
        """
        if self._server is not None:
            self._server.close()
        self._writer = None
        for writer in self._connections.values():
            writer.close()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None


# -- wiring --------------------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def serving(module: Module, link: Link) -> AsyncIterator[str]:
    """Power ``module`` on behind ``link``; yields the address a terminal connects to.  SIGUSR1 toggles
    deep sleep meanwhile.  On leaving, the module is powered off and the link closed."""
    loop = asyncio.get_running_loop()
    installed = False
    try:
        await link.open(module.feed)
        module.attach(link.write)
        await module.start()
        sleeper = _DeepSleepSwitch(module)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            loop.add_signal_handler(signal.SIGUSR1, sleeper.toggle)
            installed = True
        yield link.address
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGUSR1)
        await module.close()
        await link.close()


class _DeepSleepSwitch:
    """SIGUSR1 puts the module into deep sleep, the next one wakes it (the simulator's control interface:
    a real module sleeps when the network lets it, which a terminal cannot command over AT)."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self._task: asyncio.Task[None] | None = None

    def toggle(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.get_running_loop().create_task(self._toggle())

    async def _toggle(self) -> None:
        if self.module.asleep:
            await self.module.wake()
            note("module woke from deep sleep")
        else:
            await self.module.deep_sleep()
            note("module in deep sleep (SIGUSR1 again to wake it)")


def note(text: str) -> None:
    """A progress line on stderr (stdout carries only the address)."""
    print(f"qlaterm-sim: {text}", file=sys.stderr, flush=True)
