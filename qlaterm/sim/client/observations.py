"""The client's observations: which paths the server observes, where their notifications go, how they
are numbered and encoded. They survive deep sleep (the socket closes, the table stays; waking points
them at the new socket) and end with a new registration, a de-registration, a cancel or a RST."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiocoap import Message
from aiocoap.interfaces import EndpointAddress
from aiocoap.numbers.codes import CONTENT

from qlaterm.lwm2m.blockwise import BlockwiseAnswers
from qlaterm.lwm2m.formats import Scalar, encode
from qlaterm.lwm2m.paths import Path
from qlaterm.lwm2m.transport import Endpoint
from qlaterm.sim.client import objects
from qlaterm.sim.client.exchanges import Exchanges
from qlaterm.sim.client.requests import choose_format
from qlaterm.sim.client.types import ClientHandler, Exchange, Retransmit

_OBSERVE_SEQ_MASK = 0xFFFFFF


@dataclass
class Observation:
    """An established observation: where notifications go and how they are numbered and encoded."""

    path: Path
    token: bytes
    remote: EndpointAddress
    request: Message  # the Observe request: later Block2 pieces of a notification are asked for with its key
    hostinfo: str
    accept: int | None
    # Observe values start at 1, not 0: node-coap (under lwm2m-node-lib's server) keeps only values
    # above the last one seen, starting from 0, so a first response numbered 0 would lose its value.
    seq: int = 1


class Observations:
    """The observation table, in the order the observations were established."""

    def __init__(
        self,
        exchanges: Exchanges,
        blocks: BlockwiseAnswers,
        handler: ClientHandler,
        retransmit: Callable[[], Retransmit],
    ) -> None:
        self._exchanges = exchanges
        self._blocks = blocks
        self._handler = handler
        self._retransmit = retransmit
        self._table: list[Observation] = []

    def paths(self) -> list[Path]:
        """Paths of the established observations, in the order they were established."""
        return [obs.path for obs in self._table]

    @staticmethod
    def new(req: Message, path: Path, accept: int | None) -> Observation:
        """The observation an Observe request ``req`` on ``path`` asks for (not yet established)."""
        remote = req.remote.as_response_address()
        return Observation(path=path, token=bytes(req.token), remote=remote, hostinfo=remote.hostinfo,
                           accept=accept, request=req)

    def add(self, obs: Observation) -> None:
        """Establish ``obs``; an observation with the same token from the same peer is replaced."""
        self._table = [o for o in self._table if not (o.token == obs.token and o.remote == obs.remote)]
        self._table.append(obs)

    def cancel(self, req: Message, path: Path) -> None:
        """Cancel: the observation with the request's token, or failing that the ones on the path."""
        remote = req.remote.as_response_address()
        same_token = [o for o in self._table if o.token == bytes(req.token) and o.remote == remote]
        doomed = same_token or [o for o in self._table if o.path == path]
        for obs in doomed:
            self._end(obs)

    def drop(self) -> None:
        """End every observation (a new registration, a de-registration, the client closing)."""
        self._table.clear()

    async def reconnect(self, endpoint: Endpoint) -> None:
        """Point every observation at its peer as seen from ``endpoint`` (the socket reopened after deep sleep)."""
        for obs in self._table:
            obs.remote = await endpoint.resolve(obs.hostinfo)

    def notify(self, path: Path, values: Mapping[Path, Scalar], *, con: bool) -> Exchange:
        """Send a notification on the observation covering ``path`` (the resource, its instance or its
        object; the most specific one wins). LookupError when there is none; CodecError when the values
        do not fit the observation's content format. NON: result 0 once sent. CON: 0 on ACK, 1 on
        timeout, 9 on RST. A RST ends the observation."""
        obs = self._covering(path)
        if obs is None:
            raise LookupError(f"no observation covers {path}")
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
            if not con:  # a RST to a CON is reported as the notification's status instead
                self._handler.on_notify_reset(mid)

        return self._exchanges.notify(msg, con=con, on_reset=reset)

    def end(self, obs: Observation) -> None:
        """End ``obs`` (its peer answered with RST)."""
        self._end(obs)

    def _end(self, obs: Observation) -> None:
        if obs in self._table:
            self._table.remove(obs)

    def _covering(self, path: Path) -> Observation | None:
        candidates = [o for o in self._table if objects.under(path, o.path)]
        if not candidates:
            return None
        return max(candidates, key=lambda o: len(o.path))
