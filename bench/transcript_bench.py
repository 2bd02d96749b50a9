"""The console's transcript under a URC flood: 100,000 lines held, 2,000 URC lines/s streaming.

Runs in a fresh interpreter (so RSS is the console's own): the console over the in-process simulator,
headless at 120x40, its transcript pre-filled with 100,000 lines, then URCs fed through the session at
2,000 lines/s in 20 ms slices while keys are typed into the command line.  Key latency is the time from
posting the key to the input holding the character (max over 60 keys, one every 100 ms); RSS is the
process's peak.  ``python -m bench.transcript_bench`` prints both lines.

With 1,000 server requests pending (the requests pane shows the oldest 200), a read more arrives every
100 ms while keys are typed: the same key latency, measured the same way.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

from .common import Bar, Result, skipped

KEY = "transcript key latency under 2,000 URC lines/s"
KEY_BAR = Bar("≤ 100 ms (max of 60 keys, 100,000 lines held)", 0.100)
RSS = "transcript RSS, 100,000 lines held and streaming"
RSS_BAR = Bar("≤ 200 MB", 200.0)
PENDING = "key latency with 1,000 pending requests"
PENDING_BAR = Bar("≤ 100 ms (max of 60 keys, a read more every 100 ms)", 0.100)

_CHILD = r"""
import asyncio, json, resource, time
from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Kind, Traffic
from qlaterm.ui.app import QlatermApp
from bench.keys import key_latencies

async def main():
    app = QlatermApp(InProcTransport(platform_port=None, network="ideal"))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for n in range(100_000):
            app.transcript.add(Traffic(time.time(), Kind.URC, f'+QLAURC: "report_ack",0,{n % 65536}'))
        app.transcript.flush()
        await pilot.pause()
        urcs = [b'\r\n+QLAURC: "ping",0\r\n', b'\r\n+QLAURC: "report_ack",0,1234\r\n']
        stop, sent = False, 0

        async def stream():
            nonlocal sent
            t0 = time.perf_counter()
            while not stop:
                app.session._on_data(b"".join(urcs[i % 2] for i in range(40)))
                sent += 40
                await asyncio.sleep(max(0.0, t0 + sent / 2000 - time.perf_counter()))

        task = asyncio.create_task(stream())
        command = app.query_one("#command-input")
        started = time.perf_counter()
        latencies = await key_latencies(command, 60, 0.1)
        stop = True
        await task
        rate = sent / (time.perf_counter() - started)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"max": max(latencies), "p50": sorted(latencies)[30], "rss": rss, "rate": rate}))

asyncio.run(main())
"""


_PENDING_CHILD = r"""
import asyncio, json, time
from qlaterm.link.inproc import InProcTransport
from qlaterm.ui.app import QlatermApp
from bench.keys import key_latencies

def reads(first, count):
    return b"".join(b'\r\n+QLAURC: "read",%d,19,0,0\r\n' % mid for mid in range(first, first + count))

async def main():
    app = QlatermApp(InProcTransport(platform_port=None, network="ideal"))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for start in range(1, 1001, 100):
            app.session._on_data(reads(start, 100))
            await pilot.pause()
        deadline = time.perf_counter() + 30
        while len(app.state.requests) < 1000 and time.perf_counter() < deadline:
            await pilot.pause(0.05)
        assert len(app.state.requests) == 1000, len(app.state.requests)
        stop, mid = False, 1001

        async def trickle():
            nonlocal mid
            while not stop:
                app.session._on_data(reads(mid, 1))
                mid += 1
                await asyncio.sleep(0.1)

        task = asyncio.create_task(trickle())
        command = app.query_one("#command-input")
        command.focus()
        latencies = await key_latencies(command, 60, 0.05)
        stop = True
        await task
    print(json.dumps({"max": max(latencies), "p50": sorted(latencies)[30], "pending": mid - 1}))

asyncio.run(main())
"""


def _measure(child: str = _CHILD) -> dict[str, float]:
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    proc = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode()[-2000:])
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


@functools.cache
def transcript_flood() -> tuple[Result, Result]:
    """Both figures from one run (cached, so ``key_latency`` and ``rss`` measure once)."""
    try:
        figures = _measure()
    except Exception as exc:
        why = f"{type(exc).__name__}: {exc}"
        return skipped(KEY, KEY_BAR, why), skipped(RSS, RSS_BAR, why)
    detail = f"p50 {figures['p50'] * 1000:.1f} ms, stream {figures['rate']:.0f} lines/s"
    return Result(KEY, KEY_BAR, figures["max"], "s", detail), Result(RSS, RSS_BAR, figures["rss"], "MB")


def key_latency() -> Result:
    return transcript_flood()[0]


def rss() -> Result:
    return transcript_flood()[1]


def pending_requests() -> Result:
    """Key latency with 1,000 server requests waiting for their answers."""
    try:
        figures = _measure(_PENDING_CHILD)
    except Exception as exc:
        return skipped(PENDING, PENDING_BAR, f"{type(exc).__name__}: {exc}")
    detail = f"p50 {figures['p50'] * 1000:.1f} ms, {figures['pending']:.0f} requests pending at the end"
    return Result(PENDING, PENDING_BAR, figures["max"], "s", detail)


if __name__ == "__main__":
    for result in (*transcript_flood(), pending_requests()):
        print(result.line())
