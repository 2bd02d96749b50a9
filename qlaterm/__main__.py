"""``qlaterm PORT`` or ``qlaterm --sim``: the console for a BC26 on a serial port, or for the simulator;
``qlaterm`` alone first asks which (the serial ports found, or the simulator).

``qlaterm replay …`` runs transcripts headless (:mod:`qlaterm.replay.cli`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qlaterm import __version__
from qlaterm.link.base import BYTESIZES, PARITIES, STOPBITS, SerialSettings
from qlaterm.lwm2m.psk import psk_argument
from qlaterm.platform.options import add_platform_options
from qlaterm.sim.options import add_network_options, network_setup

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qlaterm.replay.format import Transcript


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="qlaterm",
        description="A console for the LwM2M AT commands of the Quectel BC26 NB-IoT module.",
        epilog="Examples: qlaterm /dev/ttyUSB0 · qlaterm socket://127.0.0.1:7000 · qlaterm --sim --profile aep"
        " · qlaterm replay FILE… (--sim | PORT): transcripts as tests (qlaterm replay --help)",
    )
    parser.add_argument("port", nargs="?", help="serial device (/dev/ttyUSB0) or pyserial URL (socket://host:port); "
                        "without PORT or --sim, a picker lists the serial ports found and the simulator")
    serial = parser.add_argument_group("serial port", "line settings of PORT (changed at run time with shift+f8)")
    serial.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
    serial.add_argument("--bytesize", type=int, choices=BYTESIZES, default=8, help="data bits (default 8)")
    serial.add_argument("--parity", choices=tuple(PARITIES), default="N", type=str.upper,
                        help="parity: None, Even, Odd, Mark, Space (default N)")
    serial.add_argument("--stopbits", type=float, choices=STOPBITS, default=1.0, metavar="{1,1.5,2}",
                        help="stop bits (default 1)")
    serial.add_argument("--rtscts", action="store_true", help="RTS/CTS hardware flow control")
    serial.add_argument("--xonxoff", action="store_true", help="XON/XOFF software flow control")
    parser.add_argument("--list", action="store_true", help="list the serial ports (Quectel USB IDs marked) and exit")
    parser.add_argument("--sim", action="store_true", help="run the simulated BC26 and the bundled platform in-process")
    add_platform_options(
        parser,
        port_help="UDP port of the bundled platform in --sim mode (a busy port falls back to a free one)",
        profile_help="platform profile in --sim mode (default generic, or the demo's @profile)",
    )
    parser.set_defaults(profile=None)
    parser.add_argument("--state", metavar="DIR", type=Path, help="--sim: keep the module's NVM in DIR")
    parser.add_argument("--psk", type=psk_argument, action="append", default=[], metavar="IDENTITY:HEXKEY",
                        help="--sim: a DTLS-PSK identity the bundled platform accepts on port+1 (repeatable)")
    add_network_options(parser, prefix="--sim: ")
    parser.add_argument("--demo", nargs="?", const="", metavar="NAME",
                        help="--sim: a guided demo, one explained step at a time (no NAME: list them)")
    parser.add_argument("--commands", metavar="FILE", type=Path,
                        help="a command list to pick lines from or run whole (ctrl+g; a transcript file)")
    parser.add_argument("--keymap", metavar="FILE", type=Path, help="key remapping file (TOML)")
    logging = parser.add_mutually_exclusive_group()
    logging.add_argument("--log", metavar="FILE", type=Path,
                         help="append the session to FILE (default: one file per session in the log directory)")
    logging.add_argument("--no-log", action="store_true", help="no continuous session log")
    parser.add_argument("--show-psk", action="store_true", help="do not mask PSKs in the transcript and saved logs")
    parser.add_argument("--version", action="version", version=f"qlaterm {__version__}")
    args = parser.parse_args(argv)
    if args.list:
        return args
    if args.sim and args.port:
        parser.error("give a serial PORT or --sim, not both")
    if args.psk and not args.sim:
        parser.error("--psk feeds the bundled platform: it needs --sim")
    if args.demo is not None and not args.sim:
        parser.error("--demo runs against the simulator: it needs --sim")
    args.psk = dict(args.psk)
    try:
        args.serial = SerialSettings(args.baud, args.bytesize, args.parity, args.stopbits, args.rtscts, args.xonxoff)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["replay"]:
        from qlaterm.replay.cli import main as replay

        return replay(argv[1:])
    args = parse_args(argv)
    if args.list:
        from qlaterm.link.ports import list_ports, ports_text

        print(ports_text(list_ports()))
        return 0
    from qlaterm.link.base import Transport
    from qlaterm.ui.app import QlatermApp, default_history_file, default_log_dir
    from qlaterm.ui.keymap import default_keymap_path

    transport: Transport
    if not args.port and not args.sim and not _pick(args):
        return 0
    demo = None
    if args.demo is not None:
        demo = _demo(args)
        if demo is None:
            return 0 if not args.demo else 2
    if args.sim:
        from qlaterm.link.inproc import InProcTransport

        profile = args.profile or "generic"
        if demo is not None:
            from qlaterm.replay.cli import UsageError, profile_for

            try:
                profile = profile_for(demo[1], args.profile)
            except UsageError as exc:
                print(f"qlaterm: {exc}", file=sys.stderr)
                return 2
            args.psk = {**demo[1].psks, **args.psk}
        transport = InProcTransport(profile=profile, platform_port=args.platform_port, state_dir=args.state,
                                    psk_store=args.psk, network=network_setup(args),
                                    queue_awake=demo[1].queue_awake if demo is not None else None)
    else:
        from qlaterm.link.serial import SerialTransport

        transport = SerialTransport(args.port, args.serial)
    app = QlatermApp(
        transport,
        keymap_file=args.keymap or default_keymap_path(),
        history_file=default_history_file(),
        mask_secrets=not args.show_psk,
        session_log=args.log,
        session_log_dir=None if args.no_log or args.log else default_log_dir(),
        demo=demo,
        commands=args.commands,
    )
    app.run()
    return 0


def _pick(args: argparse.Namespace) -> bool:
    """Ask which port (or the simulator) the console opens; False when the user quits instead."""
    from qlaterm.ui.port_picker import SIMULATOR, PortPickerApp

    choice = PortPickerApp().run()
    if choice is None:
        return False
    if choice == SIMULATOR:
        args.sim = True
    else:
        args.port = choice
    return True


def _demo(args: argparse.Namespace) -> tuple[str, Transcript] | None:
    """The demo ``--demo NAME`` asks for; None after listing them (no NAME, or one that does not exist)."""
    from qlaterm.replay.demo import demo_names, demo_summary, load_demo

    if args.demo in demo_names():
        return args.demo, load_demo(args.demo)
    if args.demo:
        print(f"qlaterm: no demo {args.demo!r}; there are:", file=sys.stderr)
    out = sys.stderr if args.demo else sys.stdout
    for name in demo_names():
        print(f"  {name:<11} {demo_summary(load_demo(name))}", file=out)
    if not args.demo:
        print("run one with: qlaterm --sim --demo NAME", file=out)
    return None


if __name__ == "__main__":
    sys.exit(main())
