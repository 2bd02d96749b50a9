"""How many registration operations (Register, Update) one endpoint may make: a token bucket each.

A client that sends Updates without pause (one given lifetime 0 sends thousands a second) would
otherwise have every one of them re-arm its lifetime and publish an event to the console, the CLI
and the profiles; one endpoint must not take the platform from the others. Up to ``burst``
operations pass at once and ``rate`` a second after that; the rest are refused with the seconds
until the next would pass, and the refusals are logged once per endpoint per ``log_interval``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

RATE = 10.0
BURST = 10
LOG_INTERVAL = 10.0
_FORGET_ABOVE = 1024  # endpoints remembered before idle ones (full buckets) are forgotten


@dataclass
class _Bucket:
    tokens: float
    at: float
    refused: int = 0
    logged_at: float = -math.inf


class RegistrationBudget:
    """Per-endpoint admission of registration operations."""

    def __init__(
        self,
        rate: float = RATE,
        burst: int = BURST,
        *,
        log_interval: float = LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.log_interval = log_interval
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def admit(self, endpoint: str) -> int | None:
        """None when `endpoint` may go ahead now; otherwise the whole seconds (at least 1) to wait,
        the Max-Age of the 5.03 that refuses it."""
        now = self._clock()
        bucket = self._buckets.get(endpoint)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[endpoint] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        bucket.refused += 1
        if now - bucket.logged_at >= self.log_interval:
            log.warning(
                "refusing registration requests of %s with 5.03: more than %g a second "
                "(%d refused since the last such line)",
                endpoint,
                self.rate,
                bucket.refused,
            )
            bucket.logged_at, bucket.refused = now, 0
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < _FORGET_ABOVE:
            return
        for endpoint, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.at) * self.rate >= self.burst:
                del self._buckets[endpoint]
