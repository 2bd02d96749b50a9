"""``qlaterm-sim``: a simulated BC26 on a pseudo-terminal or a raw TCP socket, with the bundled LwM2M platform.

This is where the two ends meet: the emulated module (:mod:`qlaterm.sim`) and the bundled server
(:mod:`qlaterm.platform`) know nothing of each other, and this module builds and starts both — for the
``qlaterm-sim`` command and for the console's ``--sim`` link (:mod:`qlaterm.link.inproc`).

By default the bundled LwM2M platform runs beside the module on UDP 127.0.0.1:5683, so
``AT+QLACONFIG=0,"127.0.0.1",5683,...`` followed by ``AT+QLAREG`` works offline.

The module's datagrams cross a simulated NB-IoT link (``--network``, default ``good``; ``--loss``, ``--delay``,
``--seed``); ``--route-all`` sends every configured server to the bundled platform, ``--route`` single ones.
Over ``--tcp`` the module powers on when the first client connects.  ``--control PATH`` opens the control
channel on a Unix socket (:mod:`qlaterm.sim.control`: ``network poor``, ``loss 0.2``, ``delay 500-900``,
``sleep``, ``wake``, ``power-cycle``, ``reset``, ``status``), and ``qlaterm-sim --send PATH COMMAND`` is its
client.  Control signals: SIGUSR1 deep sleep and wake, SIGHUP power-cycle, SIGUSR2 reset pulse.

The first line on stdout is where to connect (the device path, or ``HOST:PORT`` with the port actually
bound, so ``--tcp 127.0.0.1:0`` is usable); everything else goes to stderr.  The program runs until
SIGINT or SIGTERM and then exits with status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from qlaterm.lwm2m.psk import psk_argument
from qlaterm.platform.options import add_platform_options
from qlaterm.platform.queue import AWAKE as QUEUE_AWAKE
from qlaterm.platform.server import Platform
from qlaterm.sim.conditions import DEFAULT_CONDITION, condition
from qlaterm.sim.control import Controls, ControlServer, send
from qlaterm.sim.module import Module
from qlaterm.sim.nvm import Nvm
from qlaterm.sim.options import NetworkSetup, add_network_options, network_setup
from qlaterm.sim.routes import Destination, Routes, parse_route
from qlaterm.sim.serve import Link, PtyLink, TcpLink, note, serving

__all__ = [
    "DEFAULT_IMEI",
    "QUEUE_AWAKE",
    "build_module",
    "build_parser",
    "main",
    "parse_args",
    "platform_routes",
    "serve",
    "start_platform",
]

log = logging.getLogger(__name__)

DEFAULT_IMEI = "866971030603068"


# -- the parts ------------------------------------------------------------------------------------------
def build_module(
    *,
    imei: str = DEFAULT_IMEI,
    state_dir: Path | None = None,
    time_scale: float = 1.0,
    network: NetworkSetup | str | None = None,
    routes: Routes | None = None,
) -> Module:
    """A module whose NVM lives in ``state_dir`` (None: in memory), in the ``network`` the options ask for
    (or the condition of that name; default ``good``), its servers reached through ``routes``."""
    if not isinstance(network, NetworkSetup):
        network = NetworkSetup(condition(network or DEFAULT_CONDITION))
    return Module(
        imei=imei,
        nvm=Nvm(state_dir),
        time_scale=time_scale,
        network=network.condition,
        seed=network.seed,
        answer_delay=network.answer_delay,
        routes=routes,
    )


def platform_routes(platform: Platform, routes: Routes | None = None) -> Routes:
    """``routes`` with every other server sent to ``platform``: NoSec to its UDP port, DTLS to its DTLS port."""
    return (routes or Routes()).with_everything(Destination(platform.host, platform.port, platform.dtls_port))


async def start_platform(
    *,
    port: int,
    profile: str,
    psk_store: dict[str, bytes],
    host: str = "127.0.0.1",
    any_port_if_busy: bool = False,
    queue_awake: float = QUEUE_AWAKE,
) -> Platform:
    """The bundled platform, started on UDP ``host:port`` (0: a free port); with ``any_port_if_busy`` a busy
    port falls back to a free one.  ``psk_store`` is shared: identities the platform adds show up in it.
    ``queue_awake``: how long a device in queue mode listens after it was heard from."""
    platform = Platform(host=host, port=port, profile=profile, psk_store=psk_store, queue_awake=queue_awake)
    try:
        await platform.start()
    except OSError as exc:
        if port == 0 or not any_port_if_busy:
            raise
        log.warning("%s: the platform takes a free port", exc.strerror or exc)
        platform = Platform(host=host, port=0, profile=profile, psk_store=psk_store, queue_awake=queue_awake)
        await platform.start()
    return platform


def make_link(args: argparse.Namespace) -> Link:
    """The byte link the arguments ask for."""
    if args.tcp is not None:
        host, port = args.tcp
        return TcpLink(host, port)
    return PtyLink(Path(args.link) if args.link else None)


# -- qlaterm-sim ----------------------------------------------------------------------------------------
async def serve(
    args: argparse.Namespace,
    *,
    stop: asyncio.Event | None = None,
    ready: Callable[[str], None] | None = None,
) -> int:
    """Run the module (and the bundled platform) behind the link the arguments name until *stop* is set
    or SIGINT/SIGTERM arrives.  *ready* receives the link's address once a terminal can connect; by
    default it is printed on stdout.  Returns the exit status."""
    loop = asyncio.get_running_loop()
    stop = stop if stop is not None else asyncio.Event()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)

    platform: Platform | None = None
    try:
        if not args.no_server:
            try:
                platform = await start_platform(
                    host=args.server_host, port=args.platform_port, profile=args.profile, psk_store=args.psk
                )
            except OSError as exc:
                raise OSError(exc.errno, f"{exc.strerror or exc} (--platform-port)") from exc
        state_dir = Path(args.state) if args.state else None
        if state_dir is not None:
            state_dir.mkdir(parents=True, exist_ok=True)
        routes = Routes(routes=dict(args.route))
        if args.route_all:
            if platform is None:
                raise OSError("--route-all needs the bundled platform (drop --no-server)")
            routes = platform_routes(platform, routes)
        module = build_module(imei=args.imei, state_dir=state_dir, network=network_setup(args), routes=routes)
        async with serving(module, make_link(args)) as address, controlled(module, args.control):
            (ready or _announce)(address)
            if platform is not None:
                note(f"bundled LwM2M platform on udp {platform.host}:{platform.port} ({args.profile})")
            await stop.wait()
        return 0
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if platform is not None:
            await platform.stop()


@contextlib.asynccontextmanager
async def controlled(module: Module, path: str | None) -> AsyncIterator[None]:
    """The control channel on the Unix socket ``path`` while the block runs (none when ``path`` is None)."""
    if path is None:
        yield
        return
    server = ControlServer(Controls(module), Path(path))
    await server.open()
    note(f"control channel on {path} (qlaterm-sim --send {path} help)")
    try:
        yield
    finally:
        await server.close()


def send_command(path: str, words: Sequence[str]) -> int:
    """``qlaterm-sim --send PATH COMMAND``: print the answer; status 0 for ``ok``, 1 otherwise."""
    try:
        answer = asyncio.run(send(Path(path), " ".join(words)))
    except (OSError, TimeoutError) as exc:
        note(f"error: no simulator control channel at {path}: {exc}")
        return 1
    print(answer)
    return 0 if answer.startswith("ok") else 1


def _announce(address: str) -> None:
    """Print where to connect as the first stdout line, flushed: scripts read it from a pipe."""
    print(address, flush=True)
    note(f"BC26 simulator on {address}; Ctrl-C to stop")


# -- command line --------------------------------------------------------------------------------------
def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port)



def _route(text: str) -> tuple[tuple[str, int | None], tuple[str, int]]:
    try:
        return parse_route(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    where.add_argument(
        "--send",
        nargs="+",
        metavar="PATH COMMAND",
        help="send one command to the control channel of a running qlaterm-sim and print its answer",
    )
    parser.add_argument("--link", metavar="PATH", help="with --pty: also create the symlink PATH to the device")
    parser.add_argument(
        "--control",
        metavar="PATH",
        help="open the control channel on the Unix socket PATH: one command per line (network NAME, loss P, "
        "delay MS[-MS], sleep, wake, power-cycle, reset, status, help), each answered by one line, ok or error",
    )
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
    add_network_options(parser)
    parser.add_argument(
        "--route-all",
        action="store_true",
        help="every server the module is configured with (any address or host name, any port) reaches the "
        "bundled platform: NoSec on its UDP port, DTLS on its DTLS port",
    )
    parser.add_argument(
        "--route",
        type=_route,
        action="append",
        default=[],
        metavar="HOST[:PORT]=HOST:PORT",
        help="send the module's datagrams for one server elsewhere (repeatable)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; ``args.psk`` becomes the platform's PSK store (a dict)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.link and not args.pty:
        parser.error("--link needs --pty")
    if args.send is not None and len(args.send) < 2:
        parser.error("--send needs PATH and COMMAND (e.g. --send /tmp/bc26.ctl status)")
    args.psk = dict(args.psk)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``qlaterm-sim``: exit status 0 after SIGINT/SIGTERM, 1 when it cannot start."""
    args = parse_args(argv)
    if args.send is not None:
        return send_command(args.send[0], args.send[1:])
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        return 0
    except OSError as exc:
        note(f"error: {exc.strerror or exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
