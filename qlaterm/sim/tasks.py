"""The module's background work: tasks it owns, and actions held until a command's final result code is out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["Action", "Tasks"]

log = logging.getLogger("qlaterm.sim.module")

Action = Callable[[], Awaitable[None]]
"""Work to start later: a Register once ``OK`` is printed, a reboot after ``AT+QRST=1``'s ``OK``…"""


class Tasks:
    """Every task the module starts, so that a reboot or power-off can cancel them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()
        self._later: list[Action] = []

    def spawn(self, coro: Awaitable[Any]) -> None:
        """Run ``coro`` in the background; a failure is logged."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("module task failed", exc_info=task.exception())

    def later(self, action: Action) -> None:
        """Run ``action`` once the current command's final result code is out."""
        self._later.append(action)

    def drop_later(self) -> None:
        """The command failed: what it would have started does not happen."""
        self._later = []

    def start_later(self) -> None:
        """The final result code is out: start what the command left for afterwards."""
        actions, self._later = self._later, []
        for action in actions:
            self.spawn(action())

    def cancel(self) -> None:
        """Cancel every task but the one running this call (a reboot runs as one of them)."""
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()

    async def close(self) -> None:
        """Cancel every task and wait for them to end."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
