"""Fleet: the bundled platform plus 1,000 simulated modules in one process, headless, all registering at once.

Each module is a full ``sim.module.Module`` with its own LwM2M client and UDP socket, driven through AT
commands exactly as a terminal would; the figure is the time from the first ``AT+QLAREG`` to the last
``+QLAREG: 0``.
"""

from __future__ import annotations

import asyncio
import time

from .common import Bar, Result

BAR = Bar("all of 1,000 modules registered ≤ 10 s", 10.0)
FLEET = 1000


class _Terminal:
    """Collects one module's output and signals when its registration result arrives."""

    def __init__(self) -> None:
        self.text = bytearray()
        self.registered = asyncio.Event()
        self.failed: str | None = None

    def write(self, data: bytes) -> None:
        self.text += data
        if b"+QLAREG: " in data or b"+QLAREG: " in self.text[-64:]:
            tail = bytes(self.text[self.text.rfind(b"+QLAREG: ") :])
            if tail.startswith(b"+QLAREG: 0\r\n"):
                self.registered.set()
            elif b"\r\n" in tail:
                self.failed = tail.split(b"\r\n", 1)[0].decode()
                self.registered.set()


async def _fleet(count: int) -> tuple[float, int]:
    from sim.lwm2m.server import Platform
    from sim.module import Module
    from sim.nvm import Nvm

    async with Platform(port=0) as platform:
        modules: list[Module] = []
        terminals: list[_Terminal] = []
        try:
            for n in range(count):
                module = Module(imei=f"86{n:013d}", nvm=Nvm(None))
                terminal = _Terminal()
                module.attach(terminal.write)
                await module.start()
                module.feed(f'ATE0\rAT+QLACONFIG=0,"127.0.0.1",{platform.port},"fleet-{n}",86400,3\r'.encode())
                modules.append(module)
                terminals.append(terminal)
            started = time.perf_counter()
            for module in modules:
                module.feed(b"AT+QLAREG\r")
            await asyncio.wait_for(asyncio.gather(*(t.registered.wait() for t in terminals)), 60)
            elapsed = time.perf_counter() - started
            ok = sum(1 for t in terminals if t.failed is None) if len(platform.devices) == count else 0
            return elapsed, ok
        finally:
            await asyncio.gather(*(m.close() for m in modules), return_exceptions=True)


def run(count: int = FLEET) -> Result:
    elapsed, ok = asyncio.run(_fleet(count))
    detail = f"{ok}/{count} registered at the platform; {count / elapsed:,.0f} registrations/s"
    figure = elapsed if ok == count else float("inf")
    return Result("fleet: 1,000 modules register", BAR, figure, "s", detail)
