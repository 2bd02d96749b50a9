"""The module's radio link: every datagram it sends or receives, DTLS records included, crosses it.

:class:`RadioLink` applies the radio condition of the moment (:mod:`qlaterm.sim.conditions`) to each
datagram: a one-way delay drawn from the condition's range, loss with its probability, and nothing at all
when the radio cannot carry it.  Sent datagrams need an attached module (sending wakes the module from
power saving, as an uplink does); received ones need a reachable module — detached, out of coverage or in
PSM, the platform's requests are lost, as on a real network.  Each direction keeps its order (a datagram
never overtakes the one before it), the random source is seeded (``--seed``) so that a run repeats, and
under ``ideal`` a datagram passes straight through.

What the link asks of the radio is :class:`RadioState` (the module's :class:`~qlaterm.sim.network.Network`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Protocol

from qlaterm.sim.conditions import Condition, condition

__all__ = ["RadioLink", "RadioState", "as_condition"]


def as_condition(name_or_condition: str | Condition) -> Condition:
    """A condition given by name (``"good"``) or as itself."""
    return name_or_condition if isinstance(name_or_condition, Condition) else condition(name_or_condition)


class RadioState(Protocol):
    """The radio as the datagram layer sees it."""

    @property
    def condition(self) -> Condition:
        """The radio condition of the moment."""
        ...

    def set_condition(self, name_or_condition: str | Condition) -> None:
        """Move the module into another condition (``good``, ``none`` …)."""
        ...

    @property
    def attached(self) -> bool:
        """Attached to the network, with an address: datagrams can be sent."""
        ...

    def reachable(self) -> bool:
        """Attached, in coverage and not in power saving: datagrams can arrive."""
        ...

    def traffic(self) -> None:
        """A datagram went out or came in (keeps the RRC connection, restarts the PSM timers)."""
        ...

    @property
    def address(self) -> str:
        """The module's IP address."""
        ...


_AFTER = 1e-6
"""Seconds between two datagrams that queue behind each other (timers due at the same time may fire in
any order)."""


class RadioLink:
    """The shaper of every socket the module opens (:class:`qlaterm.lwm2m.shaping.DatagramShaper`).

    ``time_scale`` multiplies the delays, as it does every timer of the module.
    """

    def __init__(self, radio: RadioState, *, seed: int | None = None, time_scale: float = 1.0) -> None:
        self.radio = radio
        self.random = random.Random(seed)
        self.time_scale = time_scale
        self._last_out = 0.0  # loop time at which the last datagram sent reaches the far end
        self._last_in = 0.0  # loop time at which the last datagram received reaches the module
        self.lost = 0
        """Datagrams lost so far, either way (loss, no coverage, detached, PSM)."""

    @property
    def online(self) -> bool:
        """The module can send at all (attached, with an address)."""
        return self.radio.attached

    def outgoing(self, send: Callable[[], None]) -> None:
        radio = self.radio
        if radio.attached:
            radio.traffic()
        if not radio.reachable():
            self.lost += 1
            return
        self._last_out = self._carry(send, self._last_out)

    def incoming(self, deliver: Callable[[], None]) -> None:
        radio = self.radio
        if not radio.reachable():
            self.lost += 1
            return
        radio.traffic()
        self._last_in = self._carry(deliver, self._last_in)

    def _carry(self, action: Callable[[], None], last: float) -> float:
        """Run ``action`` after the condition's delay, unless the datagram is lost; returns when the
        datagram arrives (kept after ``last``: the direction keeps its order)."""
        cond = self.radio.condition
        if cond.loss and self.random.random() < cond.loss:
            self.lost += 1
            return last
        low, high = cond.delay_ms
        if not high:
            action()
            return last
        loop = asyncio.get_running_loop()
        delay = self.random.uniform(low, high) / 1000 * self.time_scale
        arrival = max(loop.time() + delay, last + _AFTER)
        loop.call_at(arrival, action)
        return arrival
