"""The simulated BC26 served over a byte link: a pseudo-terminal or a raw TCP socket.

A firmware developer points an MCU's AT driver, minicom or qlaterm at the simulator instead of a module;
``qlaterm-sim`` (:mod:`qlaterm.simulator`) puts the module behind one of these links::

    qlaterm-sim --pty --link /tmp/bc26         # prints the device path, e.g. /dev/pts/7
    qlaterm-sim --tcp 127.0.0.1:7000           # raw TCP like ser2net: socket://127.0.0.1:7000

The file has two layers: byte links (:class:`PtyLink`, :class:`TcpLink`) that know nothing of AT, and
:func:`serving`, which wires a link to a module and the control signals to it (:class:`ControlSignals`).
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
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol

from qlaterm.sim.module import Module

__all__ = ["ControlSignals", "Link", "PtyLink", "Sink", "TcpLink", "note", "serving"]

Sink = Callable[[bytes], None]
"""Where a link delivers the bytes the terminal typed."""

MAX_BACKLOG = 1 << 20
"""Bytes of output a link keeps while the terminal does not read; beyond that output is dropped, as a UART
with nobody listening would lose it."""


class Link(Protocol):
    """A byte pipe between one terminal and the module: a UART's worth of behaviour, no AT knowledge."""

    address: str
    """Where a terminal connects: a device path or ``HOST:PORT``."""

    async def open(self, sink: Sink, connected: Callable[[], None] | None = None) -> None:
        """Start accepting a terminal; every byte it sends is passed to *sink*, and *connected* is called
        each time a new terminal connects (where the link can tell)."""

    def write(self, data: bytes) -> None:
        """Send module output to the terminal; never blocks, dropped when no terminal is there."""

    terminal: asyncio.Event
    """Set once a terminal is there (the module's board is powered when its MCU is)."""

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

    MAX_BACKLOG = MAX_BACKLOG
    """Older bytes are dropped beyond this many."""

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
        self.terminal = asyncio.Event()
        """A pseudo-terminal counts as connected from the start: output waits in it for the terminal
        that opens the device."""

    async def open(self, sink: Sink, connected: Callable[[], None] | None = None) -> None:
        """Create the pseudo-terminal (and the symlink, if asked) and start reading from it. A pty cannot
        tell when a terminal opens the device: *connected* is never called."""
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
        self.terminal.set()

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

    One terminal at a time, as on a serial line: a new connection takes over and the current one is
    closed (docs/decisions/015-tcp-clients.md).  Output produced while no terminal is connected is dropped;
    :attr:`terminal` is set when the first terminal connects.  A terminal that does not read gets at most
    :data:`MAX_BACKLOG` bytes queued; what comes beyond that is dropped and counted in :attr:`dropped`,
    reported once per connection on stderr.
    """

    MAX_BACKLOG = MAX_BACKLOG

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.address = ""
        self._sink: Sink | None = None
        self._connected: Callable[[], None] | None = None
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._connections: dict[asyncio.Task[object], asyncio.StreamWriter] = {}
        self.terminal = asyncio.Event()
        self.dropped = 0
        """Bytes of output dropped because the terminal did not read them, over the link's life."""
        self._dropping = False

    async def open(self, sink: Sink, connected: Callable[[], None] | None = None) -> None:
        """Listen on HOST:PORT (port 0 picks a free one; :attr:`address` tells which)."""
        self._sink = sink
        self._connected = connected
        try:
            self._server = await asyncio.start_server(self._on_connect, self.host, self.port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise OSError(exc.errno, f"TCP port {self.host}:{self.port} is in use (--tcp)") from exc
        sockname = self._server.sockets[0].getsockname()
        self.port = sockname[1]
        host = f"[{sockname[0]}]" if ":" in sockname[0] else sockname[0]
        self.address = f"{host}:{self.port}"

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        old, self._writer = self._writer, writer
        if old is not None:
            old.close()
        self._dropping = False
        if self._connected is not None:
            self._connected()
        self.terminal.set()
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
        """Send module output to the connected terminal, if any; dropped once its backlog is full."""
        writer = self._writer
        if writer is None or writer.is_closing():
            return
        if writer.transport.get_write_buffer_size() + len(data) > self.MAX_BACKLOG:
            self.dropped += len(data)
            if not self._dropping:
                self._dropping = True
                peer = writer.get_extra_info("peername")
                where = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "the terminal"
                note(f"{where} is not reading: output beyond {self.MAX_BACKLOG} bytes is dropped")
            return
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
    """Put ``module`` behind ``link``; yields the address a terminal connects to.  The module powers on
    once a terminal is there (at once on a pty; when the first client connects over TCP, so that the
    banner reaches it) and keeps running when the terminal goes.  Meanwhile the control signals work:
    SIGUSR1 toggles deep sleep, SIGHUP power-cycles the module, SIGUSR2 pulses its reset.  On leaving,
    the module is powered off and the link closed."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    controls = ControlSignals(module)
    power_on: asyncio.Task[None] | None = None
    try:
        await link.open(module.feed, module.new_line)
        module.attach(link.write)

        if link.terminal.is_set():
            await module.start()
        else:

            async def power_on_when_connected() -> None:
                await link.terminal.wait()
                await module.start()

            power_on = loop.create_task(power_on_when_connected(), name="bc26-power-on")
        for signum, action in controls.actions().items():
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
                loop.add_signal_handler(signum, controls.run, action)
                installed.append(signum)
        yield link.address
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if power_on is not None and not power_on.done():
            power_on.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await power_on
        await controls.close()
        await module.close()
        await link.close()


class ControlSignals:
    """The simulator's control interface over signals: what an MCU does to a module through its pins, and
    what the network does to it, which a terminal cannot command over AT.

    ========  ==============================================================
    SIGUSR1   deep sleep; the next one wakes the module (banner, recovery)
    SIGHUP    power-cycle (supply off and on: banner, NVM kept)
    SIGUSR2   reset pulse (RESET pin: the firmware restarts, banner)
    ========  ==============================================================

    One action runs at a time; a signal arriving meanwhile is ignored.
    """

    def __init__(self, module: Module) -> None:
        self.module = module
        self._task: asyncio.Task[None] | None = None

    def actions(self) -> dict[signal.Signals, Callable[[], Coroutine[Any, Any, None]]]:
        return {signal.SIGUSR1: self.toggle_sleep, signal.SIGHUP: self.power_cycle, signal.SIGUSR2: self.reset}

    def run(self, action: Callable[[], Coroutine[Any, Any, None]]) -> None:
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.get_running_loop().create_task(action())

    async def toggle_sleep(self) -> None:
        if self.module.asleep:
            await self.module.wake()
            note("module woke from deep sleep")
        else:
            await self.module.deep_sleep()
            note("module in deep sleep (SIGUSR1 again to wake it)")

    async def power_cycle(self) -> None:
        note("power-cycling the module")
        await self.module.power_cycle()

    async def reset(self) -> None:
        note("reset pulse")
        await self.module.reset()

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def note(text: str) -> None:
    """A progress line on stderr (stdout carries only the address)."""
    print(f"qlaterm-sim: {text}", file=sys.stderr, flush=True)
