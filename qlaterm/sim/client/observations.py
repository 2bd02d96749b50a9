"""The client's observations: which paths the server observes, where their notifications go, how they
are numbered, encoded and paced. They survive deep sleep (the socket closes, the table stays; waking points
them at the new socket) and end with a new registration, a de-registration, a cancel or a RST.

Pacing follows the notification attributes (:mod:`~qlaterm.sim.client.attributes`) each observation's
path obeys, every period multiplied by the module's time scale:

* a built-in value is sampled (at least once a second) and notified when it changed — when gt, lt or st
  apply to a numeric resource, only when one of them holds — no earlier than pmin after the last
  notification, and at pmax at the latest;
* a custom value is notified when the terminal sends it; one sent before pmin is held until pmin (the
  latest one wins), and at pmax without a new one the last value is sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiocoap import Message
from aiocoap.interfaces import EndpointAddress
from aiocoap.numbers.codes import CONTENT

from qlaterm.lwm2m.blockwise import BlockwiseAnswers
from qlaterm.lwm2m.formats import Scalar, encode
from qlaterm.lwm2m.paths import Path
from qlaterm.lwm2m.transport import Endpoint
from qlaterm.sim.client import objects
from qlaterm.sim.client.attributes import Attributes, AttributeTable, Change
from qlaterm.sim.client.exchanges import Exchanges
from qlaterm.sim.client.requests import choose_format
from qlaterm.sim.client.types import ClientHandler, Exchange, Held, Retransmit

Values = Mapping[Path, Scalar]

SAMPLE_PERIOD = 1.0
"""Seconds (before the time scale) between two looks at a built-in value that changes by itself."""

_EARLY = 1e-3
"""Seconds a timer may fire before its deadline and still count as on time."""

_OBSERVE_SEQ_MASK = 0xFFFFFF


@dataclass
class Observation:
    """An established observation: where notifications go, how they are numbered and encoded, and what
    its pacing remembers."""

    path: Path
    token: bytes
    remote: EndpointAddress
    request: Message  # the Observe request: later Block2 pieces of a notification are asked for with its key
    hostinfo: str
    accept: int | None
    last: Values  # the values last sent (the Observe response's, then each notification's)
    sample: Callable[[], Values] | None = None  # a built-in path's current values; None on a custom object
    # Observe values start at 1, not 0: node-coap (under lwm2m-node-lib's server) keeps only values
    # above the last one seen, starting from 0, so a first response numbered 0 would lose its value.
    seq: int = 1
    last_at: float = 0.0  # loop time of the last notification (or of the Observe response)
    con: bool = False  # how the terminal sent its last notification: a pmax re-send goes the same way
    held: tuple[Values, bool, list[asyncio.Future[Exchange | None]]] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    pacer: asyncio.Task[None] | None = None


class Observations:
    """The observation table, in the order the observations were established, and the attributes written
    on paths (kept with it: both belong to one registration)."""

    def __init__(
        self,
        exchanges: Exchanges,
        blocks: BlockwiseAnswers,
        handler: ClientHandler,
        retransmit: Callable[[], Retransmit],
        *,
        default_periods: Callable[[], tuple[int, int]],
        time_scale: float = 1.0,
    ) -> None:
        self._exchanges = exchanges
        self._blocks = blocks
        self._handler = handler
        self._retransmit = retransmit
        self._default_periods = default_periods  # the Server object's /1/x/2 pmin and /1/x/3 pmax
        self._scale = time_scale
        self._table: list[Observation] = []
        self.attributes = AttributeTable()

    def paths(self) -> list[Path]:
        """Paths of the established observations, in the order they were established."""
        return [obs.path for obs in self._table]

    @staticmethod
    def new(
        req: Message, path: Path, accept: int | None, values: Values, sample: Callable[[], Values] | None = None
    ) -> Observation:
        """The observation an Observe request ``req`` on ``path`` asks for (not yet established), answered
        with ``values``; ``sample`` reads a built-in path's values again."""
        remote = req.remote.as_response_address()
        return Observation(path=path, token=bytes(req.token), remote=remote, hostinfo=remote.hostinfo,
                           accept=accept, request=req, last=dict(values), sample=sample)

    def add(self, obs: Observation) -> None:
        """Establish ``obs``; an observation with the same token from the same peer is replaced."""
        for old in [o for o in self._table if o.token == obs.token and o.remote == obs.remote]:
            self._end(old)
        obs.last_at = asyncio.get_running_loop().time()
        self._table.append(obs)
        obs.pacer = asyncio.get_running_loop().create_task(self._pace(obs), name=f"pacing {obs.path}")

    def cancel(self, req: Message, path: Path) -> None:
        """Cancel: the observation with the request's token, or failing that the ones on the path. The
        attributes written on the path stay."""
        remote = req.remote.as_response_address()
        same_token = [o for o in self._table if o.token == bytes(req.token) and o.remote == remote]
        doomed = same_token or [o for o in self._table if o.path == path]
        for obs in doomed:
            self._end(obs)

    def drop(self) -> None:
        """End every observation and forget the attributes (a new registration, a de-registration, the
        client closing)."""
        for obs in list(self._table):
            self._end(obs)
        self.attributes.clear()

    async def reconnect(self, endpoint: Endpoint) -> None:
        """Point every observation at its peer as seen from ``endpoint`` (the socket reopened after deep
        sleep); what fell due while asleep leaves now."""
        for obs in self._table:
            obs.remote = await endpoint.resolve(obs.hostinfo)
        self.reschedule()

    def write_attributes(self, path: Path, change: Change) -> None:
        """Write-Attributes on ``path`` (AttributesRefused when the result is not a valid combination);
        the observations follow the new attributes from now on."""
        self.attributes.write(path, change)
        self.reschedule()

    def reschedule(self) -> None:
        """Attributes or the Server object's default periods changed: every pacer looks again."""
        for obs in self._table:
            obs.wake.set()

    def effective(self, path: Path) -> Attributes:
        """The attributes an observation of ``path`` obeys."""
        pmin, pmax = self._default_periods()
        return self.attributes.effective(path, default_pmin=pmin, default_pmax=pmax)

    def notify(self, path: Path, values: Values, *, con: bool) -> Exchange | Held:
        """The terminal's notification on the observation covering ``path`` (the resource, its instance
        or its object; the most specific one wins). LookupError when there is none; CodecError when the
        values do not fit the observation's content format. Before pmin has passed since the last
        notification it is :class:`Held` until then (a later one replaces it). Otherwise it goes now: NON
        result 0 once sent; CON 0 on ACK, 1 on timeout, 9 on RST. A RST ends the observation."""
        obs = self._covering(path)
        if obs is None:
            raise LookupError(f"no observation covers {path}")
        encode(choose_format(obs.accept, obs.path, values), obs.path, values)  # CodecError now, not at pmin
        pmin, _ = self._periods(obs)
        loop = asyncio.get_running_loop()
        if obs.held is not None or loop.time() < obs.last_at + pmin - _EARLY:
            waiters = obs.held[2] if obs.held is not None else []
            for replaced in waiters:
                if not replaced.done():
                    replaced.set_result(None)
            sent: asyncio.Future[Exchange | None] = loop.create_future()
            obs.held = (dict(values), con, [sent])
            obs.wake.set()
            return Held(sent)
        obs.con = con
        return self._send(obs, values, con=con)

    def end(self, obs: Observation) -> None:
        """End ``obs`` (its peer answered with RST)."""
        self._end(obs)

    # Sending ----------------------------------------------------------------------------------------

    def _send(self, obs: Observation, values: Values, *, con: bool) -> Exchange:
        fmt = choose_format(obs.accept, obs.path, values)
        payload = encode(fmt, obs.path, values)
        if not self._exchanges.connected:
            return self._exchanges.failed()
        tuning = self._retransmit().tuning(reliability=con)
        whole = Message(code=CONTENT, payload=payload, content_format=fmt, transport_tuning=tuning)
        obs.seq = (obs.seq + 1) & _OBSERVE_SEQ_MASK
        whole.opt.observe = obs.seq
        msg = self._blocks.first_block(obs.request, whole)
        msg.token = obs.token
        msg.remote = obs.remote

        def reset(mid: int) -> None:
            if obs not in self._table:
                return
            self._end(obs)
            # A RST to a CON is reported as the notification's status instead; the terminal never hears
            # of built-in observations.
            if not con and obs.sample is None:
                self._handler.on_notify_reset(mid)

        exchange = self._exchanges.notify(msg, con=con, on_reset=reset)
        obs.last = dict(values)
        obs.last_at = asyncio.get_running_loop().time()
        obs.wake.set()
        return exchange

    # Pacing -----------------------------------------------------------------------------------------

    def _periods(self, obs: Observation) -> tuple[float, float | None]:
        """pmin and pmax of ``obs`` in seconds of module time (pmax None when there is none; never below
        pmin)."""
        attrs = self.effective(obs.path)
        pmin = (attrs.pmin or 0) * self._scale
        pmax = None if not attrs.pmax else max(attrs.pmax * self._scale, pmin)
        return pmin, pmax

    async def _pace(self, obs: Observation) -> None:
        while True:
            delay = self._next_look(obs)
            obs.wake.clear()
            if delay is None:
                await obs.wake.wait()
            else:
                try:
                    await asyncio.wait_for(obs.wake.wait(), max(0.0, delay))
                except TimeoutError:
                    pass
            if obs not in self._table:
                return
            self._look(obs)

    def _next_look(self, obs: Observation) -> float | None:
        """Seconds until ``obs`` has something to decide, None while nothing can be due."""
        if not self._exchanges.connected:
            return None
        pmin, pmax = self._periods(obs)
        now = asyncio.get_running_loop().time()
        due: list[float] = []
        if obs.held is not None:
            due.append(obs.last_at + pmin)
        if pmax is not None:
            due.append(obs.last_at + pmax)
        if obs.sample is not None:
            due.append(max(obs.last_at + pmin, now + SAMPLE_PERIOD * self._scale))
        return min(due) - now if due else None

    def _look(self, obs: Observation) -> None:
        """Send what is due on ``obs`` now: a held notification at pmin, a changed built-in value after
        pmin, the last (or current built-in) value at pmax."""
        if not self._exchanges.connected:
            return
        pmin, pmax = self._periods(obs)
        now = asyncio.get_running_loop().time()
        if now < obs.last_at + pmin - _EARLY:
            return
        if obs.held is not None:
            values, con, waiters = obs.held
            obs.held = None
            obs.con = con
            exchange = self._send(obs, values, con=con)
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(exchange)
            return
        current = obs.sample() if obs.sample is not None else obs.last
        if obs.sample is not None and changed(self.effective(obs.path), obs.path, obs.last, current):
            self._send(obs, current, con=False)
        elif pmax is not None and now >= obs.last_at + pmax - _EARLY:
            self._send(obs, current, con=obs.con if obs.sample is None else False)

    def _end(self, obs: Observation) -> None:
        if obs in self._table:
            self._table.remove(obs)
        if obs.held is not None:
            for waiter in obs.held[2]:
                if not waiter.done():
                    waiter.set_result(None)
            obs.held = None
        if obs.pacer is not None and obs.pacer is not asyncio.current_task():
            obs.pacer.cancel()

    def _covering(self, path: Path) -> Observation | None:
        candidates = [o for o in self._table if objects.under(path, o.path)]
        if not candidates:
            return None
        return max(candidates, key=lambda o: len(o.path))


def changed(attrs: Attributes, path: Path, before: Values, now: Values) -> bool:
    """Whether a built-in observation of ``path`` notifies going from ``before`` to ``now``: any change,
    except that on a numeric resource with gt, lt or st only a change that crosses gt or lt or moves by
    st or more since the last notification counts."""
    if dict(before) == dict(now):
        return False
    old, new = before.get(path), now.get(path)
    numeric = (
        len(path) == 3
        and isinstance(old, (int, float)) and not isinstance(old, bool)
        and isinstance(new, (int, float)) and not isinstance(new, bool)
    )
    if not attrs.has_conditions or not numeric:
        return True
    assert isinstance(old, (int, float)) and isinstance(new, (int, float))
    return (
        (attrs.gt is not None and (old > attrs.gt) != (new > attrs.gt))
        or (attrs.lt is not None and (old < attrs.lt) != (new < attrs.lt))
        or (attrs.st is not None and abs(new - old) >= attrs.st)
    )
