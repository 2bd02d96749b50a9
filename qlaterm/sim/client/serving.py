"""How the client serves the requests of its server (and of a bootstrap server while it bootstraps).

* The built-in objects (:mod:`~qlaterm.sim.client.objects`) are answered here, including the Writes of
  lifetime and binding and the Executes of reboot, factory reset and the Registration Update Trigger,
  which are reported through :class:`~qlaterm.sim.client.types.ClientHandler`.
* A request on a custom object becomes a :class:`~qlaterm.sim.client.types.ServerRequest` for the
  terminal; the CoAP request gets an empty ACK and stays pending until :meth:`Serving.respond` sends the
  separate response, or gets 5.03 after ``request_timeout`` seconds.
* A path that was never added gets 4.04 and a method the LwM2M operation does not allow gets 4.05,
  without bothering the terminal (:mod:`~qlaterm.sim.client.requests`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from aiocoap import Message
from aiocoap.error import ConstructionRenderableError
from aiocoap.numbers.codes import (
    BAD_REQUEST,
    CHANGED,
    CONTENT,
    INTERNAL_SERVER_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    NOT_FOUND,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    UNSUPPORTED_CONTENT_FORMAT,
    Code,
)
from aiocoap.pipe import Pipe

from qlaterm.lwm2m.blockwise import BlockwiseAnswers
from qlaterm.lwm2m.formats import CodecError, ContentFormat, Scalar, decode, encode
from qlaterm.lwm2m.paths import Path
from qlaterm.sim.client import objects
from qlaterm.sim.client.attributes import AttributesRefused, parse_query
from qlaterm.sim.client.exchanges import Exchanges
from qlaterm.sim.client.objects import DeviceInfo
from qlaterm.sim.client.observations import Observation, Observations
from qlaterm.sim.client.registration import Registration
from qlaterm.sim.client.requests import (
    READ_FORMATS,
    choose_format,
    custom_request,
    operation,
    parse_path,
    reply,
    write_format,
)
from qlaterm.sim.client.types import ClientHandler, Retransmit, ServerRequest

log = logging.getLogger("qlaterm.sim.client")


class BlockwisePipe:
    """What the client answers an incoming request through: the request as a whole (Block1 pieces put
    together) and, for the answer, the real pipe behind a Block2 cut (see :mod:`qlaterm.lwm2m.blockwise`)."""

    def __init__(self, pipe: Pipe, request: Message, blocks: BlockwiseAnswers) -> None:
        self._pipe = pipe
        self.request = request
        self._blocks = blocks

    def add_response(self, response: Message, is_last: bool) -> Message:
        """Send ``response`` (its first Block2 piece when it is too large); returns the message that went
        out, with its type and message ID set by the message layer."""
        if self.request.opt.block1 is not None:
            response.opt.block1 = self.request.opt.block1
        sent = self._blocks.first_block(self.request, response)
        self._pipe.add_response(sent, is_last)
        return sent


@dataclass
class Pending:
    """A custom-object request waiting for :meth:`Serving.respond`."""

    request: ServerRequest
    pipe: BlockwisePipe  # its request is the whole request (Block1 pieces put together)
    done: asyncio.Future[None]


class Serving:
    """The aiocoap server site of the client (a :class:`~qlaterm.sim.client.connection.Site`) and the
    custom-object requests pending on the terminal's answer, by message ID."""

    def __init__(
        self,
        handler: ClientHandler,
        *,
        registration: Registration,
        observations: Observations,
        exchanges: Exchanges,
        blocks: BlockwiseAnswers,
        objects: Callable[[], Mapping[int, Mapping[int, Sequence[int]]]],
        device: Callable[[], DeviceInfo],
        retransmit: Callable[[], Retransmit],
        request_timeout: float,
    ) -> None:
        self._handler = handler
        self._registration = registration
        self._observations = observations
        self._exchanges = exchanges
        self._blocks = blocks
        self._objects = objects
        self._device = device
        self._retransmit = retransmit
        self._request_timeout = request_timeout
        self._pending: dict[int, Pending] = {}

    # Site ------------------------------------------------------------------------------------------

    async def render_to_pipe(self, pipe: Pipe) -> None:
        """Every incoming request, except the Block1 pieces before the last one and the requests for
        later Block2 pieces of an answer already given, which never reach the terminal."""
        try:
            request = self._blocks.assemble(pipe.request)
        except ConstructionRenderableError as exc:
            pipe.add_response(exc.to_message(), is_last=True)
            return
        later = self._blocks.later_block(request)
        if later is not None:
            pipe.add_response(later, is_last=True)
            return
        await self._render(BlockwisePipe(pipe, request, self._blocks))

    def socket_closed(self) -> None:
        """Requests still pending died with the socket."""
        for mid in list(self._pending):
            del self._pending[mid]
            self._handler.on_request_expired(mid)

    # The terminal's answers ------------------------------------------------------------------------

    def pending(self) -> list[ServerRequest]:
        """Requests on custom objects still waiting for an answer, oldest first."""
        return [entry.request for entry in self._pending.values()]

    def respond(
        self, mid: int, code: Code, values: Mapping[tuple[int, ...], Scalar] | None = None
    ) -> asyncio.Future[int]:
        """Answer the pending request ``mid`` (KeyError if there is none) with ``code`` and, for a Read,
        Observe or cancel, ``values`` keyed by full path, encoded per the request's Accept option.
        The result is the response's outcome: 0 piggybacked or acknowledged, 1 when its retransmissions
        ran out, 9 RST (which also ends an observation it established), 2 if it could not be sent. A 2.05
        to an Observe establishes the observation; any answer to a cancel removes it."""
        entry = self._pending.pop(mid)
        sreq = entry.request
        response = self._answer(sreq, code, values or {})
        observation: Observation | None = None
        if sreq.op == "observe" and response.code.is_successful():
            observation = self._observations.new(entry.pipe.request, sreq.path, sreq.accept, values or {})
            response.opt.observe = observation.seq
        if not entry.done.done():
            entry.done.set_result(None)
        try:
            sent = entry.pipe.add_response(response, is_last=True)
        except Exception:
            log.exception("response to %d not sent", mid)
            return self._exchanges.failed().result
        if observation is not None:
            self._observations.add(observation)
        elif sreq.op == "cancel":
            self._observations.cancel(entry.pipe.request, sreq.path)
        established = observation

        def reset() -> None:
            if established is not None:
                self._observations.end(established)

        return self._exchanges.response_outcome(sent, on_reset=reset)

    def _answer(self, sreq: ServerRequest, code: Code, values: Mapping[tuple[int, ...], Scalar]) -> Message:
        """The CoAP response for the terminal's answer to ``sreq``."""
        tuning = self._retransmit().tuning(reliability=None)
        if not values or sreq.op not in ("read", "observe", "cancel") or not code.is_successful():
            msg = Message(code=code, transport_tuning=tuning)
            return msg
        fmt = choose_format(sreq.accept, sreq.path, values)
        try:
            payload = encode(fmt, sreq.path, values)
        except CodecError as exc:
            log.info("answer to %d cannot be encoded as %s: %s", sreq.mid, fmt, exc)
            return Message(code=NOT_ACCEPTABLE if sreq.accept is not None else INTERNAL_SERVER_ERROR,
                           transport_tuning=tuning)
        return Message(code=code, payload=payload, content_format=fmt, transport_tuning=tuning)

    # Incoming requests -----------------------------------------------------------------------------

    async def _render(self, pipe: BlockwisePipe) -> None:
        req = pipe.request
        bootstrap = self._registration.bootstrap_session
        if bootstrap is not None and not bootstrap.finished.done():
            pipe.add_response(bootstrap.render(req), is_last=True)
            return
        path = parse_path(req.opt.uri_path)
        if path is None:
            pipe.add_response(reply(NOT_FOUND), is_last=True)
            return
        if path[0] in objects.BUILTIN_OBJECTS:
            self._render_builtin(pipe, req, path)
            return
        if not self._custom_exists(path):
            pipe.add_response(reply(NOT_FOUND), is_last=True)
            return
        op = operation(req, path)
        if op is None:
            pipe.add_response(reply(METHOD_NOT_ALLOWED), is_last=True)
            return
        if op == "discover":
            pipe.add_response(reply(CONTENT, self._custom_discover(path).encode(), ContentFormat.LINK), True)
            return
        if op == "write_attributes":
            pipe.add_response(self._write_attributes(req, path), is_last=True)
            return
        sreq, refusal = custom_request(req, path, op, self._custom_exists)
        if refusal is not None:
            pipe.add_response(refusal, is_last=True)
            return
        assert sreq is not None
        await self._await_answer(pipe, sreq)

    async def _await_answer(self, pipe: BlockwisePipe, sreq: ServerRequest) -> None:
        """Hand the request to the module and keep the exchange open until respond() or the timeout."""
        mid = sreq.mid
        if mid in self._pending:
            pipe.add_response(reply(SERVICE_UNAVAILABLE), is_last=True)
            return
        entry = Pending(request=sreq, pipe=pipe, done=asyncio.get_running_loop().create_future())
        self._pending[mid] = entry
        try:
            accepted = bool(self._handler.on_request(sreq))
        except Exception:
            log.exception("on_request failed")
            accepted = False
        if not accepted:
            if self._pending.get(mid) is entry:
                del self._pending[mid]
                pipe.add_response(reply(SERVICE_UNAVAILABLE), is_last=True)
            return
        try:
            await asyncio.wait_for(asyncio.shield(entry.done), self._request_timeout)
        except TimeoutError:
            if self._pending.get(mid) is entry:
                del self._pending[mid]
                # A separate response by now: it is retransmitted on the module's schedule.
                unavailable = reply(SERVICE_UNAVAILABLE)
                unavailable.transport_tuning = self._retransmit().tuning(reliability=None)
                pipe.add_response(unavailable, is_last=True)
                self._handler.on_request_expired(mid)
        except asyncio.CancelledError:
            # respond() ending the exchange cancels this task too; anything else means the exchange died.
            if self._pending.get(mid) is entry:  # still unanswered
                del self._pending[mid]
                self._handler.on_request_expired(mid)
            raise

    def _custom_exists(self, path: Path) -> bool:
        model = self._objects()
        if path[0] not in model:
            return False
        if len(path) == 1:
            return True
        instances = model[path[0]]
        if path[1] not in instances:
            return False
        return len(path) == 2 or path[2] in instances[path[1]]

    def _custom_discover(self, path: Path) -> str:
        model = self._objects()
        paths = [(o, i, r) for o, insts in model.items() for i, res in insts.items() for r in res]
        return objects.discover_links(paths, path, self._observations.attributes.links([*paths, path], path))

    def _write_attributes(self, req: Message, path: Path) -> Message:
        """Write-Attributes on an existing path: 2.04, or 4.00 for an attribute, value or combination
        the module does not keep."""
        try:
            self._observations.write_attributes(path, parse_query(req.opt.uri_query))
        except AttributesRefused as exc:
            log.info("write-attributes on %s refused: %s", path, exc)
            return reply(BAD_REQUEST)
        return reply(CHANGED)

    # Built-in objects ------------------------------------------------------------------------------

    def _render_builtin(self, pipe: BlockwisePipe, req: Message, path: Path) -> None:
        if path[0] == objects.SECURITY:
            pipe.add_response(reply(UNAUTHORIZED), is_last=True)  # never accessible to a DM server
            return
        ids = self._registration.instances
        if not ids.exists(path):
            pipe.add_response(reply(NOT_FOUND), is_last=True)
            return
        op = operation(req, path)
        res = ids.resource(path)
        if op == "discover":
            paths = [(path[0], ids.of(path[0]), r) for r in objects.SCHEMA[path[0]]]
            links = self._observations.attributes.links([*paths, path], path)
            pipe.add_response(reply(CONTENT, objects.discover_links(paths, path, links).encode(), ContentFormat.LINK),
                              True)
        elif op == "write_attributes":
            pipe.add_response(self._write_attributes(req, path), is_last=True)
        elif op in ("read", "observe", "cancel"):
            if res is not None and not res.readable:
                pipe.add_response(reply(METHOD_NOT_ALLOWED), is_last=True)
                return
            response = self._builtin_read(req, path)
            observation = None
            if op == "observe" and response.code.is_successful():
                observation = self._observations.new(
                    req, path, req.opt.accept, self._builtin_values(path), lambda: self._builtin_values(path)
                )
                response.opt.observe = observation.seq
            pipe.add_response(response, is_last=True)
            if observation is not None:
                self._observations.add(observation)
            elif op == "cancel":
                self._observations.cancel(req, path)
        elif op == "write":
            self._builtin_write(pipe, req, path)
        elif op == "execute" and res is not None and res.executable:
            pipe.add_response(reply(CHANGED), is_last=True)
            if path == ids.server_resource(objects.UPDATE_TRIGGER):
                self._exchanges.spawn(self._registration.triggered_update())
            else:
                self._handler.on_builtin_execute((path[0], path[1], path[2]))  # a resource path
        else:
            pipe.add_response(reply(METHOD_NOT_ALLOWED), is_last=True)

    def _builtin_values(self, path: Path) -> dict[Path, Scalar]:
        """The current values of the built-in objects at or below ``path``."""
        return objects.select(
            objects.builtin_values(self._device(), self._registration.server, self._registration.security), path
        )

    def _builtin_read(self, req: Message, path: Path) -> Message:
        values = self._builtin_values(path)
        fmt = choose_format(req.opt.accept, path, values)
        try:
            payload = encode(fmt, path, values)
        except CodecError:
            return reply(NOT_ACCEPTABLE)
        return reply(CONTENT, payload, fmt)

    def _builtin_write(self, pipe: BlockwisePipe, req: Message, path: Path) -> None:
        fmt = write_format(req.opt.content_format, path)
        try:
            raw = decode(fmt, path, req.payload)
        except CodecError:
            pipe.add_response(reply(BAD_REQUEST if fmt in READ_FORMATS else UNSUPPORTED_CONTENT_FORMAT), True)
            return
        ids = self._registration.instances
        written: dict[Path, Scalar] = {}
        for p, value in raw.items():
            res = ids.resource(p[:3])
            if res is None:
                pipe.add_response(reply(NOT_FOUND), is_last=True)
                return
            if not res.writable or len(p) != 3:
                pipe.add_response(reply(METHOD_NOT_ALLOWED), is_last=True)
                return
            try:
                written[p] = objects.typed(value, res.kind)
            except CodecError:
                pipe.add_response(reply(BAD_REQUEST), is_last=True)
                return
        lifetime_path, binding_path = ids.server_resource(objects.LIFETIME), ids.server_resource(objects.BINDING)
        lifetime = written.get(lifetime_path)
        binding = written.get(binding_path)
        low, high = objects.LIFETIME_RANGE
        if (lifetime is not None and not low <= int(lifetime) <= high) or (
            binding is not None and binding not in objects.BINDINGS
        ):
            pipe.add_response(reply(BAD_REQUEST), is_last=True)
            return
        if not written:
            pipe.add_response(reply(BAD_REQUEST), is_last=True)
            return
        self._registration.write_server({p[2]: value for p, value in written.items()})
        pipe.add_response(reply(CHANGED), is_last=True)
        self._observations.reschedule()  # the default pmin and pmax may have changed
        for p, value in written.items():
            if p in (lifetime_path, binding_path):
                self._handler.on_server_write((p[0], p[1], p[2]), value, False)
        if lifetime is not None or binding is not None:
            self._handler.on_server_changed(
                int(lifetime) if lifetime is not None else None, str(binding) if binding is not None else None
            )
