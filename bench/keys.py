"""Key latency as a user feels it: a key posted to the console's command line until it is in the line."""

from __future__ import annotations

import asyncio
import time
from typing import Any


async def key_latencies(command: Any, count: int, interval: float) -> list[float]:
    """Seconds from posting a key to ``command`` (the command line's Input) until its value holds it, for
    ``count`` keys ``interval`` seconds apart."""
    from textual import events

    latencies = []
    for _ in range(count):
        await asyncio.sleep(interval)
        before = len(command.value)
        typed = time.perf_counter()
        command.post_message(events.Key("a", "a"))
        while len(command.value) == before:
            await asyncio.sleep(0.001)
        latencies.append(time.perf_counter() - typed)
    return latencies
