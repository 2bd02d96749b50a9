"""Driving a simulated module the way a terminal does: bytes in, lines out, wait for the line you expect.

Tests never sleep: ``command`` returns when the final result code arrives, ``expect`` when a matching line
arrives (with a timeout only as a safety net, failing with everything received so far).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qlaterm.at.framing import LineFramer
from qlaterm.sim.module import Module
from qlaterm.sim.nvm import Nvm

if TYPE_CHECKING:
    from qlaterm.platform.observation import Observation
    from qlaterm.platform.server import Platform

FINAL = re.compile(r"^(OK|ERROR|\+CMEE? ERROR:.*)$")


@dataclass
class ModuleDriver:
    """A terminal attached to a Module: everything it printed, split into lines."""

    module: Module
    lines: list[str] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    _framer: LineFramer = field(default_factory=LineFramer)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _read: int = 0

    def write(self, data: bytes) -> None:
        self.raw += data
        new = [line.text for line in self._framer.feed(data)]
        if new:
            self.lines.extend(new)
            asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._arrived:
            self._arrived.notify_all()

    def send(self, text: str, terminator: bytes = b"\r") -> None:
        self.module.feed(text.encode() + terminator)

    async def next_line(self, timeout: float = 5.0) -> str:
        """The next line not yet consumed."""
        async with asyncio.timeout(timeout):
            async with self._arrived:
                await self._arrived.wait_for(lambda: self._read < len(self.lines))
        line = self.lines[self._read]
        self._read += 1
        return line

    async def command(self, text: str, timeout: float = 5.0) -> list[str]:
        """Send a command line; return the lines up to and including its final result code (echo dropped)."""
        self.send(text)
        out: list[str] = []
        try:
            while True:
                line = await self.next_line(timeout)
                if line == text and not out:
                    continue
                out.append(line)
                if FINAL.match(line):
                    return out
        except TimeoutError:
            raise AssertionError(f"no final result code for {text!r}; got {out!r}; all: {self.lines!r}") from None

    async def expect(self, pattern: str, timeout: float = 5.0) -> re.Match[str]:
        """Consume lines until one matches ``pattern`` (a regex, full match); fail with what came instead."""
        skipped: list[str] = []
        try:
            while True:
                line = await self.next_line(timeout)
                match = re.fullmatch(pattern, line)
                if match:
                    return match
                skipped.append(line)
        except TimeoutError:
            raise AssertionError(f"no line matching {pattern!r}; got {skipped!r}") from None

    def drain(self) -> list[str]:
        """Lines received but not consumed yet."""
        rest = self.lines[self._read :]
        self._read = len(self.lines)
        return rest


@asynccontextmanager
async def running_module(**kwargs: object) -> AsyncIterator[ModuleDriver]:
    """A powered-on Module with its boot banner consumed (out of coverage: up to ``+CPIN: READY``)."""
    kwargs.setdefault("nvm", Nvm(None))
    kwargs.setdefault("network", "ideal")
    module = Module(**kwargs)  # type: ignore[arg-type]
    driver = ModuleDriver(module)
    module.attach(driver.write)
    await module.start()
    await driver.expect(r"\+IP: .*" if module.network.condition.coverage else r"\+CPIN: READY")
    try:
        yield driver
    finally:
        await module.close()


async def observed(d: ModuleDriver, platform: Platform, ep: str, path: str, answer: str) -> Observation:
    """The platform observes ``path`` (``/19/0/0``) and the terminal establishes the observation with
    ``AT+QLAOBSRSP=<mid>,1,<path>,<answer>,0`` (``answer``: ``<value_type>,<len>,<value>``)."""
    fields = path.strip("/").replace("/", ",")
    observe = asyncio.create_task(platform.observe(ep, path))
    mid = (await d.expect(rf'\+QLAURC: "observe",(\d+),0,{fields}')).group(1)
    assert await d.command(f"AT+QLAOBSRSP={mid},1,{fields},{answer},0") == ["OK"]
    await d.expect(r"\+QLAOBSRSP: 0")
    return await observe
