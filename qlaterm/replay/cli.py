"""``qlaterm replay FILE… (--sim [--profile P] [--network N] | PORT)``: transcripts run headless, as tests.

Exit status 0 when every expectation held, 1 when one did not, 2 for a usage error, a transcript that does
not parse or a port that cannot be opened.  Nothing here loads the UI toolkit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TextIO

from qlaterm.link.base import LinkState, Transport
from qlaterm.link.session import Session
from qlaterm.platform.options import PROFILE_NAMES, add_platform_options

from .format import NETWORKS, Transcript, TranscriptError, parse, parse_duration
from .report import ConsoleReport, write_junit
from .runner import BOOT_TIMEOUT, DEFAULT_STEP_TIMEOUT, SIM_CAPTURES, Outcome, Runner, needs_simulator

__all__ = ["SIM_CAPTURES", "build_parser", "example_names", "example_text", "main", "replay", "run_one"]


class UsageError(Exception):
    """Something the command line or the environment asks that cannot be done (exit status 2)."""


def example_names() -> list[str]:
    """The transcripts shipped with qlaterm (the vendor document's examples)."""
    folder = resources.files("qlaterm.replay") / "examples"
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt"))


def example_text(name: str) -> str:
    return (resources.files("qlaterm.replay") / "examples" / name).read_text(encoding="utf-8")


def _duration(text: str) -> float:
    seconds = parse_duration(text)
    if seconds is None or seconds <= 0:
        raise argparse.ArgumentTypeError(f"expected a duration such as 5s or 500ms, got {text!r}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qlaterm replay",
        description="Run AT transcripts against the simulator or a module on a serial port, as tests.",
        epilog="Examples: qlaterm replay session.txt --sim · qlaterm replay a.txt b.txt /dev/ttyUSB0 --junit out.xml"
        " · qlaterm replay example:aep.txt --sim --profile aep",
    )
    parser.add_argument("items", nargs="+", metavar="FILE… [PORT]",
                        help="transcripts (example:NAME for a shipped one), then the serial PORT unless --sim")
    parser.add_argument("--sim", action="store_true", help="run against the simulated BC26 and the bundled platform")
    add_platform_options(parser, port_help="UDP port of the bundled platform in --sim mode (busy: any free one)",
                         profile_help="platform profile in --sim mode")
    parser.set_defaults(profile=None)  # unless given, each transcript's @profile (else generic)
    parser.add_argument("--network", choices=NETWORKS, help="--sim: the simulated radio conditions")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="--sim: seed the network's delays and losses, so that a run under good or poor repeats")
    parser.add_argument("--baud", type=int, default=115200, help="baud rate of PORT (default 115200)")
    parser.add_argument("--timeout", type=_duration, default=DEFAULT_STEP_TIMEOUT, metavar="DURATION",
                        help=f"how long a step may wait unless @timeout says (default {DEFAULT_STEP_TIMEOUT:g}s)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report to FILE")
    return parser


def _load(item: str, predefined: frozenset[str]) -> tuple[str, Transcript]:
    if item.startswith("example:"):
        name = item.removeprefix("example:")
        if not name.endswith(".txt"):
            name += ".txt"  # example:aep is example:aep.txt
        if name not in example_names():
            raise UsageError(f"no example {name!r} (there are: {', '.join(example_names())})")
        return name, parse(example_text(name), name, predefined=predefined)
    path = Path(item)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {item}: {exc.strerror or exc}") from None
    return path.name, parse(text, item, predefined=predefined)


def profile_for(transcript: Transcript, given: str | None) -> str:
    """The platform profile a transcript runs with: ``--profile`` or its ``@profile``; they must agree."""
    wanted = transcript.profile
    if wanted is not None and wanted not in PROFILE_NAMES:
        raise UsageError(f"{transcript.source}: @profile {wanted}: no such profile (there are: "
                         f"{', '.join(PROFILE_NAMES)})")
    if given is not None and wanted is not None and given != wanted:
        raise UsageError(f"{transcript.source} is written for @profile {wanted}, not --profile {given}")
    return given or wanted or "generic"


def _transport(args: argparse.Namespace, transcript: Transcript) -> Transport:
    if args.sim:
        from qlaterm.link.inproc import InProcTransport

        profile = profile_for(transcript, args.profile)
        from qlaterm.sim.conditions import condition
        from qlaterm.sim.options import NetworkSetup

        network = NetworkSetup(condition(args.network or "ideal"), seed=args.seed)
        return InProcTransport(profile=profile, platform_port=args.platform_port, network=network,
                               psk_store=transcript.psks, queue_awake=transcript.queue_awake)
    from qlaterm.link.base import SerialSettings
    from qlaterm.link.serial import SerialTransport

    return SerialTransport(args.port, SerialSettings(baudrate=args.baud))


async def run_one(args: argparse.Namespace, transcript: Transcript, report: ConsoleReport) -> Outcome:
    """One transcript on a fresh link (a new simulator in --sim mode); its outcome."""
    transport = _transport(args, transcript)
    session = Session(transport)
    runner = Runner(session, simulator=transport.simulator, timeout=args.timeout,
                    network=args.network or "ideal", on_step=report.step)
    try:
        await session.open()
        if session.link.state is not LinkState.CONNECTED:
            raise UsageError(f"cannot open {transport.name}: {session.link.detail}")
        if not await runner.attach_simulator():
            raise UsageError(f"the simulated module did not attach within {BOOT_TIMEOUT:g} s")
        return await runner.run(transcript)
    finally:
        runner.close()
        await session.close()


async def replay(args: argparse.Namespace, transcripts: Sequence[tuple[str, Transcript]], out: TextIO) -> int:
    """Run the transcripts one after the other, each on a fresh link; the exit status."""
    report = ConsoleReport(out)
    outcomes: list[tuple[str, Outcome]] = []
    for name, transcript in transcripts:
        report.start(name)
        outcome = await run_one(args, transcript, report)
        report.finish(outcome, name)
        outcomes.append((name, outcome))
    if args.junit is not None:
        write_junit(args.junit, outcomes)
    return 0 if all(o.passed for _, o in outcomes) else 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    items: list[str] = list(args.items)
    if args.sim:
        args.port = None
    else:
        if len(items) < 2:
            parser.error("give the transcripts and then a serial PORT, or --sim")
        args.port = items.pop()
    if not args.sim and (args.network or args.profile is not None or args.seed is not None):
        parser.error("--network, --seed and --profile shape the simulator: they need --sim")
    args.files = items
    return args


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = parse_args(argv)
    predefined = SIM_CAPTURES if args.sim else frozenset()
    try:
        transcripts = [_load(item, predefined) for item in args.files]
        if args.sim:
            for _, transcript in transcripts:
                profile_for(transcript, args.profile)  # a disagreement stops the run before it starts
        if not args.sim:
            for name, transcript in transcripts:
                if needs_simulator(transcript):
                    print(f"note: {name} drives the simulator; those steps are skipped on {args.port}",
                          file=sys.stderr)
        return asyncio.run(replay(args, transcripts, out))
    except TranscriptError as exc:
        print(f"qlaterm replay: {exc}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"qlaterm replay: {exc}", file=sys.stderr)
        return 2
