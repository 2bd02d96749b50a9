"""Benchmarks that drive the simulated module the way the console does: bytes in, parsed lines out.

* AT round trip, in-process: ``AT\\r`` fed to ``sim.module.Module`` until ``OK`` has been framed and parsed.
* register → ``+QLAREG: 0`` over loopback UDP against the bundled platform, deregistering between rounds.

Each skips with the reason when the simulator or the platform cannot be imported yet.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from qlaterm.at.framing import LineFramer
from qlaterm.at.parse import Event, Final, Info, parse_line

from .common import Bar, Result, percentile, skipped

ROUND_TRIP = "AT round trip, in-process sim"
ROUND_TRIP_BAR = Bar("p50 ≤ 1 ms", 1.0)
REGISTER = "register → +QLAREG: 0, loopback UDP"
REGISTER_BAR = Bar("p50 ≤ 20 ms", 20.0)

Predicate = Callable[[Event], bool]


class Terminal:
    """The console's side of an in-memory link: frames and parses what the module writes."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self._framer = LineFramer()
        self._waiting: tuple[Predicate, asyncio.Future[Event]] | None = None
        self.recent: deque[str] = deque(maxlen=20)
        module.attach(self._received)

    def _received(self, data: bytes) -> None:
        for line in self._framer.feed(data):
            self.recent.append(line.text)
            if self._waiting is None:
                continue
            wanted, future = self._waiting
            event = parse_line(line)
            if not future.done() and (wanted(event) or (isinstance(event, Final) and not event.ok)):
                future.set_result(event)

    async def send(self, command: str, wanted: Predicate, timeout: float = 5.0) -> tuple[float, Event]:
        """Seconds from feeding ``command`` to the first event ``wanted`` accepts (or an error final)."""
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._waiting = (wanted, future)
        start = time.perf_counter()
        self.module.feed(command.encode() + b"\r")
        try:
            event = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise RuntimeError(f"{command}: nothing after {timeout} s; last lines {list(self.recent)}") from None
        finally:
            self._waiting = None
        return time.perf_counter() - start, event


def _is_ok(event: Event) -> bool:
    return isinstance(event, Final) and event.ok


def _is_result(name: str) -> Predicate:
    return lambda event: isinstance(event, Info) and event.name == name


def _load_module() -> tuple[type | None, str]:
    try:
        from sim.module import Module
    except Exception as exc:  # not written yet, or broken mid-change: say why instead of failing
        return None, f"sim.module.Module not available: {type(exc).__name__}: {exc}"
    return Module, ""


def _load_platform() -> tuple[type | None, str]:
    try:
        from sim.lwm2m.server import Platform
    except Exception as exc:
        return None, f"sim.lwm2m.server.Platform not available: {type(exc).__name__}: {exc}"
    return Platform, ""


def round_trip(samples: int = 3000, warmup: int = 200) -> Result:
    module_class, why = _load_module()
    if module_class is None:
        return skipped(ROUND_TRIP, ROUND_TRIP_BAR, why)
    return asyncio.run(_round_trip(module_class, samples, warmup))


async def _round_trip(module_class: type, samples: int, warmup: int) -> Result:
    module = module_class()
    terminal = Terminal(module)
    await module.start()
    try:
        times = []
        for i in range(warmup + samples):
            elapsed, event = await terminal.send("AT", _is_ok)
            if not _is_ok(event):
                raise RuntimeError(f"AT answered {event}")
            if i >= warmup:
                times.append(elapsed * 1000)
    finally:
        await module.close()
    p50 = percentile(times, 50)
    return Result(ROUND_TRIP, ROUND_TRIP_BAR, p50, "ms p50",
                  f"{samples} x AT→OK, echo on; p90 {percentile(times, 90):.3f} ms, p99 {percentile(times, 99):.3f} ms")


def register(rounds: int = 40, warmup: int = 3) -> Result:
    module_class, why = _load_module()
    if module_class is None:
        return skipped(REGISTER, REGISTER_BAR, why)
    platform_class, why = _load_platform()
    if platform_class is None:
        return skipped(REGISTER, REGISTER_BAR, why)
    logging.getLogger("coap").setLevel(logging.ERROR)
    return asyncio.run(_register(module_class, platform_class, rounds, warmup))


async def _register(module_class: type, platform_class: type, rounds: int, warmup: int) -> Result:
    platform = platform_class(host="127.0.0.1", port=0, profile="generic")
    await platform.start()
    module = module_class()
    terminal = Terminal(module)
    try:
        await module.start()
        config = f'AT+QLACONFIG=0,"127.0.0.1",{platform.port},"bench-ep",300,3'
        _, event = await terminal.send(config, _is_ok)
        if not _is_ok(event):
            raise RuntimeError(f"{config} answered {event}")
        times = []
        for i in range(warmup + rounds):
            elapsed, event = await terminal.send("AT+QLAREG", _is_result("+QLAREG"), timeout=30)
            if not (isinstance(event, Info) and event.fields == (0,)):
                raise RuntimeError(f"AT+QLAREG gave {event}; last lines {list(terminal.recent)}")
            if i >= warmup:
                times.append(elapsed * 1000)
            _, event = await terminal.send("AT+QLADEREG", _is_result("+QLADEREG"), timeout=30)
            if not (isinstance(event, Info) and event.fields == (0,)):
                raise RuntimeError(f"AT+QLADEREG gave {event}; last lines {list(terminal.recent)}")
    finally:
        await module.close()
        await platform.stop()
    p50 = percentile(times, 50)
    return Result(REGISTER, REGISTER_BAR, p50, "ms p50",
                  f"{rounds} rounds, AT+QLADEREG between; p90 {percentile(times, 90):.1f} ms, "
                  f"max {max(times):.1f} ms")
