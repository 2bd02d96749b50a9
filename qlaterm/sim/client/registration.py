"""The client's registration with its LwM2M server: Register, Update, De-register, the bootstrap that
may come first (:mod:`~qlaterm.sim.client.bootstrap`), deep sleep and waking, and the registration's
state as the built-in Security (0) and Server (1) objects show it."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence

from aiocoap import error
from aiocoap.interfaces import EndpointAddress
from aiocoap.numbers.codes import DELETE, POST

from qlaterm.at.codes import StatusCode
from qlaterm.lwm2m.formats import ContentFormat, Scalar
from qlaterm.lwm2m.linkformat import Link, link_format
from qlaterm.lwm2m.transport import TransportUnavailable, hostinfo, scheme_for
from qlaterm.sim.client import objects
from qlaterm.sim.client.bootstrap import BootstrapSession
from qlaterm.sim.client.connection import Connection
from qlaterm.sim.client.exchanges import Exchanges
from qlaterm.sim.client.objects import SecurityAccount, ServerAccount
from qlaterm.sim.client.observations import Observations
from qlaterm.sim.client.types import ClientHandler, Exchange, ServerTarget

log = logging.getLogger("qlaterm.sim.client")

_SERVER_ATTRIBUTES = {2: "pmin", 3: "pmax", 5: "disable_timeout", 6: "storing", 1: "lifetime", 7: "binding"}
"""The writable resources of the Server instance and the ServerAccount fields they set."""


class Registration:
    """Whether and where the client is registered, and with which lifetime and binding."""

    def __init__(
        self,
        connection: Connection,
        exchanges: Exchanges,
        observations: Observations,
        handler: ClientHandler,
        *,
        objects: Callable[[], Mapping[int, Mapping[int, Sequence[int]]]],
        request_timeout: float,
    ) -> None:
        self._connection = connection
        self._exchanges = exchanges
        self._observations = observations
        self._handler = handler
        self._objects = objects
        self._request_timeout = request_timeout

        self.registered = False
        self.location: str | None = None
        self.target: ServerTarget | None = None
        """The server the client registers with (lifetime and binding follow Updates and server Writes)."""
        self.server_remote: EndpointAddress | None = None
        self.server = ServerAccount()
        self.security = SecurityAccount()
        self.bootstrap_session: BootstrapSession | None = None
        """The bootstrap in progress, which the requests of the bootstrap server go to."""

    async def bootstrap(self, target: ServerTarget) -> tuple[int, ServerTarget | None]:
        """Bootstrap-Request to ``target``, accept its Writes to objects 0 and 1, and wait for
        Bootstrap-Finish; returns the status and the LwM2M server the bootstrap server assigned."""
        if not _reachable(target, "bootstrap"):
            return StatusCode.NOT_SENT, None
        try:
            endpoint = await self._connection.ensure(target)
            remote = await endpoint.resolve(hostinfo(target.host, target.port))
        except (TransportUnavailable, OSError, error.Error) as exc:
            log.info("bootstrap: cannot open transport: %s", exc)
            return StatusCode.NOT_SENT, None
        state = BootstrapSession(target, self._handler)
        self.bootstrap_session = state
        try:
            status, _ = await self._exchanges.request(remote, POST, ["bs"], [f"ep={target.endpoint}"])
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
            self.bootstrap_session = None

    async def register(self, target: ServerTarget) -> int:
        """Register (``POST /rd?ep=&lt=&lwm2m=1.0&b=``) with the built-in and custom instances; returns
        the status code. Observations of an earlier registration are dropped."""
        self.registered = False
        self.location = None
        self._observations.drop()
        if not _reachable(target, "register"):
            return StatusCode.NOT_SENT
        try:
            endpoint = await self._connection.ensure(target)
            self.server_remote = await endpoint.resolve(hostinfo(target.host, target.port))
        except (TransportUnavailable, OSError, error.Error) as exc:
            log.info("register: cannot open transport: %s", exc)
            return StatusCode.NOT_SENT
        self.target = dataclasses.replace(target)
        self.server = ServerAccount(
            instance=target.server_instance,
            short_id=target.short_server_id,
            lifetime=target.lifetime,
            binding=target.binding,
        )
        self.security = SecurityAccount(
            instance=target.security_instance,
            short_id=target.short_server_id,
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
        status, response = await self._exchanges.request(
            self.server_remote,
            POST,
            ["rd"],
            query,
            payload=self.links().encode(),
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
        if not self._exchanges.connected or self.server_remote is None or self.location is None:
            return self._exchanges.failed()
        query = []
        if lifetime is not None:
            query.append(f"lt={lifetime}")
        if binding is not None:
            query.append(f"b={binding}")
        payload = self.links().encode() if with_objects else b""
        started = await self._exchanges.start(
            self.server_remote,
            POST,
            self.location.strip("/").split("/"),
            query,
            payload=payload,
            content_format=ContentFormat.LINK if with_objects else None,
        )
        if started is None:
            self.registered = False
            return self._exchanges.failed()
        msg, req = started

        async def complete() -> int:
            status, _ = await self._exchanges.finish(msg, req)
            if status == StatusCode.SUCCESS:
                if self.target is not None:
                    if lifetime is not None:
                        self.target.lifetime = self.server.lifetime = lifetime
                    if binding is not None:
                        self.target.binding = self.server.binding = binding
            else:
                self.registered = False
            return status

        return Exchange(mid=msg.mid, result=self._exchanges.spawn(complete()))

    async def triggered_update(self) -> int:
        """An Update the client sends by itself (the server's /1/0/8 trigger, waking from deep sleep);
        its failure is reported as the registration lost."""
        exchange = await self.update()
        status = await exchange.result
        if status != StatusCode.SUCCESS:
            self._handler.on_registration_lost()
        return status

    async def deregister(self) -> int:
        """De-register (``DELETE`` the registration), then close the socket; returns the status code."""
        status: int = StatusCode.NOT_SENT
        if self._exchanges.connected and self.server_remote is not None and self.location is not None:
            status, _ = await self._exchanges.request(
                self.server_remote, DELETE, self.location.strip("/").split("/"), []
            )
        await self.close()
        return status

    @property
    def instances(self) -> objects.InstanceIds:
        """The instances of the built-in objects this registration serves."""
        return objects.InstanceIds(security=self.security.instance, server=self.server.instance)

    def write_server(self, written: Mapping[int, Scalar]) -> None:
        """The server wrote resources of its Server instance (keyed by resource id, already typed and checked)."""
        for res, value in written.items():
            setattr(self.server, _SERVER_ATTRIBUTES[res], value)
        if self.target is not None:
            self.target.lifetime = self.server.lifetime
            self.target.binding = self.server.binding

    async def suspend(self) -> None:
        """Deep sleep: close the socket, keep the registration and the observations."""
        await self._connection.close()

    async def resume(self) -> int:
        """Wake from deep sleep: reopen the socket on the same local port (the modem keeps its PDP
        context through PSM, so the server still reaches it there; any free port if that one is taken),
        send an Update (session recovery) and return its status. Observations continue."""
        if self.target is None or self.location is None:
            return StatusCode.NOT_SENT
        try:
            endpoint = await self._connection.ensure(self.target, self._connection.last_port)
            self.server_remote = await endpoint.resolve(hostinfo(self.target.host, self.target.port))
            await self._observations.reconnect(endpoint)
        except (TransportUnavailable, OSError, error.Error) as exc:
            log.info("resume: cannot open transport: %s", exc)
            self.registered = False
            return StatusCode.NOT_SENT
        return await self.triggered_update()

    async def close(self) -> None:
        """Not registered any more, observations ended, socket closed (nothing is sent)."""
        self.registered = False
        self.location = None
        self._observations.drop()
        await self._connection.close()

    def links(self) -> str:
        """The Register payload: ``</1/x>,</3/0>,</4/0>,</5/0>`` (x the Server instance, 0 unless
        bootstrap chose another) then every custom instance in the order added."""
        paths = list(self.instances.registered())
        for obj, instances in self._objects().items():
            paths.extend((obj, inst) for inst in instances)
        return link_format(Link(f"/{o}/{i}") for o, i in paths)


def _reachable(target: ServerTarget, what: str) -> bool:
    """Port 0 names no server: nothing is sent (a default port is never put in its place)."""
    if target.port == 0:
        log.info("%s: server port 0 cannot be reached", what)
        return False
    return True
