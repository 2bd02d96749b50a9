"""Fixtures for the console's Pilot tests: the app over the in-process simulator and bundled platform."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.pilot import Pilot

from qlaterm.link.inproc import InProcTransport
from qlaterm.link.session import Kind, SessionEvent, Traffic
from qlaterm.ui.app import QlatermApp
from qlaterm.ui.status import StatusPane

SIZE = (120, 40)


class Console:
    """The running app, its pilot, and helpers that wait for events instead of sleeping."""

    def __init__(self, app: QlatermApp, pilot: Pilot[None]) -> None:
        self.app = app
        self.pilot = pilot

    @property
    def platform(self) -> Any:
        return self.app.transport.platform  # type: ignore[attr-defined]

    @property
    def state(self) -> Any:
        return self.app.state

    async def settle(self) -> None:
        """Every worker done and every message handled."""
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()
        await self.app.workers.wait_for_complete()
        await self.pilot.pause()

    def waiter(self, predicate: Callable[[SessionEvent], bool], timeout: float = 10.0) -> Any:
        """Start waiting now (before the action that causes the event)."""
        return asyncio.ensure_future(self.app.session.wait_for(predicate, timeout))

    def line(self, text: str) -> Any:
        return self.waiter(lambda e: isinstance(e, Traffic) and e.text == text)

    def urc(self, kind: str) -> Any:
        return self.waiter(lambda e: isinstance(e, Traffic) and e.kind is Kind.URC
                           and getattr(e.event, "kind", None) == kind)

    async def server_asks(self, kind: str, operation: Awaitable[Any]) -> asyncio.Future[Any]:
        """Start a platform operation that reaches the module as a ``kind`` URC and return once the console
        shows the request; the returned future is the operation, still waiting for the answer."""
        urc = self.urc(kind)
        pending = asyncio.ensure_future(operation)
        await urc
        await self.settle()
        return pending

    async def send(self, *lines: str) -> None:
        replies = await self.app._send_all(list(lines))
        assert all(r.ok for r in replies), [(r.line, r.final) for r in replies]

    async def register(self, *objects: str) -> None:
        """Configure for the bundled platform, add objects, register; wait for +QLAREG: 0."""
        port = self.platform.port
        await self.send(f'AT+QLACONFIG=0,"127.0.0.1",{port},"ep1",300,3', *objects)
        done = self.line("+QLAREG: 0")
        await self.send("AT+QLAREG")
        await done
        await self.settle()

    async def press_button(self, selector: str) -> None:
        """Press a visible, enabled button (a Button or one of the platform pane's actions) as a click would
        (its Pressed message), without aiming the mouse.

        The platform pane's lines change as the simulator reports events, and a click aimed from one layout
        could land in the next one; what is under test is what the button does.
        """
        button: Any = self.app.query_one(selector)
        assert button.display and button.visible and not button.disabled, selector
        button.press()
        await self.pilot.pause()

    def transcript_text(self) -> str:
        return "\n".join(e.text for e in self.app.transcript.entries)

    def status_text(self) -> str:
        """The status pane as plain text, as wide as it is drawn."""
        from rich.console import Console as RichConsole

        pane = self.app.query_one(StatusPane)
        out = RichConsole(width=pane.content_region.width or 46, record=True, file=io.StringIO())
        out.print(pane.render_state(self.state.now()))
        return out.export_text()


@asynccontextmanager
async def running_console(*, mask_secrets: bool = True, size: tuple[int, int] = SIZE, notifications: bool = False,
                          **transport: Any) -> AsyncIterator[Console]:
    """The console over the simulator and a platform on a free port; ``transport`` goes to InProcTransport.
    Toasts are drawn only with ``notifications`` (the notifications are kept either way)."""
    app = QlatermApp(InProcTransport(platform_port=0, **{"network": "ideal", **transport}), mask_secrets=mask_secrets)
    async with app.run_test(size=size, notifications=notifications) as pilot:
        c = Console(app, pilot)
        await c.settle()
        yield c


@pytest.fixture
async def console() -> AsyncIterator[Console]:
    async with running_console() as c:
        yield c
