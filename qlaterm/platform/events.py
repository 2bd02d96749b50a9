"""Fan-out of platform events to callbacks and to per-consumer async queues.

Callbacks serve the console and profiles (react at once, in the loop); queues serve tests and
scripts that want to `await` the next event of a kind without racing the platform.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from qlaterm.platform.model import Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Callback = Callable[[Event], object]


class EventQueue:
    """Every event published after the queue was opened, in order; `async for` works too."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[Event] = asyncio.Queue()

    def _put(self, event: Event) -> None:
        self._queue.put_nowait(event)

    async def get(self, timeout: float | None = None) -> Event:
        """The next event; TimeoutError if none comes in time."""
        return await asyncio.wait_for(self._queue.get(), timeout)

    async def wait_for(
        self,
        kind: type[E],
        predicate: Callable[[E], bool] | None = None,
        timeout: float | None = 10,
    ) -> E:
        """Skip events until one of `kind` (matching `predicate`) arrives."""

        async def scan() -> E:
            while True:
                event = await self._queue.get()
                if isinstance(event, kind) and (predicate is None or predicate(event)):
                    return event

        return await asyncio.wait_for(scan(), timeout)

    def pending(self) -> list[Event]:
        """Drain what has arrived so far without waiting."""
        out: list[Event] = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out

    def close(self) -> None:
        """Stop receiving events."""
        self._bus._queues.discard(self)

    def __aiter__(self) -> EventQueue:
        return self

    async def __anext__(self) -> Event:
        return await self._queue.get()

    def __enter__(self) -> EventQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Publishes each event to every subscriber; a failing subscriber is logged and skipped."""

    def __init__(self) -> None:
        self._callbacks: list[Callback] = []
        self._queues: set[EventQueue] = set()

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call `callback(event)` for every event; returns the function that unsubscribes."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def queue(self) -> EventQueue:
        """A new queue receiving every event from now on."""
        q = EventQueue(self)
        self._queues.add(q)
        return q

    def publish(self, event: Event) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber %r failed on %r", callback, event)
        for q in list(self._queues):
            q._put(event)
