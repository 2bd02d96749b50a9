"""The bundled LwM2M server ("the platform") on aiocoap.

It plays the cloud platform for the simulated BC26, offline: Bootstrap (`/bs`), Registration
(`/rd`), Device Management (Read, Write, Execute, Discover, Write-Attributes, Observe, Cancel),
Information Reporting (notifications) and Send (`/dp`). Tests, demos, `qlaterm-platform` and the
console's platform pane all drive it through this Python API:

    platform = Platform(port=0, profile="generic")
    await platform.start()
    device = await platform.wait_for_registration("my-endpoint")
    result = await platform.read("my-endpoint", "/3/0/0")

Requests to a device go to the address its Register came from (the module's LwM2M port) and leave
from the platform's own bound port, as a real server's would.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiocoap
from aiocoap import CON, Code, Message
from aiocoap.util import hostportsplit

from qlaterm.lwm2m.dtls import DTLSTransport, dtls_transport_of
from qlaterm.lwm2m.paths import Path, format_path, to_path
from qlaterm.lwm2m.transport import RetransmitTuning
from qlaterm.platform import blocks
from qlaterm.platform.bootstrap import BootstrapConfig
from qlaterm.platform.coaplog import CoapLog, remote_address
from qlaterm.platform.content import LINK_FORMAT, decode_values, describe, effective_format, encode_write, parse_links
from qlaterm.platform.events import Callback, EventBus, EventQueue
from qlaterm.platform.fairness import RegistrationBudget
from qlaterm.platform.model import (
    BootstrapFinished,
    BootstrapRequested,
    Device,
    Event,
    Notification,
    ObservationEnded,
    OperationDone,
    ProfileError,
    Registered,
    RequestFailed,
    RequestTimeout,
    Result,
    SendReceived,
    UnknownDevice,
    Updated,
)
from qlaterm.platform.observation import Observation
from qlaterm.platform.profiles import Profile, get_profile
from qlaterm.platform.queue import AWAKE, Pending, RequestQueue
from qlaterm.platform.registry import Registry
from qlaterm.platform.site import PlatformSite
from qlaterm.platform.transport import create_context

__all__ = [
    "BootstrapConfig",
    "Device",
    "Observation",
    "Platform",
    "RequestFailed",
    "RequestTimeout",
    "Result",
    "UnknownDevice",
]

log = logging.getLogger(__name__)

PathLike = str | Path
_ONE_PIECE = 1024  # the largest request payload sent whole; a larger one goes in Block1 pieces
DEFAULT_REQUEST_TIMEOUT = 65.0  # the module answers an unanswered custom-object request 5.03 at 60 s
# Who started the request being made: "api", or "profile:<name>" inside a profile's task.
_ORIGIN: contextvars.ContextVar[str] = contextvars.ContextVar("platform_origin", default="api")


class Platform:
    """A LwM2M 1.0/1.1 server on host:port (UDP, NoSec) and port+1 (DTLS-PSK, the identities of `psk_store`);
    `port=0` picks a free port. `registration_budget` limits the Registers and Updates of each endpoint
    (by default 10 a second, :mod:`qlaterm.platform.fairness`).

    `retransmit` is the CoAP retransmission of the platform's requests to devices: the first wait
    (ACK_TIMEOUT) and how often a request is sent again (MAX_RETRANSMIT). Without it the platform uses
    RFC 7252's defaults (2 s with a random factor of 1.5, 4 retransmissions: five transmissions over
    up to 45 s). A lossy network wants more retransmissions, a slow one a longer first wait; a
    request's answer is waited for at most `request_timeout` seconds in any case."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 5683,
        profile: str | Profile = "generic",
        psk_store: dict[str, bytes] | None = None,
        bootstrap: BootstrapConfig | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        registration_budget: RegistrationBudget | None = None,
        queue_awake: float = AWAKE,
        retransmit: RetransmitTuning | None = None,
    ) -> None:
        self.host = host
        self.retransmit = retransmit
        self._requested_port = port
        self.port = port
        self.profile = get_profile(profile)
        self.psk_store: dict[str, bytes] = psk_store if psk_store is not None else {}
        self.bootstrap_config = bootstrap if bootstrap is not None else self.profile.bootstrap_config()
        self.request_timeout = request_timeout
        self.registration_budget = registration_budget if registration_budget is not None else RegistrationBudget()
        self.coap_log = CoapLog()
        self._bus = EventBus()
        self._registry = Registry(self._publish)
        self._registry.on_gone(self._registration_gone)
        self._queue = RequestQueue(self._publish, queue_awake)
        self._bus.subscribe(self._note_heard_from)
        self._observations: dict[tuple[str, Path], Observation] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ctx: aiocoap.Context | None = None
        self._unsubscribe_profile: Callable[[], None] | None = None

    # --------------------------------------------------------------------------- lifecycle

    @property
    def devices(self) -> dict[str, Device]:
        """Registered devices by endpoint name."""
        return self._registry.devices

    @property
    def dtls_transport(self) -> DTLSTransport | None:
        """The DTLS-PSK side on port+1 while running: its handshakes and the identities it refused."""
        return dtls_transport_of(self._ctx) if self._ctx is not None else None

    @property
    def dtls_port(self) -> int | None:
        """The DTLS-PSK port (port+1) while running."""
        return self.port + 1 if self.dtls_transport is not None else None

    @property
    def running(self) -> bool:
        return self._ctx is not None

    async def start(self) -> None:
        """Bind the socket and start serving; `port` then holds the bound port."""
        if self._ctx is not None:
            return
        site = PlatformSite(
            self._registry, on_bootstrap=self._on_bootstrap, on_send=self._on_send, budget=self.registration_budget
        )
        self._ctx, self.port = await create_context(
            site,
            host=self.host,
            port=self._requested_port,
            coap_log=self.coap_log,
            psk_store=self.psk_store,
        )
        self._unsubscribe_profile = self._bus.subscribe(self._dispatch_to_profile)
        if self.bootstrap_config.security_mode == 0 and self.bootstrap_config.psk_identity:
            self.psk_store.setdefault(self.bootstrap_config.psk_identity, self.bootstrap_config.psk_key or b"")
        log.info("platform (%s) listening on %s:%d", self.profile.name, self.host, self.port)

    async def stop(self) -> None:
        """Stop serving: cancel profile tasks and observations, close the socket."""
        if self._ctx is None:
            return
        if self._unsubscribe_profile is not None:
            self._unsubscribe_profile()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for obs in list(self._observations.values()):
            obs._stop_local("platform stopped")
        self._observations.clear()
        self._registry.clear()
        ctx, self._ctx = self._ctx, None
        await ctx.shutdown()

    async def __aenter__(self) -> Platform:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------ events

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call `callback(event)` for every platform event; returns the unsubscribe function."""
        return self._bus.subscribe(callback)

    def events(self) -> EventQueue:
        """A queue of every event from now on: `await q.wait_for(Registered)` or `async for`."""
        return self._bus.queue()

    def _publish(self, event: Event) -> None:
        self._bus.publish(event)

    def _done(self, ep: str, operation: str, path: Path, result: Result | None, error: str = "") -> None:
        self._publish(
            OperationDone(ep, operation=operation, path=path, result=result, error=error, origin=_ORIGIN.get())
        )

    @property
    def latest_device(self) -> Device | None:
        """The device that registered last, if any is registered."""
        return max(self.devices.values(), key=lambda d: d.registered_at, default=None)

    async def wait_for_registration(self, endpoint: str | None = None, timeout: float = 10) -> Device:
        """The device registered as `endpoint` (any device when None), waiting for it if needed."""
        if endpoint is not None and endpoint in self.devices:
            return self.devices[endpoint]
        if endpoint is None and self.latest_device is not None:
            return self.latest_device
        with self._bus.queue() as q:
            event = await q.wait_for(Registered, lambda e: endpoint is None or e.endpoint == endpoint, timeout=timeout)
        return event.device

    # -------------------------------------------------------------------- device management

    @property
    def queue_awake(self) -> float:
        """Seconds a device in queue mode listens after it was heard from."""
        return self._queue.awake

    def queued(self, endpoint: str) -> list[Pending]:
        """The requests waiting for `endpoint` (queue mode, asleep), oldest first."""
        return self._queue.pending(endpoint)

    def _note_heard_from(self, event: Event) -> None:
        if isinstance(event, Registered | Updated | Notification | SendReceived) and event.endpoint is not None:
            self._queue.heard_from(event.endpoint)

    async def _turn(self, ep: str, operation: str, path: Path, timeout: float | None) -> Device:
        """The device once a request may go to it: at once, or when a queue-mode device is heard from."""
        wait = self.request_timeout if timeout is None else timeout
        try:
            await asyncio.wait_for(self._queue.wait_turn(self.device(ep), operation, path), wait)
        except TimeoutError:
            error = f"queued, not heard from within {wait:g} s"
            self._done(ep, operation, path, None, error)
            raise RequestTimeout(f"{operation} {format_path(path)} on {ep}: {error}") from None
        return self.device(ep)

    def device(self, endpoint: str) -> Device:
        """The registration of `endpoint`; UnknownDevice when it is not registered."""
        try:
            return self.devices[endpoint]
        except KeyError:
            raise UnknownDevice(endpoint) from None

    async def read(self, ep: str, path: PathLike, accept: int | None = None, *, timeout: float | None = None) -> Result:
        """Read (GET) an object, instance or resource; `accept` picks the content format."""
        p = to_path(path)
        msg = Message(code=Code.GET, uri_path=_segments(p))
        if accept is not None:
            msg.opt.accept = accept
        return await self._operate(ep, "read", p, msg, accept=accept, timeout=timeout)

    async def write(
        self,
        ep: str,
        path: PathLike,
        value: Any,
        content_format: int | None = None,
        *,
        partial: bool = False,
        timeout: float | None = None,
    ) -> Result:
        """Write a resource (scalar value) or an instance (dict of resource id -> value, TLV).

        PUT replaces; `partial=True` sends POST, the partial update of an instance.
        """
        p = to_path(path)
        fmt, payload = encode_write(p, value, content_format)
        msg = Message(code=Code.POST if partial else Code.PUT, uri_path=_segments(p), payload=payload)
        msg.opt.content_format = fmt
        return await self._operate(ep, "write", p, msg, timeout=timeout)

    async def execute(self, ep: str, path: PathLike, args: str = "", *, timeout: float | None = None) -> Result:
        """Execute (POST) a resource, with optional text arguments."""
        p = to_path(path)
        msg = Message(code=Code.POST, uri_path=_segments(p), payload=args.encode("utf-8"))
        if args:
            msg.opt.content_format = 0
        return await self._operate(ep, "execute", p, msg, timeout=timeout)

    async def discover(self, ep: str, path: PathLike, *, timeout: float | None = None) -> Result:
        """Discover (GET, Accept link-format) the attributes and resources under a path."""
        p = to_path(path)
        msg = Message(code=Code.GET, uri_path=_segments(p))
        msg.opt.accept = 40
        return await self._operate(ep, "discover", p, msg, accept=40, timeout=timeout)

    async def write_attributes(
        self,
        ep: str,
        path: PathLike,
        pmin: int | None = None,
        pmax: int | None = None,
        gt: float | None = None,
        lt: float | None = None,
        st: float | None = None,
        *,
        timeout: float | None = None,
    ) -> Result:
        """Write-Attributes (PUT with only Uri-Query): notification attributes of a path."""
        p = to_path(path)
        query = [
            f"{name}={_attr(value)}"
            for name, value in (("pmin", pmin), ("pmax", pmax), ("gt", gt), ("lt", lt), ("st", st))
            if value is not None
        ]
        msg = Message(code=Code.PUT, uri_path=_segments(p), uri_query=query)
        return await self._operate(ep, "write-attributes", p, msg, timeout=timeout)

    async def observe(
        self, ep: str, path: PathLike, accept: int | None = None, *, timeout: float | None = None
    ) -> Observation:
        """Observe (GET, Observe=0): the first response now, notifications by async iteration.

        A new observation of the same path replaces the old one (which is forgotten locally).
        """
        p = to_path(path)
        device = await self._turn(ep, "observe", p, timeout)
        msg = Message(code=Code.GET, uri_path=_segments(p), observe=0)
        if accept is not None:
            msg.opt.accept = accept
        msg.remote = device.remote
        request = self._request(msg, handle_blockwise=False)
        response = await self._await_response(request.response, timeout, ep, "observe", p)
        token = bytes(response.token or b"")
        try:
            response = await self._whole(msg, response)
        except aiocoap.error.Error as exc:
            error = f"{type(exc).__name__}: {exc}"
            self._done(ep, "observe", p, None, error)
            raise RequestFailed(f"observe {format_path(p)} on {ep}: {error}") from exc
        result = self._result(response, p, accept)
        obs = Observation(self, device, p, accept, request, msg, result, token=token)
        self._done(ep, "observe", p, result)
        if result.ok and response.opt.observe is not None:
            old = self._observations.pop((ep, p), None)
            if old is not None:
                old._stop_local("replaced")
            self._observations[(ep, p)] = obs
            obs._start()
        else:
            obs._stop_local(f"not established: {result.code.dotted}")
        return obs

    def observation(self, ep: str, path: PathLike) -> Observation | None:
        """The active observation of `path` on `ep`, if any."""
        return self._observations.get((ep, to_path(path)))

    @property
    def observations(self) -> list[Observation]:
        """Active observations."""
        return list(self._observations.values())

    async def cancel(self, ep: str, path: PathLike, *, timeout: float | None = None) -> Result:
        """Cancel Observation: GET with Observe=1 on the observation's token.

        Without an active observation the GET carries a fresh token (a plain read for most clients).
        """
        p = to_path(path)
        device = await self._turn(ep, "cancel", p, timeout)
        obs = self._observations.pop((ep, p), None)
        msg = Message(code=Code.GET, uri_path=_segments(p), observe=1)
        accept = obs.accept if obs is not None else None
        if accept is not None:
            msg.opt.accept = accept
        if obs is not None:
            obs._stop_local("cancelled")
            msg.forced_token = obs.token
        msg.remote = device.remote
        request = self._request(msg, handle_blockwise=False)
        response = await self._await_response(request.response, timeout, ep, "cancel", p)
        result = self._result(response, p, accept)
        self._done(ep, "cancel", p, result)
        return result

    # ------------------------------------------------------------------------------ internals

    def _ctx_or_raise(self) -> aiocoap.Context:
        if self._ctx is None:
            raise RuntimeError("the platform is not running; call start() first")
        return self._ctx

    def _request(self, msg: Message, *, handle_blockwise: bool = True) -> Any:
        """Send a request to a device with the platform's retransmission (aiocoap's request object)."""
        if self.retransmit is not None:
            msg.transport_tuning = self.retransmit
        return self._ctx_or_raise().request(msg, handle_blockwise=handle_blockwise)

    async def _operate(
        self,
        ep: str,
        operation: str,
        path: Path,
        msg: Message,
        *,
        accept: int | None = None,
        timeout: float | None,
    ) -> Result:
        device = await self._turn(ep, operation, path, timeout)
        msg.remote = device.remote
        # aiocoap cuts a payload too large for one datagram into Block1 pieces; the Block2 pieces of
        # an answer are fetched by the platform itself, the same way for every operation.
        request = self._request(msg, handle_blockwise=len(msg.payload) > _ONE_PIECE)
        response = await self._await_response(self._answer(request, msg), timeout, ep, operation, path)
        result = self._result(response, path, accept)
        self._done(ep, operation, path, result)
        return result

    async def _answer(self, request: Any, msg: Message) -> Message:
        return await self._whole(msg, await request.response)

    async def _await_response(
        self, answer: Awaitable[Message], timeout: float | None, ep: str, operation: str, path: Path
    ) -> Message:
        wait = self.request_timeout if timeout is None else timeout
        try:
            # Cancelling the wait (a timeout, or the caller cancelled) ends the request: its retransmissions
            # stop and the next request to the device goes at once (transport.ForcedTokenManager).
            return await asyncio.wait_for(answer, wait)
        except TimeoutError:
            error = f"no answer within {wait:g} s"
            self._done(ep, operation, path, None, error)
            raise RequestTimeout(f"{operation} {format_path(path)} on {ep}: {error}") from None
        except aiocoap.error.Error as exc:
            error = f"{type(exc).__name__}: {exc}"
            self._done(ep, operation, path, None, error)
            raise RequestFailed(f"{operation} {format_path(path)} on {ep}: {error}") from exc

    async def _whole(self, request: Message, response: Message) -> Message:
        """``response`` to ``request`` whole: when it is the first of several Block2 pieces, the later
        ones are asked for (:mod:`qlaterm.platform.blocks`). Reads, observations and notifications all
        come here, so every follow-up carries the first request's Accept and nothing stray."""
        return await blocks.whole(self._ctx_or_raise(), request, response)

    def _result(self, response: Message, path: Path, accept: int | None) -> Result:
        cf = response.opt.content_format
        fmt = effective_format(None if cf is None else int(cf), accept, path)
        payload = bytes(response.payload)
        return Result(
            code=response.code,
            content_format=None if cf is None else int(cf),
            payload=payload,
            values=decode_values(fmt, path, payload) if response.code.is_successful() else {},
            text=describe(fmt, payload, path),
            mid=response.mid,
            con=response.mtype == CON,
            links=parse_links(payload.decode("utf-8", "replace")) if fmt == LINK_FORMAT else [],
        )

    def _notification(self, obs: Observation, response: Message) -> Notification:
        result = self._result(response, obs.path, obs.accept)
        event = Notification(obs.endpoint, path=obs.path, result=result)
        self._publish(event)
        return event

    def _observation_ended(self, obs: Observation, reason: str) -> None:
        if self._observations.get((obs.endpoint, obs.path)) is obs:
            del self._observations[(obs.endpoint, obs.path)]
        self._publish(ObservationEnded(obs.endpoint, path=obs.path, reason=reason))

    def _registration_gone(self, device: Device, reason: str) -> None:
        for (ep, _path), obs in list(self._observations.items()):
            if ep == device.endpoint:
                obs._stop_local(f"registration {reason}")

    # ------------------------------------------------------------------ bootstrap and send

    def _on_bootstrap(self, endpoint: str, remote: Any) -> Code:
        self._publish(BootstrapRequested(endpoint, address=remote_address(remote)))
        self.spawn(self._bootstrap(endpoint, remote), name=f"bootstrap {endpoint}")
        return Code.CHANGED

    async def _bootstrap(self, endpoint: str, remote: Any) -> None:
        config = self.bootstrap_config
        plan = self.profile.bootstrap_plan(config, config.uri_for(self._address_seen_by(remote), self.port))
        try:
            for step in plan:
                if step.operation == "delete":
                    msg = Message(code=Code.DELETE, uri_path=_segments(step.path))
                else:
                    fmt, payload = encode_write(step.path, step.values, None)
                    msg = Message(code=Code.PUT, uri_path=_segments(step.path), payload=payload)
                    msg.opt.content_format = fmt
                response = await self._raw_request(remote, msg)
                if not response.code.is_successful():
                    raise RequestFailed(
                        f"bootstrap {step.operation} {format_path(step.path)} answered {response.code.dotted}"
                    )
            response = await self._raw_request(remote, Message(code=Code.POST, uri_path=("bs",)))
            ok = response.code.is_successful()
            detail = f"Bootstrap-Finish answered {response.code.dotted}"
        except (RequestFailed, RequestTimeout, ValueError) as exc:
            ok, detail = False, str(exc)
        self._publish(BootstrapFinished(endpoint, ok=ok, detail=detail))

    def _address_seen_by(self, remote: Any) -> str:
        """The platform's address as the device reached it: a wildcard bind ("0.0.0.0", "::") is no
        use in a server URI, so take the local address the request arrived on."""
        if self.host not in ("", "0.0.0.0", "::"):
            return self.host
        try:
            host, _port = hostportsplit(remote.hostinfo_local)
        except Exception:
            return "127.0.0.1"
        return str(host)

    async def _raw_request(self, remote: Any, msg: Message) -> Message:
        msg.remote = remote
        request = self._request(msg)
        try:
            return await asyncio.wait_for(request.response, self.request_timeout)
        except TimeoutError:
            raise RequestTimeout("no answer from the device") from None
        except aiocoap.error.Error as exc:
            raise RequestFailed(f"{type(exc).__name__}: {exc}") from exc

    def _on_send(self, device: Device, request: Message) -> Code:
        if not self.profile.accepts_send:
            return Code.METHOD_NOT_ALLOWED
        cf = request.opt.content_format
        fmt = None if cf is None else int(cf)
        payload = bytes(request.payload)
        self._publish(
            SendReceived(
                device.endpoint,
                payload=payload,
                values=decode_values(fmt, (), payload),
                content_format=fmt,
                text=describe(fmt, payload),
            )
        )
        return Code.CHANGED

    # ------------------------------------------------------------------------------- profiles

    def _dispatch_to_profile(self, event: Event) -> None:
        if not self.profile.wants(event):
            return
        self.spawn(self._run_profile(event), name=f"profile {self.profile.name}")

    async def _run_profile(self, event: Event) -> None:
        _ORIGIN.set(f"profile:{self.profile.name}")
        try:
            await self.profile.on_event(self, event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("profile %s failed on %s: %s", self.profile.name, type(event).__name__, exc)
            self._publish(ProfileError(event.endpoint, profile=self.profile.name, error=str(exc)))

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Run `coro` as a task the platform owns (cancelled by stop(), failures logged)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("platform task %s failed", task.get_name(), exc_info=task.exception())


def _segments(path: Path) -> tuple[str, ...]:
    return tuple(str(p) for p in path)


def _attr(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
