"""LwM2M queue mode (1.0 section 6.5, binding with ``Q``) on the server side.

A device in queue mode listens only for a while after it sent something (CoAP's MAX_TRANSMIT_WAIT,
93 s, by default). A request for it while it sleeps waits here until the device is heard from again
(Register, Update, a notification, Send); the waiting requests are then sent in the order they were
made. A request that waits longer than its timeout fails as a timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from qlaterm.lwm2m.paths import Path
from qlaterm.platform.model import Device, Event, Queued, Sent

AWAKE = 93.0  # CoAP MAX_TRANSMIT_WAIT: how long a queue-mode client listens after it sent


@dataclass
class Pending:
    """One request waiting for its device."""

    endpoint: str
    operation: str
    path: Path
    queued_at: float = field(default_factory=time.time)
    _go: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future(), repr=False)


def in_queue_mode(device: Device) -> bool:
    return "Q" in device.binding


class RequestQueue:
    """The waiting requests of every queue-mode device, and when each device was heard from last."""

    def __init__(self, publish: Callable[[Event], None], awake: float = AWAKE) -> None:
        self.awake = awake
        self._publish = publish
        self._heard: dict[str, float] = {}
        self._pending: dict[str, list[Pending]] = {}

    def heard_from(self, endpoint: str) -> None:
        """The device sent something: it listens now; its waiting requests go, oldest first."""
        self._heard[endpoint] = time.monotonic()
        for pending in self._pending.pop(endpoint, []):
            if not pending._go.done():
                pending._go.set_result(None)

    def forget(self, endpoint: str) -> None:
        self._heard.pop(endpoint, None)

    def pending(self, endpoint: str) -> list[Pending]:
        return list(self._pending.get(endpoint, []))

    def listening(self, device: Device) -> bool:
        if not in_queue_mode(device):
            return True
        heard = self._heard.get(device.endpoint)
        return heard is not None and time.monotonic() - heard < self.awake

    async def wait_turn(self, device: Device, operation: str, path: Path) -> None:
        """Return when a request for `device` may be sent: at once while it listens, otherwise once it
        is heard from (cancel the wait to give up; the request then leaves the queue)."""
        if self.listening(device) and not self._pending.get(device.endpoint):
            return
        pending = Pending(device.endpoint, operation, path)
        queue = self._pending.setdefault(device.endpoint, [])
        queue.append(pending)
        self._publish(Queued(device.endpoint, operation=operation, path=path, position=len(queue)))
        try:
            await pending._go
        finally:
            if pending in self._pending.get(device.endpoint, []):
                self._pending[device.endpoint].remove(pending)
        self._publish(Sent(device.endpoint, operation=operation, path=path, waited=time.time() - pending.queued_at))
