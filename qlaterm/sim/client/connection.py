"""The client's socket: one :class:`~qlaterm.lwm2m.transport.Endpoint` at a time, opened for the
security of the server it talks to, reopened on the same local port after deep sleep, with the DTLS
session kept across sockets for resumption."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aiocoap.pipe import Pipe

from qlaterm.lwm2m.dtls import DTLSRemote, DTLSTransport
from qlaterm.lwm2m.dtls_session import MAX_PSK_BYTES, module_options
from qlaterm.lwm2m.shaping import DatagramShaper
from qlaterm.lwm2m.transport import Endpoint, TransportUnavailable, open_endpoint
from qlaterm.sim.client.exchanges import Outcomes
from qlaterm.sim.client.types import Retransmit, ServerTarget


class Site(Protocol):
    """What serves the requests arriving on the socket, and hears when the socket closes."""

    async def render_to_pipe(self, pipe: Pipe) -> None: ...

    def socket_closed(self) -> None:
        """The socket closed: exchanges still open on it are gone."""
        ...


class Radio(DatagramShaper, Protocol):
    """The radio under the socket: it shapes every datagram and says whether anything can be sent."""

    @property
    def online(self) -> bool:
        """The module is attached to the network: a datagram can go out."""
        ...


class Connection:
    """The open socket, if any. Its message layer reports to ``outcomes``; incoming requests go to the
    site given to :meth:`serve`.  With a ``radio``, every datagram of the socket crosses it."""

    def __init__(
        self,
        outcomes: Outcomes,
        *,
        bind_host: str,
        retransmit: Callable[[], Retransmit],
        radio: Radio | None = None,
    ) -> None:
        self._outcomes = outcomes
        self._radio = radio
        self._bind_host = bind_host
        self._retransmit = retransmit
        self._site: Site | None = None
        self._endpoint: Endpoint | None = None
        self.last_port = 0
        """The local port of the last socket opened (deep sleep reopens on it)."""
        self._dtls_sessions: dict[Any, bytes] = {}  # survives deep sleep, for DTLS session resumption

    def serve(self, site: Site) -> None:
        """Serve incoming requests with ``site`` (before the first socket opens)."""
        self._site = site

    @property
    def endpoint(self) -> Endpoint | None:
        return self._endpoint

    @property
    def online(self) -> bool:
        """A message can be put on the wire (False while the module is detached: "packet not sent")."""
        return self._radio is None or self._radio.online

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

    async def secured(self, remote: object) -> bool:
        """For a DTLS peer: wait until the session's handshake has ended and say whether it is open.
        Always True for plain UDP."""
        transport = self.dtls_transport
        if transport is None or not isinstance(remote, DTLSRemote):
            return True
        return await transport.established(remote)

    async def ensure(self, target: ServerTarget, port: int = 0) -> Endpoint:
        """The open socket if it suits ``target``'s security, else a new one (on ``port`` if that is
        still free, else on any port). TransportUnavailable when the target's PSK cannot be used."""
        psk = (target.psk_id or "", target.psk or b"") if target.security_mode == 0 else None
        if psk is not None and len(psk[1]) > MAX_PSK_BYTES:
            raise TransportUnavailable(
                f"a PSK of {len(psk[1])} bytes cannot be used: Mbed TLS accepts at most {MAX_PSK_BYTES}"
            )
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
        await self.close()
        options: dict[str, Any] = dict(
            bind_host=self._bind_host,
            security_mode=target.security_mode,
            observer=self._outcomes,
            psk=psk,
            dtls=dtls,
            dtls_sessions=self._dtls_sessions,
            shaper=self._radio,
        )
        try:
            self._endpoint = await open_endpoint(self._site, port=port, **options)
        except OSError:
            if not port:
                raise
            self._endpoint = await open_endpoint(self._site, **options)
        self.last_port = self._endpoint.port
        return self._endpoint

    async def close(self) -> None:
        """Close the socket: watched CONs end as not sent, requests still being served are gone."""
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is None:
            return
        await endpoint.close()
        self._outcomes.abandon()
        if self._site is not None:
            self._site.socket_closed()
