"""Fleet: the bundled platform plus 1,000 simulated modules in one process, headless, all registering at once.

The clock runs from powering the first module to the last ``+QLAREG: 0``; the platform must then hold every
endpoint.  Modules keep their NVM in memory and write to a line watcher instead of a terminal.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

from qlaterm.at.framing import LineFramer

from .common import Bar, Result
from .sim_bench import sim_classes

NAME = "fleet: platform + 1,000 modules, all registered"
BAR = Bar("≤ 10 s", 10.0)
GIVE_UP = 20.0


class _Watcher:
    """One module's output, reduced to the registration result."""

    __slots__ = ("_framer", "done", "result")

    def __init__(self, done: asyncio.Event) -> None:
        self._framer = LineFramer()
        self.done = done
        self.result: str | None = None

    def __call__(self, data: bytes) -> None:
        for line in self._framer.feed(data):
            if line.text.startswith("+QLAREG: "):
                self.result = line.text
                self.done.set()


def fleet(count: int = 1000) -> Result:
    module_class, platform_class = sim_classes()
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    return asyncio.run(_fleet(module_class, platform_class, count))


async def _fleet(module_class: type, platform_class: type, count: int) -> Result:
    platform = platform_class(host="127.0.0.1", port=0, profile="generic")
    await platform.start()
    modules: list[Any] = []
    watchers: list[_Watcher] = []
    try:
        start = time.perf_counter()
        for i in range(count):
            module = module_class(imei=f"86697103{i:07d}", network="ideal")
            watcher = _Watcher(asyncio.Event())
            module.attach(watcher)
            await module.start()
            module.feed(f'ATE0\rAT+QLACONFIG=0,"127.0.0.1",{platform.port},"fleet-{i:04d}",300,3\rAT+QLAREG\r'.encode())
            modules.append(module)
            watchers.append(watcher)
        waiting = [asyncio.create_task(w.done.wait()) for w in watchers]
        _, pending = await asyncio.wait(waiting, timeout=GIVE_UP)
        elapsed = time.perf_counter() - start
        for task in pending:
            task.cancel()
        registered = sum(1 for w in watchers if w.result == "+QLAREG: 0")
        devices = [d for ep, d in platform.devices.items() if ep.startswith("fleet-")]
        on_platform = len(devices)
        addresses = Counter(getattr(d, "address", None) for d in devices)
        shared = sum(n for address, n in addresses.items() if address is not None and n > 1)
    finally:
        await asyncio.gather(*(m.close() for m in modules), return_exceptions=True)
        await platform.stop()
    detail = f"{registered} of {count} answered +QLAREG: 0, the platform holds {on_platform}"
    if shared:
        # Answers to a port that two modules share reach only one of them.
        detail += f"; {shared} modules registered from a UDP port another module also uses"
    if registered < count:
        detail += f"; gave up after {GIVE_UP:.0f} s" if pending else "; some registrations failed"
        return Result(NAME, BAR, max(elapsed, GIVE_UP) if pending else elapsed, "s", detail)
    return Result(NAME, BAR, elapsed, "s", detail)
