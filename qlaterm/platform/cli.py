"""`qlaterm-platform`: the bundled LwM2M server on its own, driven one command per line.

    qlaterm-platform --platform-port 5683 --profile aep --psk dev-1:000102030405
    qlaterm-platform --bootstrap-binding UQ --bootstrap-lifetime 600
    > list
    > read 866971031275899 /19/0/0 text
    > observe 866971031275899 /19/0/0

Each command runs as its own task, so a read that waits for a human answering on the module side
does not hold up the next command; results and platform events are printed as single lines.
`quit` (or end of input) waits for commands still running, then stops the server.

`PlatformShell` is the same interpreter for Python: `await shell.run_line("read ep /3/0/0")`
returns the lines the command printed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from qlaterm.lwm2m.formats import ContentFormat
from qlaterm.lwm2m.paths import format_path, parse_path
from qlaterm.lwm2m.psk import psk_argument
from qlaterm.lwm2m.transport import RetransmitTuning
from qlaterm.platform.bootstrap import SECURITY_PSK, BootstrapConfig
from qlaterm.platform.model import (
    CoapRecord,
    Event,
    OperationDone,
    PlatformError,
    Result,
)
from qlaterm.platform.options import add_platform_options
from qlaterm.platform.profiles import get_profile
from qlaterm.platform.queue import AWAKE
from qlaterm.platform.server import Platform

FORMAT_NAMES: dict[str, int] = {
    "text": int(ContentFormat.TEXT),
    "link": int(ContentFormat.LINK),
    "opaque": int(ContentFormat.OPAQUE),
    "cbor": int(ContentFormat.CBOR),
    "senml": int(ContentFormat.SENML_JSON),
    "senml-json": int(ContentFormat.SENML_JSON),
    "senml-cbor": int(ContentFormat.SENML_CBOR),
    "tlv": int(ContentFormat.TLV),
    "json": int(ContentFormat.LWM2M_JSON),
}

HELP = """commands:
  list                              registered devices
  read EP PATH [FORMAT]             FORMAT: text tlv json senml senml-cbor opaque cbor or a number
  write EP PATH VALUE               VALUE is text; 0x0102... writes opaque bytes
  execute EP PATH [ARGS]
  discover EP PATH
  attr EP PATH pmin=1 pmax=5        also gt= lt= st=
  observe EP PATH [FORMAT]          notifications are printed as they arrive
  cancel EP PATH
  queue EP                          requests waiting for a device in queue mode (binding UQ)
  log [N]                           the last N CoAP messages (default 20)
  help
  quit"""


class UsageError(Exception):
    """A command line the shell cannot run; printed as `error: …`."""


def parse_format(text: str) -> int:
    """A content format from its name (tlv, senml, …) or number."""
    if text.isdigit():
        return int(text)
    try:
        return FORMAT_NAMES[text.lower()]
    except KeyError:
        raise UsageError(f"unknown format {text!r}; use a number or one of {', '.join(FORMAT_NAMES)}") from None


def parse_value(text: str) -> str | bytes:
    """Write values: text as given, `0x…` hex as opaque bytes."""
    if text.lower().startswith("0x") and len(text) % 2 == 0:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    return text


def format_result(operation: str, ep: str, path: tuple[int, ...], result: Result) -> str:
    return f"{operation} {ep} {format_path(path)}: {result}"


def format_event(event: Event) -> str | None:
    """The line the shell prints for an event, or None for the requests it prints as command results."""
    if isinstance(event, OperationDone) and event.origin == "api":
        return None
    return event.summary()


class PlatformShell:
    """The command interpreter of `qlaterm-platform`, usable from Python as well."""

    def __init__(self, platform: Platform, output: Callable[[str], object] = print) -> None:
        self.platform = platform
        self.output = output
        self._unsubscribe: Callable[[], None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self.quit_requested = False

    def attach(self) -> None:
        """Print platform events as they happen."""
        if self._unsubscribe is None:
            self._unsubscribe = self.platform.subscribe(self._on_event)

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: Event) -> None:
        line = format_event(event)
        if line is not None:
            self.output(line)

    def submit(self, line: str) -> asyncio.Task[list[str]]:
        """Start a command in the background; its lines are printed when it completes."""
        task = asyncio.get_running_loop().create_task(self._run_and_print(line))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return task

    async def drain(self) -> None:
        """Wait for every submitted command to complete."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _run_and_print(self, line: str) -> list[str]:
        lines = await self.run_line(line)
        for text in lines:
            self.output(text)
        return lines

    async def run_line(self, line: str) -> list[str]:
        """Run one command line and return what it prints (errors as `error: …`)."""
        words = line.split()  # endpoints, paths and formats have no spaces; values are taken raw
        if not words:
            return []
        command, args = words[0].lower(), words[1:]
        handler = getattr(self, f"_cmd_{command}", None)
        if handler is None:
            return [f"error: unknown command {command!r} (try help)"]
        try:
            return await handler(args, line)
        except (UsageError, PlatformError, ValueError) as exc:
            return [f"error: {exc}"]

    @staticmethod
    def _need(args: list[str], low: int, high: int, usage: str) -> None:
        if not low <= len(args) <= high:
            raise UsageError(f"usage: {usage}")

    async def _cmd_help(self, args: list[str], line: str) -> list[str]:
        return HELP.splitlines()

    async def _cmd_list(self, args: list[str], line: str) -> list[str]:
        devices = list(self.platform.devices.values())
        if not devices:
            return ["no devices registered"]
        return [d.summary() for d in devices]

    async def _cmd_read(self, args: list[str], line: str) -> list[str]:
        self._need(args, 2, 3, "read EP PATH [FORMAT]")
        accept = parse_format(args[2]) if len(args) == 3 else None
        result = await self.platform.read(args[0], args[1], accept)
        return [format_result("read", args[0], _path(args[1]), result)]

    async def _cmd_write(self, args: list[str], line: str) -> list[str]:
        if len(args) < 3:
            raise UsageError("usage: write EP PATH VALUE")
        # The value is the rest of the line as typed, so JSON with spaces and quotes survives.
        value = line.split(None, 3)[3].strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        result = await self.platform.write(args[0], args[1], parse_value(value))
        return [format_result("write", args[0], _path(args[1]), result)]

    async def _cmd_execute(self, args: list[str], line: str) -> list[str]:
        if len(args) < 2:
            raise UsageError("usage: execute EP PATH [ARGS]")
        rest = line.split(None, 3)
        result = await self.platform.execute(args[0], args[1], rest[3].strip() if len(rest) > 3 else "")
        return [format_result("execute", args[0], _path(args[1]), result)]

    async def _cmd_discover(self, args: list[str], line: str) -> list[str]:
        self._need(args, 2, 2, "discover EP PATH")
        result = await self.platform.discover(args[0], args[1])
        return [format_result("discover", args[0], _path(args[1]), result)]

    async def _cmd_attr(self, args: list[str], line: str) -> list[str]:
        if len(args) < 3:
            raise UsageError("usage: attr EP PATH pmin=1 pmax=5")
        attrs: dict[str, float] = {}
        for item in ",".join(args[2:]).split(","):
            name, sep, value = item.partition("=")
            if not sep or name not in ("pmin", "pmax", "gt", "lt", "st"):
                raise UsageError(f"not an attribute: {item!r} (pmin=, pmax=, gt=, lt=, st=)")
            number = float(value)
            attrs[name] = int(number) if name in ("pmin", "pmax") or number.is_integer() else number
        result = await self.platform.write_attributes(args[0], args[1], **attrs)  # type: ignore[arg-type]  # pmin/pmax are ints by the loop above
        return [format_result("attr", args[0], _path(args[1]), result)]

    async def _cmd_observe(self, args: list[str], line: str) -> list[str]:
        self._need(args, 2, 3, "observe EP PATH [FORMAT]")
        accept = parse_format(args[2]) if len(args) == 3 else None
        obs = await self.platform.observe(args[0], args[1], accept)
        state = "established" if obs.established else "not established"
        return [f"{format_result('observe', args[0], obs.path, obs.first)} ({state})"]

    async def _cmd_cancel(self, args: list[str], line: str) -> list[str]:
        self._need(args, 2, 2, "cancel EP PATH")
        result = await self.platform.cancel(args[0], args[1])
        return [format_result("cancel", args[0], _path(args[1]), result)]

    async def _cmd_queue(self, args: list[str], line: str) -> list[str]:
        self._need(args, 1, 1, "queue EP")
        pending = self.platform.queued(args[0])
        if not pending:
            return [f"nothing queued for {args[0]}"]
        now = time.time()
        return [
            f"{n}. {p.operation} {format_path(p.path)} waiting {now - p.queued_at:.1f} s"
            for n, p in enumerate(pending, 1)
        ]

    async def _cmd_log(self, args: list[str], line: str) -> list[str]:
        self._need(args, 0, 1, "log [N]")
        count = int(args[0]) if args else 20
        records: list[CoapRecord] = list(self.platform.coap_log[-count:]) if count > 0 else []
        return [f"{_clock(r.time)} {r}" for r in records]

    async def _cmd_quit(self, args: list[str], line: str) -> list[str]:
        self.quit_requested = True  # the command loop stops the platform
        return []


def _path(text: str) -> tuple[int, ...]:
    return parse_path(text)


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int(t * 1000) % 1000:03d}"


async def _stdin_lines() -> AsyncIterator[str]:
    """Lines of stdin without blocking the event loop.

    Pipes and terminals are read through the loop; a regular file (which the loop cannot watch)
    is read in a worker thread.
    """
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (ValueError, OSError):
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            yield line
        return
    while line_bytes := await reader.readline():
        yield line_bytes.decode("utf-8", "replace")


async def run(platform: Platform) -> int:
    """Serve until `quit` or end of input."""
    await platform.start()

    def out(text: str) -> None:
        print(text, flush=True)

    shell = PlatformShell(platform, out)
    shell.attach()
    out(f"platform listening on {platform.host}:{platform.port} profile={platform.profile.name} (help for commands)")
    if platform.psk_store:
        out(f"DTLS-PSK on {platform.host}:{platform.dtls_port} for {', '.join(sorted(platform.psk_store))}")
    try:
        async for line in _stdin_lines():
            if line.strip().lower() in ("quit", "exit"):
                break
            shell.submit(line)
        # End of input or quit: let commands still waiting for a device finish first.
        await shell.drain()
    finally:
        shell.detach()
        await platform.stop()
    out("platform stopped")
    return 0


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds above 0, got {text!r}")
    return int(text)


def _seconds(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds, got {text!r}")
    return int(text)


def _short_server_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65534:
        raise argparse.ArgumentTypeError(f"expected a short server ID 1-65534, got {text!r}")
    return int(text)


def _duration(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected seconds (0 or more), got {text!r}")
    return value


def _retransmit(text: str) -> RetransmitTuning:
    """``ACK_TIMEOUT,MAX_RETRANSMIT``: the first wait in seconds (above 0) and the retransmissions (0-20)."""
    first, _, count = text.partition(",")
    try:
        ack_timeout, retransmissions = float(first), int(count)
    except ValueError:
        ack_timeout, retransmissions = 0.0, -1
    if not (ack_timeout > 0 and 0 <= retransmissions <= 20):
        raise argparse.ArgumentTypeError(f"expected ACK_TIMEOUT,MAX_RETRANSMIT such as 2,4, got {text!r}")
    return RetransmitTuning(ack_timeout, retransmissions)


def _server_uri(text: str) -> str:
    if not text.startswith(("coap://", "coaps://")):
        raise argparse.ArgumentTypeError(f"expected a coap:// or coaps:// URI, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The ``qlaterm-platform`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="qlaterm-platform",
        description="The bundled LwM2M server, driven one command per line on stdin.",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    add_platform_options(
        parser,
        port_help="UDP port (default 5683, 0 = any free port); DTLS-PSK is served on the port after it",
        profile_help="platform behaviour",
        old_port_flag="--port",
    )
    parser.add_argument(
        "--psk",
        type=psk_argument,
        action="append",
        default=[],
        metavar="IDENTITY:HEXKEY",
        help="a DTLS-PSK identity the platform accepts on its DTLS port (repeatable)",
    )
    parser.add_argument(
        "--queue-awake",
        type=_duration,
        default=AWAKE,
        metavar="S",
        help=f"seconds a device registered with binding UQ listens after it was heard from (default {AWAKE:g})",
    )
    parser.add_argument(
        "--retransmit",
        type=_retransmit,
        metavar="S,N",
        help="CoAP retransmission of requests to devices: first wait S seconds, then doubling, N retransmissions "
        "(default RFC 7252: 2 s with a random factor of 1.5, 4 retransmissions)",
    )
    bootstrap = parser.add_argument_group(
        "bootstrap",
        "What the platform writes to a device that asks it for bootstrap (POST /bs).\n"
        "Without these options: the profile's default (this platform, NoSec, lifetime 300 s, binding U).",
    )
    bootstrap.add_argument(
        "--bootstrap-server",
        type=_server_uri,
        metavar="URI",
        help="the LwM2M server to register with (default coap://HOST:PORT, with --bootstrap-psk coaps://HOST:PORT+1)",
    )
    bootstrap.add_argument(
        "--bootstrap-psk",
        type=psk_argument,
        metavar="IDENTITY:HEXKEY",
        help="security mode PSK with this identity and key (the platform accepts it on its DTLS port)",
    )
    bootstrap.add_argument(
        "--bootstrap-lifetime", type=_positive, metavar="S", help="registration lifetime (default 300)"
    )
    bootstrap.add_argument("--bootstrap-binding", choices=("U", "UQ"), help="U, or UQ for queue mode (default U)")
    bootstrap.add_argument("--bootstrap-ssid", type=_short_server_id, metavar="N", help="short server ID (default 1)")
    bootstrap.add_argument("--bootstrap-pmin", type=_seconds, metavar="S", help="default minimum period (default 1)")
    bootstrap.add_argument("--bootstrap-pmax", type=_seconds, metavar="S", help="default maximum period (default 60)")
    bootstrap.add_argument(
        "--bootstrap-no-storing",
        dest="bootstrap_storing",
        action="store_false",
        default=None,
        help="notification storing off (default on)",
    )
    return parser


_BOOTSTRAP_FIELDS = {
    "bootstrap_server": "server_uri",
    "bootstrap_lifetime": "lifetime",
    "bootstrap_binding": "binding",
    "bootstrap_ssid": "short_server_id",
    "bootstrap_pmin": "default_pmin",
    "bootstrap_pmax": "default_pmax",
    "bootstrap_storing": "notification_storing",
}


def bootstrap_config(options: argparse.Namespace) -> BootstrapConfig | None:
    """The profile's bootstrap configuration with the ``--bootstrap-*`` options applied; None without
    any (the platform then uses the profile's own). ValueError for values that do not go together."""
    given = {field: getattr(options, option) for option, field in _BOOTSTRAP_FIELDS.items()}
    changes: dict[str, Any] = {field: value for field, value in given.items() if value is not None}
    if options.bootstrap_psk is not None:
        identity, key = options.bootstrap_psk
        changes.update(security_mode=SECURITY_PSK, psk_identity=identity, psk_key=key)
    if not changes:
        return None
    return dataclasses.replace(get_profile(options.profile).bootstrap_config(), **changes)


def platform_from_options(options: argparse.Namespace) -> Platform:
    """The (not yet started) platform the command line describes."""
    return Platform(
        host=options.host,
        port=options.platform_port,
        profile=options.profile,
        psk_store=dict(options.psk),
        bootstrap=bootstrap_config(options),
        queue_awake=options.queue_awake,
        retransmit=options.retransmit,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        platform = platform_from_options(options)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        return asyncio.run(run(platform))
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a busy port names itself
        print(f"qlaterm-platform: error: {exc.strerror or exc} (--platform-port)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
