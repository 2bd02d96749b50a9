"""Benchmarks that drive the simulated module the way the console does: bytes in, parsed lines out.

* AT round trip, in-process: ``AT\\r`` fed to ``qlaterm.sim.module.Module`` until ``OK`` has been framed and parsed.
* register → ``+QLAREG: 0`` over loopback UDP against the bundled platform, deregistering between rounds
  (and the same with DTLS-PSK, with the handshake time), under the ``ideal`` network; and the same under
  ``good``, where the figure sits near its physical floor of a few one-way delays.
* server read → ``+QLAURC: "read"`` → ``AT+QLARDRSP`` → value at the server (the simulator's part: the
  terminal answers at once).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from qlaterm.at.parse import Event, Info, Urc
from qlaterm.platform.fairness import RegistrationBudget

from .common import Bar, Result, percentile
from .terminal import Terminal, is_ok, is_result, is_urc

ROUND_TRIP = "AT round trip, in-process sim"
ROUND_TRIP_BAR = Bar("p50 ≤ 1 ms", 1.0)
REGISTER = "register → +QLAREG: 0, loopback UDP"
REGISTER_BAR = Bar("p50 ≤ 20 ms", 20.0)
REGISTER_GOOD = "register → +QLAREG: 0, good network (100-300 ms each way)"
REGISTER_GOOD_BAR = Bar("p50 ≤ 1000 ms (two one-way delays and the AT answer: ~0.45 s)", 1000.0)
REGISTER_DTLS = "register → +QLAREG: 0, DTLS-PSK"
REGISTER_DTLS_BAR = Bar("p50 ≤ 60 ms", 60.0)
READ = "server read → URC → answer → value at server, sim part"
READ_BAR = Bar("p50 ≤ 10 ms", 10.0)

ENDPOINT = "bench-ep"


def sim_classes() -> tuple[type, type]:
    """The simulator's Module and Platform, imported when a benchmark needs them (``bench parse`` does not);
    the network's own log lines are silenced so that only the figures are printed."""
    from qlaterm.platform.server import Platform
    from qlaterm.sim.module import Module

    _quiet()
    return Module, Platform


async def at_round_trips(terminal: Terminal, samples: int, warmup: int) -> list[float]:
    """Milliseconds of ``AT`` → ``OK`` exchanges through ``terminal``, after ``warmup`` unmeasured ones."""
    times = []
    for i in range(warmup + samples):
        elapsed, event = await terminal.send("AT", is_ok)
        if not is_ok(event):
            raise RuntimeError(f"AT answered {event}")
        if i >= warmup:
            times.append(elapsed * 1000)
    return times


def _quiet() -> None:
    for name in ("coap", "coap-server", "sim", "aiocoap"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _attach(module: Any) -> Terminal:
    terminal = Terminal(module.feed)
    module.attach(terminal.received)
    return terminal


def _zero(event: Event) -> bool:
    return isinstance(event, Info) and event.fields[:1] == (0,)


# -------------------------------------------------------------------------------------------- round trip

def round_trip(samples: int = 3000, warmup: int = 200) -> Result:
    module_class, _platform = sim_classes()
    return asyncio.run(_round_trip(module_class, samples, warmup))


async def _round_trip(module_class: type, samples: int, warmup: int) -> Result:
    module = module_class(network="ideal")
    terminal = _attach(module)
    await module.start()
    try:
        times = await at_round_trips(terminal, samples, warmup)
    finally:
        await module.close()
    return Result(ROUND_TRIP, ROUND_TRIP_BAR, percentile(times, 50), "ms p50",
                  f"{samples} x AT→OK, echo on; p90 {percentile(times, 90):.3f} ms, p99 {percentile(times, 99):.3f} ms")


# -------------------------------------------------------------------------------------------- registration

class _Rig:
    """The bundled platform on a free loopback port and one module configured for it."""

    def __init__(self, module_class: type, platform_class: type, security: int = 3,
                 psk: tuple[str, str] | None = None, network: str = "ideal") -> None:
        self.security = security
        self.psk = psk
        store = {psk[0]: bytes.fromhex(psk[1])} if psk else None
        # every Register admitted: the rounds time one registration, not the platform's per-endpoint budget
        budget = RegistrationBudget(rate=1_000.0, burst=1_000)
        self.platform = platform_class(host="127.0.0.1", port=0, profile="generic", psk_store=store,
                                       registration_budget=budget)
        self.module = module_class(network=network)
        self.terminal = _attach(self.module)

    async def __aenter__(self) -> _Rig:
        await self.platform.start()
        attached = self.terminal.expect(lambda e: isinstance(e, Urc | Info) and e.name == "+IP")
        await self.module.start()
        # as an MCU driver does: register once the cell has attached (at once under ideal, seconds under good)
        await self.terminal.until(attached, "the attach (+IP:)", timeout=60)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.module.close()
        finally:
            await self.platform.stop()

    async def command(self, line: str, wanted: Any = is_ok, timeout: float = 5.0) -> tuple[float, Event]:
        elapsed, event = await self.terminal.send(line, wanted, timeout)
        ok = is_ok(event) if wanted is is_ok else _zero(event)
        if not ok:
            raise RuntimeError(f"{line} gave {event}; last lines {list(self.terminal.recent)}")
        return elapsed, event

    async def configure(self) -> None:
        if self.security == 0 and self.psk:
            port = self.platform.port + 1  # the platform's coaps transport sits on port+1
            line = (f'AT+QLACONFIG=0,"127.0.0.1",{port},"{ENDPOINT}",300,0,"{self.psk[0]}","{self.psk[1]}"')
        else:
            line = f'AT+QLACONFIG=0,"127.0.0.1",{self.platform.port},"{ENDPOINT}",300,3'
        await self.command(line)


def register(rounds: int = 40, warmup: int = 3) -> Result:
    module_class, platform_class = sim_classes()
    return asyncio.run(_register(_Rig(module_class, platform_class), REGISTER, REGISTER_BAR, rounds, warmup))


def register_good(rounds: int = 8, warmup: int = 1) -> Result:
    """Registration as an NB-IoT cell in good coverage carries it: the Register out, its response back,
    each datagram 100-300 ms on the way, and the module's 20-40 ms answer to AT+QLAREG."""
    module_class, platform_class = sim_classes()
    rig = _Rig(module_class, platform_class, network="good")
    return asyncio.run(_register(rig, REGISTER_GOOD, REGISTER_GOOD_BAR, rounds, warmup))


def register_dtls(rounds: int = 20, warmup: int = 2) -> Result:
    module_class, platform_class = sim_classes()
    rig = _Rig(module_class, platform_class, security=0, psk=("bench-id", "00112233445566778899aabbccddeeff"))
    return asyncio.run(_register(rig, REGISTER_DTLS, REGISTER_DTLS_BAR, rounds, warmup))


async def _register(rig: _Rig, name: str, bar: Bar, rounds: int, warmup: int) -> Result:
    async with rig:
        await rig.configure()
        times = []
        for i in range(warmup + rounds):
            elapsed, _ = await rig.command("AT+QLAREG", is_result("+QLAREG"), timeout=30)
            if i >= warmup:
                times.append(elapsed * 1000)
            await rig.command("AT+QLADEREG", is_result("+QLADEREG"), timeout=30)
        handshake = _handshake_detail(rig)
    return Result(name, bar, percentile(times, 50), "ms p50",
                  f"{rounds} rounds, AT+QLADEREG between; p90 {percentile(times, 90):.1f} ms, max {max(times):.1f} ms"
                  + handshake)


def _handshake_detail(rig: _Rig) -> str:
    """With DTLS: the handshakes the platform completed (one per registration), as a figure of their own."""
    if rig.security != 0:
        return ""
    from qlaterm.lwm2m.dtls import dtls_transport_of

    transport = dtls_transport_of(rig.platform._ctx)
    records = list(transport.handshakes) if transport is not None else []
    if not records:
        return ""
    times = [r.seconds * 1000 for r in records]
    return (f"; handshake p50 {percentile(times, 50):.2f} ms (server side, {len(times)} full handshakes, "
            f"{records[-1].cipher}, {records[-1].version})")


# -------------------------------------------------------------------------------------------- server read

def read_answer(samples: int = 200, warmup: int = 10) -> Result:
    module_class, platform_class = sim_classes()
    return asyncio.run(_read_answer(_Rig(module_class, platform_class), samples, warmup))


async def _read_answer(rig: _Rig, samples: int, warmup: int) -> Result:
    import time

    async with rig:
        await rig.configure()
        await rig.command("AT+QLAADDOBJ=19,0,1,0", is_result("+QLAADDOBJ"))
        await rig.command("AT+QLAREG", is_result("+QLAREG"), timeout=30)
        await rig.platform.wait_for_registration(ENDPOINT)
        times = []
        for i in range(warmup + samples):
            value = f"v{i:05d}"
            urc = rig.terminal.expect(is_urc("read"))
            start = time.perf_counter()
            read = asyncio.create_task(rig.platform.read(ENDPOINT, "/19/0/0"))
            event = await rig.terminal.until(urc, "server read")
            if not isinstance(event, Urc) or event.mid is None:
                raise RuntimeError(f"expected a read URC, got {event}")
            await rig.command(f'AT+QLARDRSP={event.mid},1,19,0,0,1,{len(value)},"{value}",0')
            result = await asyncio.wait_for(read, 10)
            elapsed = time.perf_counter() - start
            if not result.ok or result.value != value:
                raise RuntimeError(f"the server read {result} / {result.value!r}, expected {value!r}")
            if i >= warmup:
                times.append(elapsed * 1000)
    return Result(READ, READ_BAR, percentile(times, 50), "ms p50",
                  f"{samples} reads of /19/0/0 answered at once; p90 {percentile(times, 90):.1f} ms")
