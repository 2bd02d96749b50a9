"""`qlaterm-platform`: the bundled LwM2M server on its own, driven one command per line.

    qlaterm-platform --platform-port 5683 --profile aep
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
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from qlaterm.lwm2m.formats import ContentFormat
from qlaterm.lwm2m.paths import format_path, parse_path
from qlaterm.platform.model import (
    CoapRecord,
    Event,
    OperationDone,
    PlatformError,
    Result,
)
from qlaterm.platform.options import add_platform_options
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


async def run(host: str, port: int, profile: str) -> int:
    """Serve until `quit` or end of input."""
    platform = Platform(host=host, port=port, profile=profile)
    await platform.start()

    def out(text: str) -> None:
        print(text, flush=True)

    shell = PlatformShell(platform, out)
    shell.attach()
    out(f"platform listening on {host}:{platform.port} profile={platform.profile.name} (help for commands)")
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
        port_help="UDP port (default 5683, 0 = any free port)",
        profile_help="platform behaviour",
        old_port_flag="--port",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        return asyncio.run(run(options.host, options.platform_port, options.profile))
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # a busy port names itself
        print(f"qlaterm-platform: error: {exc.strerror or exc} (--platform-port)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
