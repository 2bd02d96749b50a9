"""A subprocess whose output is read line by line and waited on by regex, shared by the peer drivers.

Output is read continuously into :attr:`LineProcess.lines` (a full record for failure messages).
:meth:`LineProcess.command` looks for its answer only in the output that follows the command;
:meth:`LineProcess.wait_for` looks at every line it has not matched before, including lines printed
while a command was running, so an asynchronous event is found whether it came before or after the call.
Waiting is always for an event (a line); the timeout is only a safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class PeerError(AssertionError):
    """A peer did not answer as expected; the message carries its recent output."""


class LineProcess:
    """One peer program run as a subprocess, stdout and stderr merged and split into lines.

    Subclasses set :attr:`prompt` for interactive programs that print a prompt without a newline:
    the prompt is stripped from the start of every line, and :meth:`wait_prompt` waits for it.
    stdin stays open while the program runs (some peers spin when it closes); :meth:`stop` kills.
    """

    prompt: str | None = None

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.returncode: int | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self._partial = ""
        self._prompt_seen = False
        self._eof = False
        self._wait_cursor = 0
        self._prompt_re = re.compile(rf"^(?:{re.escape(self.prompt)}\s?)+") if self.prompt else None

    # -- life cycle -------------------------------------------------------------------------------
    async def _spawn(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        """Start *argv* and begin reading its output."""
        self._proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read_loop(), name=f"{self.name} reader")

    @property
    def running(self) -> bool:
        """True while the program has been started and has not exited."""
        return self._proc is not None and self._proc.returncode is None

    async def stop(self) -> None:
        """Kill the program and collect its exit status; safe to call more than once."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        self.returncode = await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if proc.stdin is not None:
            proc.stdin.close()

    async def __aenter__(self) -> LineProcess:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- reading ----------------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        """Split the output into lines and wake every waiter on new output."""
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        while True:
            chunk = await stdout.read(65536)
            async with self._changed:
                if not chunk:
                    if self._partial:
                        self._add_line(self._partial)
                        self._partial = ""
                    self._eof = True
                    self._changed.notify_all()
                    return
                text = self._partial + chunk.decode("utf-8", errors="replace")
                if self.prompt and self.prompt in text:
                    self._prompt_seen = True
                *complete, self._partial = text.split("\n")
                for line in complete:
                    self._add_line(line)
                self._changed.notify_all()

    def _add_line(self, raw: str) -> None:
        line = raw.rstrip("\r")
        if self._prompt_re is not None:
            line = self._prompt_re.sub("", line)
        self.lines.append(line)

    def output(self, tail: int | None = None) -> str:
        """The program's output so far (the last *tail* lines if given), for failure messages."""
        lines = self.lines if tail is None else self.lines[-tail:]
        return "\n".join(lines)

    async def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait until *predicate()* holds; raise :class:`PeerError` on timeout or program exit."""

        def done() -> bool:
            return predicate() or self._eof

        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(done), timeout)
        except TimeoutError:
            raise PeerError(f"{self.name}: no {what} within {timeout} s; output:\n{self.output(80)}") from None
        if not predicate():
            raise PeerError(f"{self.name} exited before {what}; output:\n{self.output(80)}")

    def _find(self, pattern: re.Pattern[str], start: int) -> tuple[int, re.Match[str]] | None:
        for index in range(start, len(self.lines)):
            match = pattern.search(self.lines[index])
            if match:
                return index, match
        return None

    async def wait_prompt(self, timeout: float = 20) -> None:
        """Wait until the program has printed its prompt at least once (it is then reading stdin)."""
        await self._wait(lambda: self._prompt_seen, timeout, "prompt")

    # -- the public conversation ------------------------------------------------------------------
    async def send(self, line: str) -> None:
        """Write one line to the program's stdin without waiting for anything."""
        if self._proc is None or self._proc.stdin is None:
            raise PeerError(f"{self.name} is not running")
        self._proc.stdin.write(line.encode() + b"\n")
        await self._proc.stdin.drain()

    async def command(self, line: str, expect: str, timeout: float = 10) -> str:
        """Send *line* and return the output that follows it, up to and including the first line that
        matches the regex *expect* (``re.search``)."""
        pattern = re.compile(expect)
        start = len(self.lines)
        await self.send(line)
        found: list[int] = []

        def matched() -> bool:
            hit = self._find(pattern, start)
            if hit:
                found.append(hit[0])
            return hit is not None

        await self._wait(matched, timeout, f"line matching {expect!r} after {line!r}")
        return "\n".join(self.lines[start : found[0] + 1])

    async def wait_for(self, regex: str, timeout: float = 10) -> re.Match[str]:
        """The first not yet matched output line that matches *regex*, waiting for it if needed.

        Each call consumes the lines up to its match, so two calls with the same regex find two
        different lines.
        """
        pattern = re.compile(regex)
        found: list[tuple[int, re.Match[str]]] = []

        def matched() -> bool:
            hit = self._find(pattern, self._wait_cursor)
            if hit:
                found.append(hit)
            return hit is not None

        await self._wait(matched, timeout, f"line matching {regex!r}")
        index, match = found[0]
        self._wait_cursor = index + 1
        return match
