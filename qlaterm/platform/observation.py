"""One observation the platform holds on a device resource.

A pump task turns each notification into a Notification event as soon as it arrives (whether or
not anyone iterates), and also queues it for whoever does `async for note in observation`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import aiocoap

from qlaterm.lwm2m.paths import Path, format_path
from qlaterm.platform.model import Device, Notification, Result

if TYPE_CHECKING:
    from qlaterm.platform.server import Platform

log = logging.getLogger(__name__)


class Observation:
    """The first response (`first`), then notifications by `async for` or `await next()`.

    `await cancel()` sends Cancel Observation to the device; iteration ends when the observation
    ends for any reason (cancelled, error notification, deregistration, platform stopped).
    """

    def __init__(
        self,
        platform: Platform,
        device: Device,
        path: Path,
        accept: int | None,
        request: Any,
        message: aiocoap.Message,
        first: Result,
        token: bytes,
    ) -> None:
        self.platform = platform
        self.endpoint = device.endpoint
        self.path = path
        self.accept = accept
        self.first = first
        self.token = token
        self.established = False  # the device accepted it: 2.05 with an Observe option
        self.end_reason = ""
        self.notifications: list[Notification] = []
        self._request = request
        self._message = message  # the Observe request, repeated to fetch a notification's later pieces
        self._queue: asyncio.Queue[Notification | None] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """Established and not ended (cancelled, error notification, deregistration, platform stopped)."""
        return self.established and not self.end_reason

    def __repr__(self) -> str:
        state = "active" if self.active else f"ended ({self.end_reason})"
        return f"<Observation {self.endpoint} {format_path(self.path)} {state}>"

    async def cancel(self, *, timeout: float | None = None) -> Result:
        """Cancel Observation on the device (GET with Observe=1 on this token)."""
        return await self.platform.cancel(self.endpoint, self.path, timeout=timeout)

    async def next(self, timeout: float | None = 10) -> Notification:
        """The next notification; StopAsyncIteration when the observation has ended."""
        item = await asyncio.wait_for(self._queue.get(), timeout)
        if item is None:
            self._queue.put_nowait(None)  # keep later waiters from blocking
            raise StopAsyncIteration
        return item

    def __aiter__(self) -> Observation:
        return self

    async def __anext__(self) -> Notification:
        return await self.next(timeout=None)

    # ------------------------------------------------------------------ driven by the platform

    def _start(self) -> None:
        self.established = True
        self._pump = asyncio.get_running_loop().create_task(
            self._run(), name=f"observation {self.endpoint} {format_path(self.path)}"
        )

    async def _run(self) -> None:
        reason = "ended by the device"
        try:
            async for piece in self._request.observation:
                response = await self.platform._whole(self._message, piece)
                note = self.platform._notification(self, response)
                self.notifications.append(note)
                self._queue.put_nowait(note)
                if not response.code.is_successful():
                    reason = f"error notification {response.code.dotted}"
                    break
        except aiocoap.error.Error as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except asyncio.CancelledError:
            return
        self._finish(reason)

    def _stop_local(self, reason: str) -> None:
        """Forget the observation here (a later notification gets RST); no request is sent."""
        if self._request.observation is not None and not self._request.observation.cancelled:
            with contextlib.suppress(Exception):
                self._request.observation.cancel()
        # aiocoap would keep the token matched until one more notification arrived and swallow that
        # one; dropping the interest now makes the very next notification get RST.
        stop_interest = getattr(self._request, "_stop_interest", None)
        if stop_interest is not None:
            with contextlib.suppress(Exception):
                stop_interest()
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()
        self._finish(reason)

    def _finish(self, reason: str) -> None:
        if self.end_reason:
            return
        self.end_reason = reason
        self._queue.put_nowait(None)
        if self.established:
            self.platform._observation_ended(self, reason)
