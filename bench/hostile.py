"""The console against a device that floods, spews garbage and disconnects, over a pty and over TCP.

The device is a pseudo-terminal (the console opens its slave by a symlink, as it opens a USB adapter) or a
raw TCP server (the console connects to ``socket://127.0.0.1:PORT``, as to ser2net), served in this
process by the simulator's own links.  It answers ``OK`` to every line the console sends and otherwise
does what a broken or hostile module would:

1. a first flood of URCs mixed with random bytes (line ends included), then it disconnects: the pty
   hangs up and its device node goes, or the TCP server drops the connection and stops listening;
2. a moment later it is back on the same path or port;
3. a second flood, 2,000 lines a second for ``seconds``, carrying 1,000 ``+QLAURC: "read"`` requests with
   distinct message IDs among pings, acks and garbage, while keys are typed into the command line;
4. a last line that the transcript must show at its end.

The console runs headless (Textual's Pilot) on its serial transport.  Key latency is the time from posting
a key to the command line holding it (the max over the keys typed during the second flood).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import Bar, Result
from .keys import key_latencies

LINES_PER_SECOND = 2_000
SLICE = 0.02
"""The flood goes out in slices of this many seconds (40 lines at 2,000 lines a second)."""
LAST_LINE = '+QLAURC: "report_ack",0,4242'
KEY_BAR = Bar("≤ 100 ms", 0.100)


class HostileDevice:
    """What the device writes: URCs, reads with distinct message IDs, garbage; ``OK`` to each line heard."""

    def __init__(self, seed: int = 12) -> None:
        self.rng = random.Random(seed)
        self.link: Any = None
        self._heard = bytearray()
        self.written = 0

    def heard(self, data: bytes) -> None:
        """The console wrote ``data``: every line it ends (CR) is answered ``OK``, as by a module."""
        self._heard += data
        while (end := self._heard.find(b"\r")) >= 0:
            del self._heard[: end + 1]
            self.write(b"\r\nOK\r\n")

    def write(self, data: bytes) -> None:
        if self.link is not None:
            self.link.write(data)
            self.written += len(data)

    def garbage(self) -> bytes:
        """Random bytes, line ends and NULs among them, closed by a line end (the next URC starts clean)."""
        return self.rng.randbytes(self.rng.randint(1, 120)) + b"\r\n"

    def slice(self, lines: int, reads: list[int]) -> bytes:
        """``lines`` lines of flood; the message IDs in ``reads`` go out first, one in every four lines."""
        out = []
        for n in range(lines):
            pick = n % 4
            if pick == 0 and reads:
                out.append(b'\r\n+QLAURC: "read",%d,19,0,0\r\n' % reads.pop(0))
            elif pick == 1:
                out.append(self.garbage())
            elif pick == 2:
                out.append(b'\r\n+QLAURC: "ping",0\r\n')
            else:
                out.append(b'\r\n+QLAURC: "report_ack",0,%d\r\n' % self.rng.randrange(65536))
        return b"".join(out)

    async def flood(self, seconds: float, reads: list[int], *, until: Callable[[], bool] | None = None) -> None:
        """Flood at LINES_PER_SECOND for ``seconds`` (and until ``until()`` holds, if given)."""
        started = time.perf_counter()
        sent = 0
        lines = round(LINES_PER_SECOND * SLICE)
        while time.perf_counter() - started < seconds or reads or (until is not None and not until()):
            self.write(self.slice(lines, reads))
            sent += lines
            await asyncio.sleep(max(0.0, started + sent / LINES_PER_SECOND - time.perf_counter()))


class _Side:
    """The device's end of the line: a pty with a symlink, or a TCP server; closed and opened again on the
    same path or port."""

    def __init__(self, kind: str, directory: Path) -> None:
        self.kind = kind
        self.path = directory / "bc26"
        self.port = 0
        self.link: Any = None

    async def open(self, device: HostileDevice) -> None:
        from qlaterm.sim.serve import PtyLink, TcpLink

        self.link = PtyLink(self.path) if self.kind == "pty" else TcpLink("127.0.0.1", self.port)
        await self.link.open(device.heard)
        if self.kind == "tcp":
            self.port = int(self.link.address.rsplit(":", 1)[1])
        device.link = self.link

    @property
    def url(self) -> str:
        return str(self.path) if self.kind == "pty" else f"socket://127.0.0.1:{self.port}"

    async def close(self, device: HostileDevice) -> None:
        device.link = None
        await self.link.close()


async def _stage(what: str, waiting: Any) -> Any:
    """``waiting``, with the stage that timed out named in the error."""
    try:
        return await waiting
    except TimeoutError:
        raise TimeoutError(f"waiting for {what}") from None


async def _against(kind: str, requests: int, seconds: float, keys: int) -> dict[str, Any]:

    from qlaterm.link.base import LinkState, LinkStatus
    from qlaterm.link.serial import SerialTransport
    from qlaterm.ui.app import QlatermApp
    from qlaterm.ui.requests import RequestsPane

    from .soak import watched

    figures: dict[str, Any] = {"crash": "", "connected": 0, "latencies": [0.0]}

    def link_is(state: LinkState) -> Callable[[object], bool]:
        return lambda e: isinstance(e, LinkStatus) and e.state is state

    with tempfile.TemporaryDirectory() as directory, watched() as failures:
        device, side = HostileDevice(), _Side(kind, Path(directory))
        await side.open(device)
        app = QlatermApp(SerialTransport(side.url, retry=0.05, max_retry=0.2))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                app.session.subscribe(lambda e: figures.__setitem__(
                    "connected", figures["connected"] + link_is(LinkState.CONNECTED)(e)))
                if app.state.link.state is not LinkState.CONNECTED:
                    await _stage("first connection", app.session.wait_for(link_is(LinkState.CONNECTED), timeout=30))
                figures["connected"] = 1
                await side.link.terminal.wait()
                await device.flood(min(seconds, 1.0), [])  # the first flood, then the device goes
                lost = asyncio.ensure_future(app.session.wait_for(link_is(LinkState.LOST), timeout=30))
                await side.close(device)
                await _stage("the link lost", lost)
                back = asyncio.ensure_future(app.session.wait_for(link_is(LinkState.CONNECTED), timeout=30))
                await side.open(device)
                await _stage("the link back", back)
                await side.link.terminal.wait()

                command = app.query_one("#command-input")
                pending = list(range(1, requests + 1))
                flood = asyncio.ensure_future(device.flood(seconds, pending))
                latencies = await key_latencies(command, keys, seconds / (keys + 1))
                await flood
                figures["latencies"] = latencies or [0.0]
                # the device's output is bounded as a UART's is: a line written while it is full is dropped
                # (and counted), so the last line is written again until the console shows it
                for _ in range(30):
                    last = asyncio.ensure_future(app.session.wait_for(
                        lambda e: getattr(e, "text", None) == LAST_LINE, timeout=1))
                    device.write(b"\r\n" + LAST_LINE.encode() + b"\r\n")
                    try:
                        await last
                        break
                    except TimeoutError:
                        continue
                else:
                    raise TimeoutError("waiting for the last line")
                deadline = time.perf_counter() + 30
                while len(app.state.requests) < requests and time.perf_counter() < deadline:
                    await pilot.pause(0.05)
                transcript = app.transcript
                transcript.flush()
                await pilot.pause()
                top = round(transcript.scroll_y)
                figures["newest"] = (LAST_LINE in transcript.lines[-1]
                                     and len(transcript.lines) - 1 < top + transcript.scrollable_content_region.height)
                figures["requests"] = len(app.state.requests)
                figures["subtitle"] = str(app.query_one(RequestsPane).border_subtitle or "")
                figures["bytes"] = device.written
                await side.close(device)
        except Exception as exc:  # the console died (its exception surfaces when the Pilot ends)
            figures["crash"] = f"{type(exc).__name__}: {exc}"
        figures["tracebacks"] = failures.tracebacks + bool(figures["crash"])
    return figures


def console_against_hostile(requests: int = 1_000, seconds: float = 30.0, keys: int = 60) -> list[Result]:
    """For a pty and for TCP: crashes, reconnections, the newest line shown, the requests held, key latency."""
    results = []
    for kind, label in (("pty", "pty"), ("tcp", "TCP")):
        f = asyncio.run(_against(kind, requests, seconds, keys))
        name = f"console vs a hostile device over {label}"
        latencies = sorted(f["latencies"])
        results += [
            Result(f"{name}: crashes and tracebacks", Bar("0", 0), f["tracebacks"], detail=f["crash"]),
            Result(f"{name}: reconnected after the device went", Bar("1", 1, at_least=True),
                   max(f["connected"] - 1, 0)),
            Result(f"{name}: newest line shown", Bar("1", 1, at_least=True), float(f.get("newest", False))),
            Result(f"{name}: requests held", Bar(f"{requests:,}", requests, at_least=True), f.get("requests", 0),
                   detail=f.get("subtitle", "")),
            Result(f"{name}: key latency", KEY_BAR, latencies[-1], "s",
                   f"max of {len(f['latencies'])} keys, p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
                   f"{f.get('bytes', 0) / 1e6:.1f} MB of flood"),
        ]
    return results
