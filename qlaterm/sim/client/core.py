"""The simulated BC26's LwM2M client (LwM2M 1.0 over CoAP/UDP, on aiocoap).

The AT interpreter (``qlaterm.sim.module``) owns one :class:`LwM2MClient`. The split of work mirrors the real
module:

* The client answers the built-in objects by itself (0 Security, 1 Server, 3 Device, 4 Connectivity
  Monitoring, 5 Firmware Update; see :mod:`qlaterm.sim.client.objects`), including the Writes of lifetime and
  binding and the Executes of reboot and factory reset, which it reports through :class:`ClientHandler`.
* A request on a custom object (added with AT+QLAADDOBJ) is *not* answered by the client: it becomes a
  :class:`ServerRequest` that the module prints as a URC, the CoAP request gets an empty ACK, and the
  terminal's AT answer (AT+QLARDRSP…) arrives here as :meth:`LwM2MClient.respond`, which sends the
  separate response. Unanswered for ``request_timeout`` seconds, the request gets 5.03.
* A path that was never added gets 4.04 and a method the LwM2M operation does not allow gets 4.05,
  without bothering the terminal.

Every message the client originates reports its message ID as soon as it is on the wire (the module
prints it before ``OK``) and its outcome as a status code of the source's table 6 (:func:`status_code`).
Confirmable messages follow the module's retransmission schedule (:class:`Retransmit`).

The pieces: :mod:`~qlaterm.sim.client.types` (the vocabulary shared with the AT side),
:mod:`~qlaterm.sim.client.requests` (what an incoming request asks for, and the errors that stop it),
:mod:`~qlaterm.sim.client.bootstrap`, :mod:`~qlaterm.sim.client.objects` (the built-in objects) and
:mod:`~qlaterm.lwm2m.transport` (the socket and the aiocoap stack, where DTLS plugs in).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiocoap import Message, error
from aiocoap.error import ConstructionRenderableError
from aiocoap.interfaces import EndpointAddress
from aiocoap.numbers.codes import (
    BAD_REQUEST,
    CHANGED,
    CONTENT,
    DELETE,
    INTERNAL_SERVER_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    NOT_FOUND,
    POST,
    SERVICE_UNAVAILABLE,
    UNAUTHORIZED,
    UNSUPPORTED_CONTENT_FORMAT,
    Code,
)
from aiocoap.pipe import Pipe
from aiocoap.protocol import Request

from qlaterm.at.codes import StatusCode
from qlaterm.lwm2m.blockwise import BlockwiseAnswers
from qlaterm.lwm2m.dtls import DTLSTransport
from qlaterm.lwm2m.dtls_session import module_options
from qlaterm.lwm2m.formats import CodecError, ContentFormat, Scalar, decode, encode
from qlaterm.lwm2m.linkformat import Link, link_format
from qlaterm.lwm2m.paths import Path
from qlaterm.lwm2m.transport import Endpoint, TransportUnavailable, hostinfo, open_endpoint, scheme_for
from qlaterm.sim.client import objects
from qlaterm.sim.client.bootstrap import BootstrapSession
from qlaterm.sim.client.objects import DeviceInfo, SecurityAccount, ServerAccount
from qlaterm.sim.client.requests import (
    READ_FORMATS,
    choose_format,
    custom_request,
    operation,
    parse_path,
    reply,
    write_format,
)
from qlaterm.sim.client.types import (
    ClientHandler,
    Exchange,
    Op,
    Outcome,
    Retransmit,
    ServerRequest,
    ServerTarget,
    status_code,
)

__all__ = [
    "ClientHandler",
    "DeviceInfo",
    "Exchange",
    "LwM2MClient",
    "Op",
    "Outcome",
    "Retransmit",
    "ServerRequest",
    "ServerTarget",
    "status_code",
]

log = logging.getLogger("qlaterm.sim.client")

_OBSERVE_SEQ_MASK = 0xFFFFFF


# --------------------------------------------------------------------------------------------------
# Internal records


@dataclass
class _Pending:
    """A custom-object request waiting for :meth:`LwM2MClient.respond`."""

    request: ServerRequest
    pipe: _BlockwisePipe  # its request is the whole request (Block1 pieces put together)
    done: asyncio.Future[None]


@dataclass
class _Observation:
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


class _BlockwisePipe:
    """What the client answers an incoming request through: the request as a whole (Block1 pieces put
    together) and, for the answer, the real pipe behind a Block2 cut (see :mod:`qlaterm.lwm2m.blockwise`)."""

    def __init__(self, pipe: Pipe, request: Message, blocks: BlockwiseAnswers) -> None:
        self._pipe = pipe
        self.request = request
        self._blocks = blocks

    def add_response(self, response: Message, is_last: bool) -> None:
        if self.request.opt.block1 is not None:
            response.opt.block1 = self.request.opt.block1
        self._pipe.add_response(self._blocks.first_block(self.request, response), is_last)


class _Site:
    """The aiocoap server site of the client: every incoming request goes to the client, except the
    Block1 pieces before the last one and the requests for later Block2 pieces of an answer already
    given, which never reach the terminal."""

    def __init__(self, client: LwM2MClient) -> None:
        self._client = client

    async def render_to_pipe(self, pipe: Pipe) -> None:
        blocks = self._client._blocks
        try:
            request = blocks.assemble(pipe.request)
        except ConstructionRenderableError as exc:
            pipe.add_response(exc.to_message(), is_last=True)
            return
        later = blocks.later_block(request)
        if later is not None:
            pipe.add_response(later, is_last=True)
            return
        await self._client._render(_BlockwisePipe(pipe, request, blocks))


# --------------------------------------------------------------------------------------------------
# The client


class LwM2MClient:
    """One LwM2M client session of the simulated module (see the module docstring).

    ``objects`` gives the custom objects ``{obj: {inst: [res ids]}}`` in the order they were added;
    ``device`` the values of objects 3 and 4; ``retransmit`` the current retransmission settings. All
    three are callables so that AT+QLAADDOBJ, AT+QLACFG and friends take effect on the next message.
    """

    def __init__(
        self,
        handler: ClientHandler,
        *,
        objects: Callable[[], Mapping[int, Mapping[int, Sequence[int]]]],
        device: Callable[[], DeviceInfo],
        retransmit: Callable[[], Retransmit],
        bind_host: str = "127.0.0.1",
        request_timeout: float = 60.0,
    ) -> None:
        self._handler = handler
        self._objects = objects
        self._device = device
        self._retransmit = retransmit
        self._bind_host = bind_host
        self._request_timeout = request_timeout

        self.registered = False
        self.location: str | None = None

        self._site = _Site(self)
        self._blocks = BlockwiseAnswers()
        self._endpoint: Endpoint | None = None
        self._target: ServerTarget | None = None
        self._server_remote: EndpointAddress | None = None
        self._server = ServerAccount()
        self._security = SecurityAccount()
        self._bootstrap: BootstrapSession | None = None
        self._pending: dict[int, _Pending] = {}
        self._observations: list[_Observation] = []
        self._watches: dict[tuple[EndpointAddress, int], asyncio.Future[Outcome]] = {}
        self._non_notifications: dict[tuple[EndpointAddress, int], _Observation] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_port = 0
        self._dtls_sessions: dict[Any, bytes] = {}  # survives deep sleep, for DTLS session resumption

    # ---------------------------------------------------------------------------------------------
    # Public API

    @property
    def port(self) -> int | None:
        """Local UDP port of the open socket (None while closed)."""
        return self._endpoint.port if self._endpoint is not None else None

    @property
    def dtls_transport(self) -> DTLSTransport | None:
        """The DTLS layer of the open socket in security mode 0 (its handshakes say what was negotiated)."""
        if self._endpoint is None:
            return None
        transport = self._endpoint.mman.message_interface
        return transport if isinstance(transport, DTLSTransport) else None

    @property
    def target(self) -> ServerTarget | None:
        """The server the client registers with (lifetime and binding follow Updates and server Writes)."""
        return self._target

    async def bootstrap(self, target: ServerTarget) -> tuple[int, ServerTarget | None]:
        """Bootstrap-Request to ``target``, accept its Writes to objects 0 and 1, and wait for
        Bootstrap-Finish; returns the status and the LwM2M server the bootstrap server assigned."""
        try:
            endpoint = await self._ensure_endpoint(target)
            remote = await endpoint.resolve(hostinfo(target.host, target.port))
        except (TransportUnavailable, OSError, error.Error) as exc:
            log.info("bootstrap: cannot open transport: %s", exc)
            return StatusCode.NOT_SENT, None
        state = BootstrapSession(target, self._handler)
        self._bootstrap = state
        try:
            status, _ = await self._request(remote, POST, ["bs"], [f"ep={target.endpoint}"])
            if status != StatusCode.SUCCESS:
                return status, None
            try:
                await asyncio.wait_for(asyncio.shield(state.finished), self._request_timeout)
            except TimeoutError:
                return StatusCode.TIMEOUT, None
            assigned = await state.assigned_server()
            if assigned is None:
                return StatusCode.BAD_REQUEST, None
            return StatusCode.SUCCESS, assigned
        finally:
            self._bootstrap = None

    async def register(self, target: ServerTarget) -> int:
        """Register (``POST /rd?ep=&lt=&lwm2m=1.0&b=``) with the built-in and custom instances; returns
        the status code. Observations of an earlier registration are dropped."""
        self.registered = False
        self.location = None
        self._drop_observations()
        try:
            endpoint = await self._ensure_endpoint(target)
            self._server_remote = await endpoint.resolve(hostinfo(target.host, target.port))
        except (TransportUnavailable, OSError, error.Error) as exc:
            log.info("register: cannot open transport: %s", exc)
            return StatusCode.NOT_SENT
        self._target = dataclasses.replace(target)
        self._server = ServerAccount(lifetime=target.lifetime, binding=target.binding)
        self._security = SecurityAccount(
            uri=f"{scheme_for(target.security_mode)}://{hostinfo(target.host, target.port)}",
            mode=target.security_mode,
            identity=(target.psk_id or "").encode(),
            key=target.psk or b"",
        )
        query = [
            f"ep={target.endpoint}",
            f"lt={target.lifetime}",
            "lwm2m=1.0",
            f"b={target.binding}",
        ]
        status, response = await self._request(
            self._server_remote,
            POST,
            ["rd"],
            query,
            payload=self.registration_links().encode(),
            content_format=ContentFormat.LINK,
        )
        if status == StatusCode.SUCCESS and response is not None:
            segments = response.opt.location_path or ("rd",)
            self.location = "/" + "/".join(segments)
            self.registered = True
        return status

    async def update(
        self, *, lifetime: int | None = None, binding: str | None = None, with_objects: bool = False
    ) -> Exchange:
        """Registration Update; the Exchange's mid is known when this returns. A failed Update (any
        status but 0) loses the registration."""
        if self._endpoint is None or self._server_remote is None or self.location is None:
            return self._failed_exchange()
        query = []
        if lifetime is not None:
            query.append(f"lt={lifetime}")
        if binding is not None:
            query.append(f"b={binding}")
        payload = self.registration_links().encode() if with_objects else b""
        started = await self._start_request(
            self._server_remote,
            POST,
            self.location.strip("/").split("/"),
            query,
            payload=payload,
            content_format=ContentFormat.LINK if with_objects else None,
        )
        if started is None:
            self.registered = False
            return self._failed_exchange()
        msg, req = started

        async def complete() -> int:
            status, _ = await self._finish_request(msg, req)
            if status == StatusCode.SUCCESS:
                if self._target is not None:
                    if lifetime is not None:
                        self._target.lifetime = self._server.lifetime = lifetime
                    if binding is not None:
                        self._target.binding = self._server.binding = binding
            else:
                self.registered = False
            return status

        return Exchange(mid=msg.mid, result=self._spawn(complete()))

    async def deregister(self) -> int:
        """De-register (``DELETE`` the registration), then close the socket; returns the status code."""
        status: int = StatusCode.NOT_SENT
        if self._endpoint is not None and self._server_remote is not None and self.location is not None:
            status, _ = await self._request(self._server_remote, DELETE, self.location.strip("/").split("/"), [])
        self.registered = False
        self.location = None
        self._drop_observations()
        await self._close_endpoint()
        return status

    async def respond(
        self, mid: int, code: Code, values: Mapping[tuple[int, ...], Scalar] | None = None
    ) -> int:
        """Answer the pending request ``mid`` (KeyError if there is none) with ``code`` and, for a Read,
        Observe or cancel, ``values`` keyed by full path, encoded per the request's Accept option.
        Returns 0 once the response is on its way, 2 if it could not be sent. A 2.05 to an Observe
        establishes the observation; any answer to a cancel removes it."""
        entry = self._pending.pop(mid)
        sreq = entry.request
        response = self._answer(sreq, code, values or {})
        observation: _Observation | None = None
        if sreq.op == "observe" and response.code.is_successful():
            observation = self._new_observation(entry.pipe.request, sreq.path, sreq.accept)
            response.opt.observe = observation.seq
        if not entry.done.done():
            entry.done.set_result(None)
        try:
            entry.pipe.add_response(response, is_last=True)
        except Exception:
            log.exception("response to %d not sent", mid)
            return StatusCode.NOT_SENT
        if observation is not None:
            self._add_observation(observation)
        elif sreq.op == "cancel":
            self._remove_observations(entry.pipe.request, sreq.path)
        return StatusCode.SUCCESS

    def pending(self) -> list[ServerRequest]:
        """Requests on custom objects still waiting for an answer, oldest first."""
        return [entry.request for entry in self._pending.values()]

    def observations(self) -> list[tuple[int, ...]]:
        """Paths of the established observations, in the order they were established."""
        return [obs.path for obs in self._observations]

    async def notify(
        self, path: tuple[int, int, int], values: Mapping[tuple[int, ...], Scalar], *, con: bool
    ) -> Exchange:
        """Send a notification on the observation covering ``path`` (the resource, its instance or its
        object; the most specific one wins). LookupError when there is none; CodecError when the values
        do not fit the observation's content format. NON: result 0 once sent. CON: 0 on ACK, 1 on
        timeout, 9 on RST (which also ends the observation)."""
        obs = self._covering(path)
        if obs is None:
            raise LookupError(f"no observation covers {path}")
        fmt = choose_format(obs.accept, obs.path, values)
        payload = encode(fmt, obs.path, values)
        if self._endpoint is None:
            return self._failed_exchange()
        tuning = self._retransmit().tuning(reliability=con)
        whole = Message(code=CONTENT, payload=payload, content_format=fmt, transport_tuning=tuning)
        obs.seq = (obs.seq + 1) & _OBSERVE_SEQ_MASK
        whole.opt.observe = obs.seq
        msg = self._blocks.first_block(obs.request, whole)
        msg.token = obs.token
        msg.remote = obs.remote
        mman = self._endpoint.mman
        try:
            mman.send_message(msg, lambda: None)
        except Exception as exc:
            log.info("notification not sent: %s", exc)
            return self._failed_exchange()
        key = (msg.remote, msg.mid)
        loop = asyncio.get_running_loop()
        if not con:
            self._non_notifications[key] = obs
            while len(self._non_notifications) > 256:
                self._non_notifications.pop(next(iter(self._non_notifications)))
            done: asyncio.Future[int] = loop.create_future()
            done.set_result(StatusCode.SUCCESS)
            return Exchange(mid=msg.mid, result=done)
        watch = self._watch(key)

        async def complete() -> int:
            outcome = await watch
            self._watches.pop(key, None)
            if outcome is Outcome.RESET:
                self._end_observation(obs)
            return status_code(outcome)

        return Exchange(mid=msg.mid, result=self._spawn(complete()))

    async def send(self, payload: bytes, *, con: bool, content_format: int = ContentFormat.SENML_JSON) -> Exchange:
        """LwM2M Send: ``POST /dp`` with ``payload``. NON: result 0 once sent; CON: the response's status."""
        if self._endpoint is None or self._server_remote is None:
            return self._failed_exchange()
        started = await self._start_request(
            self._server_remote, POST, ["dp"], [], payload=payload, content_format=content_format, con=con
        )
        if started is None:
            return self._failed_exchange()
        msg, req = started
        if not con:
            # Nothing waits for an answer to a NON; forget the request once an answer could no longer come.
            loop = asyncio.get_running_loop()
            loop.call_later(msg.transport_tuning.EXCHANGE_LIFETIME, req.response.cancel)
            req.response.add_done_callback(_consume)
            done: asyncio.Future[int] = loop.create_future()
            done.set_result(StatusCode.SUCCESS)
            return Exchange(mid=msg.mid, result=done)

        async def complete() -> int:
            status, _ = await self._finish_request(msg, req)
            return status

        return Exchange(mid=msg.mid, result=self._spawn(complete()))

    async def suspend(self) -> None:
        """Deep sleep: close the socket, keep the registration and the observations."""
        await self._close_endpoint()

    async def resume(self) -> int:
        """Wake from deep sleep: reopen the socket on the same local port (the modem keeps its PDP
        context through PSM, so the server still reaches it there; any free port if that one is taken),
        send an Update (session recovery) and return its status. Observations continue."""
        if self._target is None or self.location is None:
            return StatusCode.NOT_SENT
        try:
            endpoint = await self._ensure_endpoint(self._target, self._last_port)
            self._server_remote = await endpoint.resolve(hostinfo(self._target.host, self._target.port))
            for obs in self._observations:
                obs.remote = await endpoint.resolve(obs.hostinfo)
        except (TransportUnavailable, OSError, error.Error) as exc:
            log.info("resume: cannot open transport: %s", exc)
            self.registered = False
            return StatusCode.NOT_SENT
        exchange = await self.update()
        status = await exchange.result
        if status != StatusCode.SUCCESS:
            self._handler.on_registration_lost()
        return status

    async def close(self) -> None:
        """Forget everything and close the socket (no De-register is sent)."""
        self.registered = False
        self.location = None
        self._drop_observations()
        await self._close_endpoint()
        for task in list(self._tasks):
            task.cancel()

    def registration_links(self) -> str:
        """The Register payload: ``</1/0>,</3/0>,</4/0>,</5/0>`` then every custom instance in the
        order added."""
        paths = list(objects.REGISTERED_INSTANCES)
        for obj, instances in self._objects().items():
            paths.extend((obj, inst) for inst in instances)
        return link_format(Link(f"/{o}/{i}") for o, i in paths)

    # ---------------------------------------------------------------------------------------------
    # ExchangeObserver (called by the message manager)

    def transmitted(self, message: Message) -> None:
        log.debug("sent %s", message)

    def acknowledged(self, remote: EndpointAddress, mid: int, message: Message) -> None:
        self._settle((remote, mid), Outcome.ACKED)

    def reset(self, remote: EndpointAddress, mid: int, confirmable: bool) -> None:
        if confirmable:
            self._settle((remote, mid), Outcome.RESET)
            return
        obs = self._non_notifications.pop((remote, mid), None)
        if obs is not None and obs in self._observations:
            self._end_observation(obs)
            self._handler.on_notify_reset(mid)

    def timed_out(self, remote: EndpointAddress, mid: int) -> None:
        self._settle((remote, mid), Outcome.TIMEOUT)

    def _settle(self, key: tuple[EndpointAddress, int], outcome: Outcome) -> None:
        watch = self._watches.get(key)
        if watch is not None and not watch.done():
            watch.set_result(outcome)

    def _watch(self, key: tuple[EndpointAddress, int]) -> asyncio.Future[Outcome]:
        watch: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._watches[key] = watch
        return watch

    # ---------------------------------------------------------------------------------------------
    # Outgoing requests

    async def _ensure_endpoint(self, target: ServerTarget, port: int = 0) -> Endpoint:
        """The open socket if it suits ``target``'s security, else a new one (on ``port`` if that is
        still free, else on any port)."""
        psk = (target.psk_id or "", target.psk or b"") if target.security_mode == 0 else None
        dtls = None
        if target.security_mode == 0:
            schedule = self._retransmit()
            dtls = module_options(target.dtls_mode, target.dtls_version, schedule.ack_timeout, schedule.max_retransmit)
        endpoint = self._endpoint
        if (
            endpoint is not None
            and endpoint.security_mode == target.security_mode
            and endpoint.psk == psk
            and endpoint.dtls == dtls
        ):
            return endpoint
        await self._close_endpoint()
        options: dict[str, Any] = dict(
            bind_host=self._bind_host,
            security_mode=target.security_mode,
            observer=self,
            psk=psk,
            dtls=dtls,
            dtls_sessions=self._dtls_sessions,
        )
        try:
            self._endpoint = await open_endpoint(self._site, port=port, **options)
        except OSError:
            if not port:
                raise
            self._endpoint = await open_endpoint(self._site, **options)
        self._last_port = self._endpoint.port
        return self._endpoint

    async def _close_endpoint(self) -> None:
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is None:
            return
        await endpoint.close()
        for key, watch in list(self._watches.items()):
            if not watch.done():
                watch.set_result(Outcome.NOT_SENT)
            self._watches.pop(key, None)
        # Requests still pending died with the socket.
        for mid in list(self._pending):
            del self._pending[mid]
            self._handler.on_request_expired(mid)

    async def _start_request(
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
        endpoint = self._endpoint
        if endpoint is None:
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
        pipe = Pipe(msg, endpoint.ctx.log)
        req = Request(pipe, asyncio.get_running_loop(), endpoint.ctx.log)
        req.response.add_done_callback(_consume)
        interface.request(pipe)  # synchronous down to the socket: the mid is set on return
        if msg.mid is None:
            return None
        if con:
            # Its ACK cannot arrive before control returns to the loop, so watching now is in time.
            self._watch((msg.remote, msg.mid))
        return msg, req

    async def _finish_request(self, msg: Message, req: Request) -> tuple[int, Message | None]:
        """Wait for the response to a CON request: its code's status, or timeout/RST/not sent."""
        key = (msg.remote, msg.mid)
        watch = self._watches.get(key)
        tuning = msg.transport_tuning
        try:
            if watch is not None:
                await asyncio.wait({req.response, watch}, return_when=asyncio.FIRST_COMPLETED)
            if not req.response.done() and watch is not None:
                outcome = watch.result()
                if outcome is not Outcome.ACKED:
                    return status_code(outcome), None
                # Empty ACK: the response follows separately, within as long as the CON could have taken.
                wait = tuning.transmit_wait  # the tuning of a Retransmit (see client_types)
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
            self._watches.pop(key, None)
            if not req.response.done():
                req.response.cancel()

    async def _request(
        self,
        remote: EndpointAddress,
        code: Code,
        path: Sequence[str],
        query: Sequence[str],
        *,
        payload: bytes = b"",
        content_format: int | None = None,
    ) -> tuple[int, Message | None]:
        started = await self._start_request(
            remote, code, path, query, payload=payload, content_format=content_format
        )
        if started is None:
            return StatusCode.NOT_SENT, None
        return await self._finish_request(*started)

    def _spawn(self, coro: Coroutine[Any, Any, int]) -> asyncio.Task[int]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _failed_exchange(self) -> Exchange:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        done.set_result(StatusCode.NOT_SENT)
        return Exchange(mid=0, result=done)

    # ---------------------------------------------------------------------------------------------
    # Incoming requests

    async def _render(self, pipe: _BlockwisePipe) -> None:
        req = pipe.request
        if self._bootstrap is not None and not self._bootstrap.finished.done():
            pipe.add_response(self._bootstrap.render(req), is_last=True)
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
            pipe.add_response(reply(CHANGED), is_last=True)
            return
        sreq, refusal = custom_request(req, path, op, self._custom_exists)
        if refusal is not None:
            pipe.add_response(refusal, is_last=True)
            return
        assert sreq is not None
        await self._await_answer(pipe, sreq)

    async def _await_answer(self, pipe: _BlockwisePipe, sreq: ServerRequest) -> None:
        """Hand the request to the module and keep the exchange open until respond() or the timeout."""
        mid = sreq.mid
        if mid in self._pending:
            pipe.add_response(reply(SERVICE_UNAVAILABLE), is_last=True)
            return
        entry = _Pending(request=sreq, pipe=pipe, done=asyncio.get_running_loop().create_future())
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
        return objects.discover_links(paths, path)

    # Built-in objects ----------------------------------------------------------------------------

    def _render_builtin(self, pipe: _BlockwisePipe, req: Message, path: Path) -> None:
        if path[0] == objects.SECURITY:
            pipe.add_response(reply(UNAUTHORIZED), is_last=True)  # never accessible to a DM server
            return
        if not objects.builtin_exists(path):
            pipe.add_response(reply(NOT_FOUND), is_last=True)
            return
        op = operation(req, path)
        res = objects.builtin_resource(path)
        if op == "discover":
            paths = [(path[0], 0, r) for r in objects.SCHEMA[path[0]]]
            pipe.add_response(reply(CONTENT, objects.discover_links(paths, path).encode(), ContentFormat.LINK), True)
        elif op == "write_attributes":
            pipe.add_response(reply(CHANGED), is_last=True)
        elif op in ("read", "observe", "cancel"):
            if res is not None and not res.readable:
                pipe.add_response(reply(METHOD_NOT_ALLOWED), is_last=True)
                return
            response = self._builtin_read(req, path)
            observation = None
            if op == "observe" and response.code.is_successful():
                observation = self._new_observation(req, path, req.opt.accept)
                response.opt.observe = observation.seq
            pipe.add_response(response, is_last=True)
            if observation is not None:
                self._add_observation(observation)
            elif op == "cancel":
                self._remove_observations(req, path)
        elif op == "write":
            self._builtin_write(pipe, req, path)
        elif op == "execute" and res is not None and res.executable:
            pipe.add_response(reply(CHANGED), is_last=True)
            if path == objects.UPDATE_TRIGGER_PATH:
                self._spawn(self._triggered_update())
            else:
                self._handler.on_builtin_execute((path[0], path[1], path[2]))  # a resource path
        else:
            pipe.add_response(reply(METHOD_NOT_ALLOWED), is_last=True)

    def _builtin_values(self) -> dict[Path, Scalar]:
        return objects.builtin_values(self._device(), self._server, self._security)

    def _builtin_read(self, req: Message, path: Path) -> Message:
        values = objects.select(self._builtin_values(), path)
        fmt = choose_format(req.opt.accept, path, values)
        try:
            payload = encode(fmt, path, values)
        except CodecError:
            return reply(NOT_ACCEPTABLE)
        return reply(CONTENT, payload, fmt)

    def _builtin_write(self, pipe: _BlockwisePipe, req: Message, path: Path) -> None:
        fmt = write_format(req.opt.content_format, path)
        try:
            raw = decode(fmt, path, req.payload)
        except CodecError:
            pipe.add_response(reply(BAD_REQUEST if fmt in READ_FORMATS else UNSUPPORTED_CONTENT_FORMAT), True)
            return
        written: dict[Path, Scalar] = {}
        for p, value in raw.items():
            res = objects.builtin_resource(p[:3])
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
        lifetime = written.get(objects.LIFETIME_PATH)
        binding = written.get(objects.BINDING_PATH)
        low, high = objects.LIFETIME_RANGE
        if (lifetime is not None and not low <= int(lifetime) <= high) or (
            binding is not None and binding not in objects.BINDINGS
        ):
            pipe.add_response(reply(BAD_REQUEST), is_last=True)
            return
        if not written:
            pipe.add_response(reply(BAD_REQUEST), is_last=True)
            return
        attribute = {2: "pmin", 3: "pmax", 5: "disable_timeout", 6: "storing", 1: "lifetime", 7: "binding"}
        for p, value in written.items():
            setattr(self._server, attribute[p[2]], value)
        if self._target is not None:
            self._target.lifetime = self._server.lifetime
            self._target.binding = self._server.binding
        pipe.add_response(reply(CHANGED), is_last=True)
        for p, value in written.items():
            if p in (objects.LIFETIME_PATH, objects.BINDING_PATH):
                self._handler.on_server_write((p[0], p[1], p[2]), value, False)

    async def _triggered_update(self) -> int:
        """/1/0/8 Registration Update Trigger: an Update like the module's own."""
        exchange = await self.update()
        status = await exchange.result
        if status != StatusCode.SUCCESS:
            self._handler.on_registration_lost()
        return status

    # Observations --------------------------------------------------------------------------------

    def _new_observation(self, req: Message, path: Path, accept: int | None) -> _Observation:
        remote = req.remote.as_response_address()
        return _Observation(path=path, token=bytes(req.token), remote=remote, hostinfo=remote.hostinfo,
                            accept=accept, request=req)

    def _add_observation(self, obs: _Observation) -> None:
        """Establish ``obs``; an observation with the same token from the same peer is replaced."""
        self._observations = [
            o for o in self._observations if not (o.token == obs.token and o.remote == obs.remote)
        ]
        self._observations.append(obs)

    def _remove_observations(self, req: Message, path: Path) -> None:
        """Cancel: the observation with the request's token, or failing that the ones on the path."""
        remote = req.remote.as_response_address()
        same_token = [o for o in self._observations if o.token == bytes(req.token) and o.remote == remote]
        doomed = same_token or [o for o in self._observations if o.path == path]
        for obs in doomed:
            self._end_observation(obs)

    def _end_observation(self, obs: _Observation) -> None:
        if obs in self._observations:
            self._observations.remove(obs)

    def _drop_observations(self) -> None:
        self._observations.clear()
        self._non_notifications.clear()

    def _covering(self, path: Path) -> _Observation | None:
        candidates = [o for o in self._observations if objects.under(path, o.path)]
        if not candidates:
            return None
        return max(candidates, key=lambda o: len(o.path))


def _consume(fut: asyncio.Future[Any]) -> None:
    """Mark a future's exception as retrieved: the outcome is read through another path."""
    if not fut.cancelled():
        fut.exception()
