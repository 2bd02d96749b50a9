"""At 80x24 the right column keeps rows for Objects and Requests: the status pane shows its essentials."""

from __future__ import annotations

import asyncio

from qlaterm.ui.objects import ObjectTree
from qlaterm.ui.requests import RequestsPane
from qlaterm.ui.status import StatusPane
from tests.ui.conftest import running_console


def drawn(console, widget) -> str:  # type: ignore[no-untyped-def]
    """The screen's text inside the widget's region."""
    strips = console.app.screen._compositor.render_strips()
    region = widget.region
    return "\n".join(strips[y].text[region.x:region.right] for y in range(region.y, region.bottom))


async def test_objects_and_requests_show_rows_at_80_by_24() -> None:
    async with running_console(size=(80, 24)) as console:
        await console.register("AT+QLAADDOBJ=19,0,2,0,1")
        read = await console.server_asks("read", console.platform.read("ep1", "/19/0/0"))
        objects, requests = console.app.query_one(ObjectTree), console.app.query_one(RequestsPane)
        assert objects.content_region.height >= 3 and requests.content_region.height >= 3
        assert "/19/0/0" in drawn(console, requests) or "19/0/0" in drawn(console, requests)
        assert "19" in drawn(console, objects)
        status = " ".join(drawn(console, console.app.query_one(StatusPane)).split())
        assert "LwM2M" in status and "registered" in status
        read.cancel()
        await asyncio.sleep(0)


async def test_a_tall_terminal_keeps_the_whole_status() -> None:
    async with running_console(size=(120, 40)) as console:
        status = console.app.query_one(StatusPane)
        assert not status.compact
        assert "IMEI" in drawn(console, status)
