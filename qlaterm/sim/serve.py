"""``qlaterm-sim``: the simulated BC26 on a pseudo-terminal or a raw TCP socket.

A firmware developer points an MCU's AT driver, minicom or qlaterm at the simulator instead of a module::

    qlaterm-sim --pty --link /tmp/bc26         # prints the device path, e.g. /dev/pts/7
    qlaterm-sim --tcp 127.0.0.1:7000           # raw TCP like ser2net: socket://127.0.0.1:7000

By default the bundled LwM2M platform runs beside the module on UDP 127.0.0.1:5683, so
``AT+QLACONFIG=0,"127.0.0.1",5683,...`` followed by ``AT+QLAREG`` works offline.

The first line on stdout is where to connect (the device path, or ``HOST:PORT`` with the port actually
bound, so ``--tcp 127.0.0.1:0`` is usable); everything else goes to stderr.  The program runs until
SIGINT or SIGTERM and then exits with status 0.

The file has three layers: byte links (:class:`PtyLink`, :class:`TcpLink`) that know nothing of AT,
:func:`serve` that wires a link to the module and the platform, and :func:`main` that parses arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import signal
import sys
import termios
import tty
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qlaterm.lwm2m.psk import psk_argument
from qlaterm.platform.options import add_platform_options

if TYPE_CHECKING:
    from qlaterm.platform.server import Platform
    from qlaterm.sim.module import Module

DEFAULT_IMEI = "866971030603068"

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
def make_link(args: argparse.Namespace) -> Link:
    """The byte link the arguments ask for."""
    if args.tcp is not None:
        host, port = args.tcp
        return TcpLink(host, port)
    return PtyLink(Path(args.link) if args.link else None)


async def serve(
    args: argparse.Namespace,
    *,
    stop: asyncio.Event | None = None,
    ready: Callable[[str], None] | None = None,
) -> int:
    """Run the module (and the bundled platform) behind the link the arguments name until *stop* is set
    or SIGINT/SIGTERM arrives.  *ready* receives the link's address once a terminal can connect; by
    default it is printed on stdout.  Returns the exit status."""
    from qlaterm.sim.module import Module
    from qlaterm.sim.nvm import Nvm

    loop = asyncio.get_running_loop()
    stop = stop if stop is not None else asyncio.Event()
    installed: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)

    platform: Platform | None = None
    module: Module | None = None
    link = make_link(args)
    try:
        if not args.no_server:
            from qlaterm.platform.server import Platform

            platform = Platform(
                host=args.server_host, port=args.platform_port, profile=args.profile, psk_store=args.psk
            )
            await platform.start()

        state_dir = Path(args.state) if args.state else None
        if state_dir is not None:
            state_dir.mkdir(parents=True, exist_ok=True)
        module = Module(imei=args.imei, nvm=Nvm(state_dir))
        await link.open(module.feed)
        module.attach(link.write)
        await module.start()

        sleeper = _DeepSleepSwitch(module)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            loop.add_signal_handler(signal.SIGUSR1, sleeper.toggle)
            installed.append(signal.SIGUSR1)

        (ready or _announce)(link.address)
        if platform is not None:
            _note(f"bundled LwM2M platform on udp {platform.host}:{platform.port} ({args.profile})")
        await stop.wait()
        return 0
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if module is not None:
            await module.close()
        await link.close()
        if platform is not None:
            await platform.stop()


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
            _note("module woke from deep sleep")
        else:
            await self.module.deep_sleep()
            _note("module in deep sleep (SIGUSR1 again to wake it)")


def _announce(address: str) -> None:
    """Print where to connect as the first stdout line, flushed: scripts read it from a pipe."""
    print(address, flush=True)
    _note(f"BC26 simulator on {address}; Ctrl-C to stop")


def _note(text: str) -> None:
    print(f"qlaterm-sim: {text}", file=sys.stderr, flush=True)


# -- command line --------------------------------------------------------------------------------------
def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)


def _imei(text: str) -> str:
    if not (text.isdigit() and len(text) == 15):
        raise argparse.ArgumentTypeError(f"an IMEI is 15 digits, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The ``qlaterm-sim`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="qlaterm-sim",
        description="A simulated Quectel BC26 (LwM2M AT commands) on a pseudo-terminal or a TCP socket, "
        "with a bundled LwM2M server.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal; print its path")
    where.add_argument(
        "--tcp", type=_host_port, metavar="HOST:PORT", help="serve raw TCP (like ser2net); one client at a time"
    )
    parser.add_argument("--link", metavar="PATH", help="with --pty: also create the symlink PATH to the device")
    add_platform_options(
        parser,
        port_help="bundled platform UDP port (default 5683; 0 picks a free one)",
        profile_help="bundled platform profile",
        old_port_flag="--server-port",
    )
    parser.add_argument("--no-server", action="store_true", help="do not run the bundled LwM2M platform")
    parser.add_argument("--server-host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--state", metavar="DIR", help="keep the module's NVM in DIR (default: in memory)")
    parser.add_argument("--imei", type=_imei, default=DEFAULT_IMEI, help="the module's IMEI (15 digits)")
    parser.add_argument(
        "--psk",
        type=psk_argument,
        action="append",
        default=[],
        metavar="IDENTITY:HEXKEY",
        help="a DTLS-PSK identity the bundled platform accepts (repeatable)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; ``args.psk`` becomes the platform's PSK store (a dict)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.link and not args.pty:
        parser.error("--link needs --pty")
    args.psk = dict(args.psk)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qlaterm-sim``: exit status 0 after SIGINT/SIGTERM, 1 when it cannot start."""
    args = parse_args(argv)
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        return 0
    except OSError as exc:
        _note(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
