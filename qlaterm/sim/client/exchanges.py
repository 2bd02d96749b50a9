"""The messages the client originates and how each one ended.

:class:`Outcomes` is what the message layer reports to (ACK, RST, timeout after the retransmissions of
:class:`~qlaterm.sim.client.types.Retransmit`); :class:`Exchanges` puts requests and notifications on the
wire through the client's :class:`~qlaterm.sim.client.connection.Connection` and turns those reports and
the responses into the status codes of the source's table 6 (:func:`~qlaterm.sim.client.types.status_code`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from aiocoap import Message, error
from aiocoap.interfaces import EndpointAddress
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import CON
from aiocoap.pipe import Pipe
from aiocoap.protocol import Request

from qlaterm.at.codes import StatusCode
from qlaterm.sim.client.types import Exchange, Outcome, Retransmit, status_code

if TYPE_CHECKING:
    from qlaterm.sim.client.connection import Connection

log = logging.getLogger("qlaterm.sim.client")

MessageKey = tuple[EndpointAddress, int]
"""An outgoing message: the peer it went to and its message ID."""

_NON_RESETS_KEPT = 256


class Outcomes:
    """The client's :class:`~qlaterm.lwm2m.transport.ExchangeObserver`: the outcome of every CON that is
    watched, and what to do when a RST answers a NON that was sent."""

    def __init__(self) -> None:
        self._watches: dict[MessageKey, asyncio.Future[Outcome]] = {}
        self._non_resets: dict[MessageKey, Callable[[int], None]] = {}

    def watch(self, key: MessageKey) -> asyncio.Future[Outcome]:
        """Start watching the CON ``key``; the future resolves when the message layer reports on it."""
        watch: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._watches[key] = watch
        return watch

    def watching(self, key: MessageKey) -> asyncio.Future[Outcome] | None:
        return self._watches.get(key)

    def forget(self, key: MessageKey) -> None:
        self._watches.pop(key, None)

    def on_non_reset(self, key: MessageKey, reset: Callable[[int], None]) -> None:
        """Call ``reset(mid)`` if a RST answers the NON ``key`` (the last 256 NONs are remembered)."""
        self._non_resets[key] = reset
        while len(self._non_resets) > _NON_RESETS_KEPT:
            self._non_resets.pop(next(iter(self._non_resets)))

    def abandon(self) -> None:
        """The socket closed: every watched CON ends as not sent."""
        for key, watch in list(self._watches.items()):
            if not watch.done():
                watch.set_result(Outcome.NOT_SENT)
            self._watches.pop(key, None)

    # ExchangeObserver ------------------------------------------------------------------------------

    def transmitted(self, message: Message) -> None:
        log.debug("sent %s", message)

    def acknowledged(self, remote: EndpointAddress, mid: int, message: Message) -> None:
        self._settle((remote, mid), Outcome.ACKED)

    def reset(self, remote: EndpointAddress, mid: int, confirmable: bool) -> None:
        if confirmable:
            self._settle((remote, mid), Outcome.RESET)
            return
        reset = self._non_resets.pop((remote, mid), None)
        if reset is not None:
            reset(mid)

    def timed_out(self, remote: EndpointAddress, mid: int) -> None:
        self._settle((remote, mid), Outcome.TIMEOUT)

    def _settle(self, key: MessageKey, outcome: Outcome) -> None:
        watch = self._watches.get(key)
        if watch is not None and not watch.done():
            watch.set_result(outcome)


class Exchanges:
    """Sends CON and NON requests and notifications and reports their status codes; owns the tasks that
    wait for the outcomes (cancelled when the client closes)."""

    def __init__(self, connection: Connection, outcomes: Outcomes, retransmit: Callable[[], Retransmit]) -> None:
        self._connection = connection
        self._outcomes = outcomes
        self._retransmit = retransmit
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def connected(self) -> bool:
        return self._connection.endpoint is not None

    async def start(
        self,
        remote: EndpointAddress,
        code: Code,
        path: Sequence[str],
        query: Sequence[str],
        *,
        payload: bytes = b"",
        content_format: int | None = None,
        con: bool = True,
    ) -> tuple[Message, Request] | None:
        """Put a request on the wire; returns it (with its mid set) and aiocoap's Request handle, or
        None when it could not be sent."""
        endpoint = self._connection.endpoint
        if endpoint is None or not self._connection.online:
            return None
        msg = Message(code=code, payload=payload, transport_tuning=self._retransmit().tuning(reliability=con))
        msg.opt.uri_path = tuple(path)
        msg.opt.uri_query = tuple(query)
        if content_format is not None:
            msg.opt.content_format = content_format
        msg.remote = remote
        try:
            interface = await endpoint.ctx.find_remote_and_interface(msg)
        except error.Error as exc:
            log.info("request not sent: %s", exc)
            return None
        # Over DTLS the retransmission schedule starts once the handshake is done (RFC 6347 gives the
        # handshake its own, within the same budget).
        if not await self._connection.secured(msg.remote):
            log.info("request not sent: the DTLS handshake with %s failed", msg.remote.hostinfo)
            return None
        pipe = Pipe(msg, endpoint.ctx.log)
        req = Request(pipe, asyncio.get_running_loop(), endpoint.ctx.log)
        req.response.add_done_callback(_consume)
        interface.request(pipe)  # synchronous down to the socket: the mid is set on return
        if msg.mid is None:
            return None
        if con:
            # Its ACK cannot arrive before control returns to the loop, so watching now is in time.
            self._outcomes.watch((msg.remote, msg.mid))
        return msg, req

    async def finish(self, msg: Message, req: Request) -> tuple[int, Message | None]:
        """Wait for the response to a CON request: its code's status, or timeout/RST/not sent."""
        key = (msg.remote, msg.mid)
        watch = self._outcomes.watching(key)
        tuning = msg.transport_tuning
        try:
            if watch is not None:
                await asyncio.wait({req.response, watch}, return_when=asyncio.FIRST_COMPLETED)
            if not req.response.done() and watch is not None:
                outcome = watch.result()
                if outcome is not Outcome.ACKED:
                    return status_code(outcome), None
                # Empty ACK: the response follows separately, within as long as the CON could have taken.
                wait = tuning.transmit_wait  # the tuning of a Retransmit (see types.py)
                try:
                    await asyncio.wait_for(asyncio.shield(req.response), wait)
                except TimeoutError:
                    return StatusCode.TIMEOUT, None
            try:
                response = await req.response
            except error.ConRetransmitsExceeded:
                return StatusCode.TIMEOUT, None
            except (error.Error, OSError):
                if watch is not None and watch.done():
                    return status_code(watch.result()), None
                return StatusCode.NOT_SENT, None
            return status_code(response.code), response
        except asyncio.CancelledError:
            req.response.cancel()
            raise
        finally:
            self._outcomes.forget(key)
            if not req.response.done():
                req.response.cancel()

    async def request(
        self,
        remote: EndpointAddress,
        code: Code,
        path: Sequence[str],
        query: Sequence[str],
        *,
        payload: bytes = b"",
        content_format: int | None = None,
    ) -> tuple[int, Message | None]:
        """A CON request from start to end: its status and, when one came, the response."""
        started = await self.start(remote, code, path, query, payload=payload, content_format=content_format)
        if started is None:
            return StatusCode.NOT_SENT, None
        return await self.finish(*started)

    async def exchange(
        self,
        remote: EndpointAddress,
        code: Code,
        path: Sequence[str],
        *,
        payload: bytes,
        content_format: int,
        con: bool,
    ) -> Exchange:
        """A request whose mid is known on return. NON: result 0 once sent; CON: the response's status."""
        started = await self.start(remote, code, path, [], payload=payload, content_format=content_format, con=con)
        if started is None:
            return self.failed()
        msg, req = started
        if not con:
            # Nothing waits for an answer to a NON; forget the request once an answer could no longer come.
            loop = asyncio.get_running_loop()
            loop.call_later(msg.transport_tuning.EXCHANGE_LIFETIME, req.response.cancel)
            req.response.add_done_callback(_consume)
            return self.succeeded(msg.mid)

        async def complete() -> int:
            status, _ = await self.finish(msg, req)
            return status

        return Exchange(mid=msg.mid, result=self.spawn(complete()))

    def notify(self, msg: Message, *, con: bool, on_reset: Callable[[int], None]) -> Exchange:
        """Send a notification (addressed, tokened and numbered already). NON: result 0 once sent; CON:
        0 on ACK, 1 on timeout, 9 on RST. ``on_reset(mid)`` runs when a RST answers it."""
        endpoint = self._connection.endpoint
        if endpoint is None or not self._connection.online:
            return self.failed()
        try:
            endpoint.mman.send_message(msg, lambda: None)
        except Exception as exc:
            log.info("notification not sent: %s", exc)
            return self.failed()
        key = (msg.remote, msg.mid)
        if not con:
            self._outcomes.on_non_reset(key, on_reset)
            return self.succeeded(msg.mid)
        watch = self._outcomes.watch(key)

        async def complete() -> int:
            outcome = await watch
            self._outcomes.forget(key)
            if outcome is Outcome.RESET:
                on_reset(msg.mid)
            return status_code(outcome)

        return Exchange(mid=msg.mid, result=self.spawn(complete()))

    def response_outcome(self, msg: Message, *, on_reset: Callable[[], None]) -> asyncio.Future[int]:
        """How a response the client just handed to the message layer ends: 0 at once when it was
        piggybacked on the request's ACK or sent NON; for a separate confirmable response 0 on its ACK,
        1 when its retransmissions ran out, 9 on RST (then ``on_reset()`` runs), 2 if the socket closed
        first."""
        if msg.mtype is not CON or msg.mid is None:
            return self.succeeded(msg.mid or 0).result
        key = (msg.remote, msg.mid)
        watch = self._outcomes.watch(key)

        async def complete() -> int:
            try:
                outcome = await watch
            finally:
                self._outcomes.forget(key)
            if outcome is Outcome.RESET:
                on_reset()
            return status_code(outcome)

        return self.spawn(complete())

    def spawn(self, coro: Coroutine[Any, Any, int]) -> asyncio.Task[int]:
        """Run ``coro`` until it ends or the client closes."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    @staticmethod
    def failed() -> Exchange:
        """An exchange that never got on the wire (mid 0, status 2)."""
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        done.set_result(StatusCode.NOT_SENT)
        return Exchange(mid=0, result=done)

    @staticmethod
    def succeeded(mid: int) -> Exchange:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        done.set_result(StatusCode.SUCCESS)
        return Exchange(mid=mid, result=done)


def _consume(fut: asyncio.Future[Any]) -> None:
    """Mark a future's exception as retrieved: the outcome is read through another path."""
    if not fut.cancelled():
        fut.exception()
