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

:class:`LwM2MClient` is the face the module talks to; the work is done by the objects it composes, one
job each:

* :class:`~qlaterm.sim.client.connection.Connection`: the socket (:mod:`qlaterm.lwm2m.transport`, where
  DTLS plugs in), reopened after deep sleep;
* :class:`~qlaterm.sim.client.exchanges.Exchanges` and its
  :class:`~qlaterm.sim.client.exchanges.Outcomes`: the messages the client originates and how they ended;
* :class:`~qlaterm.sim.client.registration.Registration`: Register, Update, De-register, bootstrap
  (:mod:`~qlaterm.sim.client.bootstrap`), lifetime and binding;
* :class:`~qlaterm.sim.client.observations.Observations`: the observation table and the notifications;
* :class:`~qlaterm.sim.client.serving.Serving`: the incoming requests, the built-in objects
  (:mod:`~qlaterm.sim.client.objects`, :mod:`~qlaterm.sim.client.requests`) and the requests pending on
  the terminal's answer.

:mod:`~qlaterm.sim.client.types` holds the vocabulary shared with the AT side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from aiocoap.numbers.codes import POST, Code

from qlaterm.lwm2m.blockwise import BlockwiseAnswers
from qlaterm.lwm2m.dtls import DTLSTransport
from qlaterm.lwm2m.formats import ContentFormat, Scalar
from qlaterm.sim.client.connection import Connection, Radio
from qlaterm.sim.client.exchanges import Exchanges, Outcomes
from qlaterm.sim.client.objects import DeviceInfo
from qlaterm.sim.client.observations import Observations
from qlaterm.sim.client.registration import Registration
from qlaterm.sim.client.serving import Serving
from qlaterm.sim.client.types import (
    ClientHandler,
    Exchange,
    Held,
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
    "Held",
    "LwM2MClient",
    "Op",
    "Outcome",
    "Retransmit",
    "ServerRequest",
    "ServerTarget",
    "status_code",
]


class LwM2MClient:
    """One LwM2M client session of the simulated module (see the module docstring).

    ``objects`` gives the custom objects ``{obj: {inst: [res ids]}}`` in the order they were added;
    ``device`` the values of objects 3 and 4; ``retransmit`` the current retransmission settings. All
    three are callables so that AT+QLAADDOBJ, AT+QLACFG and friends take effect on the next message.
    ``time_scale`` multiplies the notification periods (pmin, pmax) and the sampling of built-in values.
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
        radio: Radio | None = None,
        time_scale: float = 1.0,
    ) -> None:
        blocks = BlockwiseAnswers()
        outcomes = Outcomes()
        self._connection = Connection(outcomes, bind_host=bind_host, retransmit=retransmit, radio=radio)
        self._exchanges = Exchanges(self._connection, outcomes, retransmit)
        self._observations = Observations(
            self._exchanges,
            blocks,
            handler,
            retransmit,
            default_periods=lambda: (self._registration.server.pmin, self._registration.server.pmax),
            time_scale=time_scale,
        )
        self._registration = Registration(
            self._connection,
            self._exchanges,
            self._observations,
            handler,
            objects=objects,
            request_timeout=request_timeout,
        )
        self._serving = Serving(
            handler,
            registration=self._registration,
            observations=self._observations,
            exchanges=self._exchanges,
            blocks=blocks,
            objects=objects,
            device=device,
            retransmit=retransmit,
            request_timeout=request_timeout,
        )
        self._connection.serve(self._serving)

    # ---------------------------------------------------------------------------------------------
    # State

    @property
    def registered(self) -> bool:
        return self._registration.registered

    @property
    def location(self) -> str | None:
        """The registration's location (``/rd/…``), None while not registered."""
        return self._registration.location

    @property
    def target(self) -> ServerTarget | None:
        """The server the client registers with (lifetime and binding follow Updates and server Writes)."""
        return self._registration.target

    @property
    def port(self) -> int | None:
        """Local UDP port of the open socket (None while closed)."""
        return self._connection.port

    @property
    def dtls_transport(self) -> DTLSTransport | None:
        """The DTLS layer of the open socket in security mode 0 (its handshakes say what was negotiated)."""
        return self._connection.dtls_transport

    def pending(self) -> list[ServerRequest]:
        """Requests on custom objects still waiting for an answer, oldest first."""
        return self._serving.pending()

    def observations(self) -> list[tuple[int, ...]]:
        """Paths of the established observations, in the order they were established."""
        return self._observations.paths()

    # ---------------------------------------------------------------------------------------------
    # Registration

    async def bootstrap(self, target: ServerTarget) -> tuple[int, ServerTarget | None]:
        """Bootstrap-Request to ``target``, accept its Writes to objects 0 and 1, and wait for
        Bootstrap-Finish; returns the status and the LwM2M server the bootstrap server assigned."""
        return await self._registration.bootstrap(target)

    async def register(self, target: ServerTarget) -> int:
        """Register (``POST /rd?ep=&lt=&lwm2m=1.0&b=``) with the built-in and custom instances; returns
        the status code. Observations of an earlier registration are dropped."""
        return await self._registration.register(target)

    async def update(
        self, *, lifetime: int | None = None, binding: str | None = None, with_objects: bool = False
    ) -> Exchange:
        """Registration Update; the Exchange's mid is known when this returns. A failed Update (any
        status but 0) loses the registration."""
        return await self._registration.update(lifetime=lifetime, binding=binding, with_objects=with_objects)

    async def deregister(self) -> int:
        """De-register (``DELETE`` the registration), then close the socket; returns the status code."""
        return await self._registration.deregister()

    async def suspend(self) -> None:
        """Deep sleep: close the socket, keep the registration and the observations."""
        await self._registration.suspend()

    async def resume(self) -> int:
        """Wake from deep sleep: reopen the socket on the same local port, send an Update (session
        recovery) and return its status. Observations continue."""
        return await self._registration.resume()

    async def close(self) -> None:
        """Forget everything and close the socket (no De-register is sent)."""
        await self._registration.close()
        self._exchanges.cancel_all()

    # ---------------------------------------------------------------------------------------------
    # Answers, notifications, Send

    async def respond(
        self, mid: int, code: Code, values: Mapping[tuple[int, ...], Scalar] | None = None
    ) -> int:
        """Answer the pending request ``mid`` (KeyError if there is none) with ``code`` and, for a Read,
        Observe or cancel, ``values`` keyed by full path, encoded per the request's Accept option.
        Returns the response's outcome once it is settled: 0 piggybacked on the request's ACK or
        acknowledged, 1 when its retransmissions ran out, 9 RST, 2 if it could not be sent. A 2.05 to an
        Observe establishes the observation (a RST to it ends it again); any answer to a cancel removes it."""
        return await self._serving.respond(mid, code, values)

    async def notify(
        self, path: tuple[int, int, int], values: Mapping[tuple[int, ...], Scalar], *, con: bool
    ) -> Exchange | Held:
        """Send a notification on the observation covering ``path`` (the resource, its instance or its
        object; the most specific one wins). LookupError when there is none; CodecError when the values
        do not fit the observation's content format. Sent before the observation's pmin has passed, it is
        :class:`Held` until pmin. NON: result 0 once sent. CON: 0 on ACK, 1 on timeout, 9 on RST (which
        also ends the observation)."""
        return self._observations.notify(path, values, con=con)

    async def send(self, payload: bytes, *, con: bool, content_format: int = ContentFormat.SENML_JSON) -> Exchange:
        """LwM2M Send: ``POST /dp`` with ``payload``. NON: result 0 once sent; CON: the response's status."""
        remote = self._registration.server_remote
        if remote is None:
            return self._exchanges.failed()
        return await self._exchanges.exchange(
            remote, POST, ["dp"], payload=payload, content_format=content_format, con=con
        )
