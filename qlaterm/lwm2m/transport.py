"""The CoAP endpoint under the simulated module's LwM2M client: one UDP socket, one aiocoap stack.

A BC26 registers from the same UDP port on which it then receives the server's requests, it retransmits
confirmable messages on the schedule AT+QLACFG="retransmit" sets, and it tells the terminal the message
ID of what it sent and whether that was acknowledged. aiocoap's ready-made contexts do none of that
observably, so the stack is assembled here by hand (the ``TokenManager`` → ``MessageManager`` → transport
chain of ``Context._append_tokenmanaged_messagemanaged_transport``), with a message manager that

* reports every ACK, RST and final timeout of an outgoing confirmable message by (remote, message ID);
* passes on a RST that matches no exchange (aiocoap drops those silently): it may answer a non-confirmable
  notification, which the client recognises by its message ID;
* on a final timeout fails only that one exchange instead of everything pending with the peer, so that a
  lost notification does not also kill a registration Update in flight or the server's pending reads.

:func:`open_endpoint` is the one place that decides which transport carries the traffic: plain UDP,
or DTLS-PSK (security mode 0).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiocoap import Message
from aiocoap.interfaces import EndpointAddress
from aiocoap.message import UndecidedRemote
from aiocoap.numbers.codes import GET
from aiocoap.numbers.constants import TransportTuning
from aiocoap.numbers.types import ACK, RST
from aiocoap.protocol import Context
from aiocoap.tokenmanager import TokenManager
from aiocoap.transports.udp6 import MessageInterfaceUDP6
from aiocoap.util import hostportjoin

from qlaterm.lwm2m.coap import CheckedUDP6, CheckingMessageManager, append_transport, new_context, open_udp
from qlaterm.lwm2m.dtls import DTLSTransport
from qlaterm.lwm2m.dtls_session import DTLSOptions
from qlaterm.lwm2m.shaping import DatagramShaper, ShapedTransport


class RetransmitTuning(TransportTuning):  # type: ignore[misc]  # aiocoap ships no type information
    """CoAP timing of the BC26: ``ack_timeout`` then doubling, no random factor, ``max_retransmit``
    retransmissions (AT+QLACFG="retransmit"). ``reliability`` picks CON (True), NON (False) or, for
    responses, the request's type (None)."""

    ACK_RANDOM_FACTOR = 1.0

    def __init__(self, ack_timeout: float, max_retransmit: int, reliability: bool | None = None) -> None:
        self.ACK_TIMEOUT = float(ack_timeout)
        self.MAX_RETRANSMIT = int(max_retransmit)
        self.reliability = reliability

    @property
    def transmit_wait(self) -> float:
        """Seconds from the first transmission until a CON without ACK is given up."""
        return float(self.ACK_TIMEOUT * (2 ** (self.MAX_RETRANSMIT + 1) - 1))


class ExchangeObserver(Protocol):
    """What the endpoint reports about outgoing messages (implemented by the client)."""

    def transmitted(self, message: Message) -> None:
        """Every datagram put on the wire, retransmissions included."""

    def acknowledged(self, remote: EndpointAddress, mid: int, message: Message) -> None:
        """An ACK (empty or carrying a response) matched an outgoing CON."""

    def reset(self, remote: EndpointAddress, mid: int, confirmable: bool) -> None:
        """A RST matched an outgoing CON (confirmable=True), or matched no exchange (confirmable=False): then
        it may answer a NON the observer sent, which the observer keeps track of itself."""

    def timed_out(self, remote: EndpointAddress, mid: int) -> None:
        """A CON got neither ACK nor RST after all retransmissions."""


class TransportUnavailable(RuntimeError):
    """The security mode asks for a transport this build cannot open."""


class TrackingMessageManager(CheckingMessageManager):
    """aiocoap's MessageManager with per-exchange reporting (see the module docstring)."""

    def __init__(self, token_manager: TokenManager, observer: ExchangeObserver) -> None:
        super().__init__(token_manager)
        self.observer = observer

    def dispatch_message(self, message: Message) -> None:
        if message.mtype in (ACK, RST) and self._active_exchanges is not None:
            key = (message.remote, message.mid)
            if key in self._active_exchanges:
                if message.mtype is ACK:
                    self.observer.acknowledged(message.remote, message.mid, message)
                else:
                    self.observer.reset(message.remote, message.mid, True)
            elif message.mtype is RST:
                self.observer.reset(message.remote, message.mid, False)
        super().dispatch_message(message)

    def _send_via_transport(self, message: Message) -> None:
        self.observer.transmitted(message)
        super()._send_via_transport(message)

    def _retransmit(self, message: Message, timeout: float, retransmission_counter: int) -> None:
        if retransmission_counter < message.transport_tuning.MAX_RETRANSMIT:
            super()._retransmit(message, timeout, retransmission_counter)
            return
        key = (message.remote, message.mid)
        monitor, handle = self._active_exchanges.pop(key)
        handle.cancel()
        self.log.info("Exchange timed out: %r", message)
        self.observer.timed_out(message.remote, message.mid)
        # The owner of the exchange (a request, a separate response, a notification) hears about it;
        # nothing else with that peer is touched.
        monitor()
        self._continue_backlog(message.remote)


class _UDPTransport(CheckedUDP6):
    """udp6 that ignores ICMP errors, as a module on an NB-IoT link never sees them: a server that is
    down looks like a silent one (retransmissions, then timeout), not like an immediate failure."""

    shaper: DatagramShaper | None = None
    transport: Any  # set by aiocoap's udp6 when the socket is made; wrapped by shape()

    def datagram_errqueue_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        self.log.info("ICMP error from %s ignored", address)

    def shape(self, shaper: DatagramShaper) -> None:
        """Pass every datagram of this socket, both ways, through ``shaper`` from now on."""
        self.shaper = shaper
        self.transport = ShapedTransport(self.transport, shaper)

    def datagram_msg_received(self, data: bytes, ancdata: Any, flags: int, address: Any) -> None:
        if self.shaper is None:
            super().datagram_msg_received(data, ancdata, flags, address)
            return

        def deliver() -> None:
            if not self.transport.is_closing():
                super(_UDPTransport, self).datagram_msg_received(data, ancdata, flags, address)

        self.shaper.incoming(deliver)

    @classmethod
    async def create_server_transport_endpoint(
        cls, ctx: Any, log: logging.Logger, loop: asyncio.AbstractEventLoop, bind: tuple[str, int], multicast: Any
    ) -> _UDPTransport:
        """The module's own socket, bound without SO_REUSEPORT.

        aiocoap sets SO_REUSEPORT on its sockets; with it Linux may hand the same ephemeral port to two
        sockets of one user, and two simulated modules would then share a port and lose each other's
        answers (seen with a fleet of a thousand modules in one process).
        """
        infos = await loop.getaddrinfo(bind[0], bind[1], family=socket.AF_INET6, type=socket.SOCK_DGRAM,
                                       flags=socket.AI_V4MAPPED)
        sock = socket.socket(family=socket.AF_INET6, type=socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(infos[0][4])
        except OSError:
            sock.close()
            raise
        transport: _UDPTransport = await cls._create_transport_endpoint(sock, ctx, log, loop, multicast)
        return transport


@dataclass
class Endpoint:
    """One open socket with its aiocoap stack; the Context must stay referenced while it is in use."""

    ctx: Context
    tman: TokenManager
    mman: TrackingMessageManager
    security_mode: int
    psk: tuple[str, bytes] | None = None
    dtls: DTLSOptions | None = None

    @property
    def port(self) -> int:
        """The local UDP port (what the server sees as the client's port)."""
        return int(self.mman.message_interface._local_port())

    async def resolve(self, hostinfo: str) -> EndpointAddress:
        """The transport's address object for ``hostinfo`` (``"1.2.3.4:5683"``, ``"[::1]:5683"``)."""
        probe = Message(code=GET)
        probe.remote = UndecidedRemote(scheme_for(self.security_mode), hostinfo)
        await self.ctx.find_remote_and_interface(probe)
        return probe.remote

    async def close(self) -> None:
        """Close the socket; pending exchanges end without anything sent."""
        await self.ctx.shutdown()


def scheme_for(security_mode: int) -> str:
    """URI scheme of the server for a security mode (0 DTLS-PSK → coaps, 3 NoSec → coap)."""
    return "coaps" if security_mode == 0 else "coap"


def hostinfo(host: str, port: int) -> str:
    """``host:port`` with IPv6 literals bracketed, as CoAP URIs write it."""
    return str(hostportjoin(host, port))


async def open_endpoint(
    site: Any,
    *,
    bind_host: str,
    security_mode: int,
    observer: ExchangeObserver,
    port: int = 0,
    psk: tuple[str, bytes] | None = None,
    dtls: DTLSOptions | None = None,
    dtls_sessions: MutableMapping[Any, bytes] | None = None,
    shaper: DatagramShaper | None = None,
    log_name: str = "qlaterm.sim.client",
) -> Endpoint:
    """Open a socket on ``bind_host``:``port`` (0: any free port) whose incoming requests ``site``
    renders.

    Security mode 3 gets plain UDP. Security mode 0 gets DTLS-PSK (:mod:`qlaterm.lwm2m.dtls`) with ``psk``
    (identity, key) and the ``dtls`` profile; ``dtls_sessions`` keeps the saved session across endpoints,
    for the resumption that AT+QLACFG="dtls_mode",1 asks for after deep sleep.  Every datagram of the
    socket, both ways and DTLS records included, passes through ``shaper`` when one is given.
    """
    if security_mode == 0 and psk is None:
        raise TransportUnavailable("security mode 0 needs a PSK identity and key")
    log = logging.getLogger(log_name)
    ctx = new_context(site, log_name)

    async def make_transport(mman: TrackingMessageManager) -> MessageInterfaceUDP6 | DTLSTransport:
        transport: _UDPTransport | DTLSTransport
        if psk is None:
            transport = await open_udp(_UDPTransport, mman, bind=(bind_host, port), log=log, loop=ctx.loop)
        else:
            transport = await DTLSTransport.create(
                mman, bind=(bind_host, port), session_store=dtls_sessions, log=log, loop=ctx.loop
            )
            transport.set_client_credentials(None, psk[0], psk[1], dtls)
        if shaper is not None:
            transport.shape(shaper)
        return transport

    stack = await append_transport(
        ctx, make_transport, message_manager=lambda tman: TrackingMessageManager(tman, observer)
    )
    return Endpoint(ctx=ctx, tman=stack.tman, mman=stack.mman, security_mode=security_mode, psk=psk, dtls=dtls)


__all__ = [
    "Endpoint",
    "ExchangeObserver",
    "RetransmitTuning",
    "TrackingMessageManager",
    "TransportUnavailable",
    "hostinfo",
    "open_endpoint",
    "scheme_for",
]
