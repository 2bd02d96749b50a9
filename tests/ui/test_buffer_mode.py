"""Buffer mode in the console: drained requests aged from their announcement, a request the module has
answered 5.03 already never offered, and the buffer's count kept current."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from qlaterm.link.inproc import InProcTransport
from qlaterm.state import REQUEST_TIMEOUT
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.requests import RequestsPane
from tests.ui.conftest import Console


class Clock:
    """The console's clock, moved on by the test (the simulator keeps real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@asynccontextmanager
async def buffering_console(clock: Clock) -> AsyncIterator[Console]:
    app = QlatermApp(InProcTransport(platform_port=0, network="ideal"), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        console = Console(app, pilot)
        await console.settle()
        await console.register("AT+QLAADDOBJ=19,0,2,0,1")
        await console.send('AT+QLACFG="access_mode",1')
        await console.settle()
        yield console


async def reads(console: Console, *paths: str) -> list[asyncio.Future[object]]:
    announced = console.urc("buffer")
    pending = [asyncio.ensure_future(console.platform.read("ep1", p, timeout=90)) for p in paths]
    await announced
    await asyncio.sleep(0.3)  # the later reads join the buffer silently
    await console.settle()
    return pending


def rows(console: Console) -> list[str]:
    pane = console.app.query_one(RequestsPane)
    return [str(key.value) for key in pane.rows]


async def test_a_request_drained_after_its_60_s_is_not_offered() -> None:
    clock = Clock()
    async with buffering_console(clock) as console:
        pending = await reads(console, "/19/0/0")
        clock.offset += REQUEST_TIMEOUT + 5  # as the console sees it, the request waited 65 s in the buffer
        await console.pilot.press("ctrl+r")
        await console.settle()
        assert not console.state.requests and rows(console) == []
        assert "expired" in console.transcript_text()
        for p in pending:
            p.cancel()


async def test_a_drained_request_shows_its_age_since_the_announcement() -> None:
    clock = Clock()
    async with buffering_console(clock) as console:
        pending = await reads(console, "/19/0/0")
        clock.offset += 51
        await console.pilot.press("ctrl+r")
        await console.settle()
        pane = console.app.query_one(RequestsPane)
        (mid,) = rows(console)
        age = str(pane.get_cell(mid, "age"))
        assert age.endswith("s") and 51 <= int(age[:-1]) <= 55, age  # 51 s, and the real seconds the run took
        for p in pending:
            p.cancel()


async def test_the_buffer_count_follows_requests_that_join_a_non_empty_buffer() -> None:
    async with buffering_console(Clock()) as console:
        pending = await reads(console, "/19/0/0", "/19/0/1")
        assert console.state.buffer_count == 1  # all the module announced
        console.app.poll_buffer()
        await console.settle()
        assert console.state.buffer_count == 2
        assert "2 in buffer" in str(console.app.query_one(RequestsPane).border_subtitle)
        for p in pending:
            p.cancel()
