"""AT round trip over a pseudo-terminal: ``qlaterm-sim --pty`` in its own process, the console's serial
transport (pyserial-asyncio) on this side, ``AT\\r`` until ``OK`` has been framed and parsed."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from .common import Bar, Result, percentile, skipped
from .sim_bench import at_round_trips
from .terminal import Terminal

NAME = "AT round trip, pty + pyserial-asyncio"
BAR = Bar("p50 ≤ 5 ms", 5.0)


def pty_round_trip(samples: int = 1000, warmup: int = 50) -> Result:
    if not sys.platform.startswith(("linux", "darwin")):
        return skipped(NAME, BAR, "no pseudo-terminals on this platform")
    try:
        import serial_asyncio  # noqa: F401

        from qlaterm.link.serial import SerialTransport
        from qlaterm.sim import serve  # noqa: F401
    except Exception as exc:
        return skipped(NAME, BAR, f"serial link or qlaterm-sim not available: {type(exc).__name__}: {exc}")
    return asyncio.run(_pty_round_trip(SerialTransport, samples, warmup))


async def _pty_round_trip(transport_class: type, samples: int, warmup: int) -> Result:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qlaterm.simulator", "--pty", "--no-server", "--network", "ideal",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    transport = None
    try:
        assert proc.stdout is not None
        first = await asyncio.wait_for(proc.stdout.readline(), 30)
        path = first.decode().strip()
        if not path:
            err = (await proc.stderr.read()).decode() if proc.stderr else ""
            raise RuntimeError(f"qlaterm-sim --pty printed no device path: {err.strip()}")
        transport = transport_class(path)
        terminal = Terminal(transport.write)
        await transport.open(terminal.received, lambda status: None)
        times = await at_round_trips(terminal, samples, warmup)
    finally:
        if transport is not None:
            await transport.close()
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                with contextlib.suppress(Exception):
                    await proc.wait()
    return Result(NAME, BAR, percentile(times, 50), "ms p50",
                  f"{samples} x AT→OK through {path}; p90 {percentile(times, 90):.2f} ms")
