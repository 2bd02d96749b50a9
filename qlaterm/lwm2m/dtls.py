"""DTLS-PSK for aiocoap: one UDP socket that serves DTLS clients and opens sessions to ``coaps://`` servers.

The simulated BC26 registers over DTLS-PSK from the same port on which the server then reaches it, and
the bundled platform listens for many such modules on one port (5684).  :class:`DTLSTransport` is an
aiocoap ``MessageInterface`` that does both on one socket, on top of the sans-IO sessions of
:mod:`qlaterm.lwm2m.dtls_session`:

* **Server role** — a session is created only for a ClientHello (so stray alerts and retransmissions
  of failed peers cannot start one); the PSK store is any ``Mapping[str, bytes]``, read at every
  handshake so identities can be added while running.  The identity a client used becomes the remote's
  ``authenticated_claims``; identities refused (unknown, or wrong key) are logged, kept in
  :attr:`DTLSTransport.refused` and passed to ``on_refused``.
* **Client role** — a request to ``coaps://host:port`` opens a session with the credentials set for
  that target (:meth:`DTLSTransport.set_client_credentials`, else the Context's ``client_credentials``);
  CoAP messages wait until the handshake is over.  After each handshake the session is saved, and a
  target whose options say ``resume`` offers it next time (abbreviated handshake).
* Plain CoAP and other non-DTLS datagrams are dropped; records that fail to decrypt are dropped by
  Mbed TLS without disturbing the session; a failed handshake fails only the exchanges with that peer
  (``dispatch_error``), within the retransmission budget of the options.

Each session has its own :class:`DTLSRemote`, so a peer that reconnects (a rebooted module) is a new
remote, as RFC 7252 section 9.1.2 requires for a new epoch.

:func:`create_dtls_endpoint` appends the transport to an aiocoap Context (the TokenManager →
MessageManager → transport stack that aiocoap builds for its own transports).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from aiocoap import Message
from aiocoap import error as coap_error
from aiocoap.credentials import CredentialsMissingError
from aiocoap.interfaces import EndpointAddress, MessageInterface
from aiocoap.messagemanager import MessageManager
from aiocoap.protocol import Context
from aiocoap.tokenmanager import TokenManager
from aiocoap.util import hostportjoin, hostportsplit
from mbedtls.tls import ClientContext

from qlaterm.lwm2m.coap import CheckingMessageManager, append_transport, receive, transport_of
from qlaterm.lwm2m.dtls_session import (
    ERR_PEER_CLOSED,
    ERR_TIMEOUT,
    DTLSFailure,
    DTLSOptions,
    DTLSSession,
    Progress,
    SessionState,
    client_context,
    is_client_hello,
    is_dtls_record,
    server_context,
)
from qlaterm.lwm2m.mbedtls_resume import ServerSessionCache, resumption
from qlaterm.lwm2m.shaping import DatagramShaper, ShapedTransport

COAPS_PORT = 5684

Role = Literal["client", "server"]
SockAddr = tuple[str, int]
Target = tuple[str, int]
"""``(host, port)`` as a ``coaps://`` URI names the server (host unbracketed, lower-case)."""
SessionKey = tuple[str, int, str]
"""``(host, port, identity)``: what a saved session is valid for."""


class DTLSError(coap_error.NetworkError):  # type: ignore[misc]  # aiocoap ships no type information
    """What requests to a peer fail with when its DTLS session fails or ends (``failure`` says why)."""

    def __init__(self, failure: DTLSFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure

    def __str__(self) -> str:
        return str(self.failure)


@dataclass(frozen=True)
class ClientCredentials:
    """The PSK and options the client role uses for one target."""

    identity: str
    key: bytes
    options: DTLSOptions = field(default_factory=DTLSOptions)

    def __repr__(self) -> str:  # the key never reaches a log
        return f"ClientCredentials(identity={self.identity!r}, key=<{len(self.key)} bytes>, options={self.options!r})"


@dataclass(frozen=True)
class HandshakeRecord:
    """One completed handshake, as the transport observed it."""

    peer: str
    role: Role
    identity: str | None
    cipher: str | None
    version: str | None
    abbreviated: bool
    seconds: float
    resumption_offered: bool = False


@dataclass(frozen=True)
class RefusedIdentity:
    """A client the server role turned away (``identity`` is None when none was presented)."""

    identity: str | None
    peer: str
    reason: str
    code: int


class RecordingPSKStore(Mapping[str, bytes]):
    """A read-through view of the server's PSK store that remembers the identity Mbed TLS asked for.

    Mbed TLS looks the identity up synchronously while a handshake step runs, so the transport clears
    :attr:`looked_up` before stepping a session and reads it afterwards.
    """

    def __init__(self, store: Mapping[str, bytes]) -> None:
        self._store = store
        self.looked_up: str | None = None

    def __getitem__(self, identity: str) -> bytes:
        self.looked_up = identity
        return bytes(self._store[identity])

    def __iter__(self) -> Iterator[str]:
        return iter(self._store)

    def __len__(self) -> int:
        return len(self._store)


def _hostinfo(sockaddr: SockAddr) -> str:
    return str(hostportjoin(sockaddr[0], sockaddr[1]))


def _normalise(sockaddr: Any) -> SockAddr:
    """(host, port) with IPv4-mapped IPv6 addresses written as IPv4 (what a user expects to read)."""
    host, port = sockaddr[0], int(sockaddr[1])
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host.split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            host = str(address.ipv4_mapped)
    return host, port


class DTLSRemote(EndpointAddress):  # type: ignore[misc]  # aiocoap ships no type information
    """The aiocoap address of one DTLS session with one peer (one per session: a new epoch is a new
    remote).  ``session`` exposes the negotiated cipher, version and whether the handshake was
    abbreviated."""

    scheme = "coaps"
    is_multicast = False
    is_multicast_locally = False

    def __init__(
        self,
        transport: DTLSTransport,
        sockaddr: SockAddr,
        role: Role,
        session: DTLSSession,
        *,
        identity: str | None = None,
        target: Target | None = None,
    ) -> None:
        self.transport = transport
        self.sockaddr = sockaddr
        self.role: Role = role
        self.session = session
        self.identity = identity
        self.target = target

    def __repr__(self) -> str:
        who = f" {self.identity!r}" if self.identity else ""
        return f"<DTLSRemote {self.role} {self.hostinfo}{who} {self.session.state.value}>"

    @property
    def hostinfo(self) -> str:
        return _hostinfo(self.sockaddr)

    @property
    def hostinfo_local(self) -> str:
        return self.transport.hostinfo_local

    @property
    def uri_base(self) -> str:
        return "coaps://" + self.hostinfo

    @property
    def uri_base_local(self) -> str:
        return "coaps://" + self.hostinfo_local

    @property
    def authenticated_claims(self) -> tuple[str, ...]:
        """The PSK identity the client proved (server role); nothing in the client role."""
        return (self.identity,) if self.role == "server" and self.identity is not None else ()

    @property
    def blockwise_key(self) -> tuple[Any, ...]:
        return (self.sockaddr, id(self))

    @property
    def cipher(self) -> str | None:
        """The negotiated cipher suite, once the session is open."""
        return self.session.cipher

    @property
    def alive(self) -> bool:
        """True while this remote's session is handshaking or open."""
        return self.session.handshaking or self.session.is_open


@dataclass
class _Peer:
    sockaddr: SockAddr
    session: DTLSSession
    role: Role
    remote: DTLSRemote | None = None
    identity: str | None = None
    session_key: SessionKey | None = None
    pending: list[bytes] = field(default_factory=list)
    waiting: list[asyncio.Future[bool]] = field(default_factory=list)  # for the handshake to end


_MAX_PENDING = 64
"""CoAP messages held per peer while its handshake runs; more are dropped (CoAP retransmits CONs)."""


class DTLSTransport(MessageInterface, asyncio.DatagramProtocol):  # type: ignore[misc]  # aiocoap ships no type information
    """aiocoap MessageInterface for ``coaps`` over one UDP socket, server and client role (see module doc)."""

    def __init__(
        self,
        mman: MessageManager,
        *,
        psk_store: Mapping[str, bytes] | None,
        server_options: DTLSOptions,
        session_store: MutableMapping[SessionKey, bytes] | None,
        max_sessions: int,
        log: logging.Logger,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._mman = mman
        self.log = log
        self.loop = loop
        self.server_options = server_options
        self.psk_store = RecordingPSKStore(psk_store) if psk_store is not None else None
        self._server_ctx = server_context(self.psk_store, server_options) if self.psk_store is not None else None
        self._server_cache: ServerSessionCache | None = None
        if self._server_ctx is not None:
            self._server_cache = resumption.enable_server_cache(self._server_ctx, max_sessions)
        self.sessions: MutableMapping[SessionKey, bytes] = session_store if session_store is not None else {}
        """Saved client sessions, for resumption; pass a long-lived mapping to keep them across restarts."""
        self.max_sessions = max_sessions
        self._peers: OrderedDict[SockAddr, _Peer] = OrderedDict()
        self._identity_of_session: OrderedDict[bytes, str] = OrderedDict()
        self._credentials: dict[Target | None, ClientCredentials] = {}
        self._client_contexts: dict[ClientCredentials, ClientContext] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self._shaper: DatagramShaper | None = None
        self._family = socket.AF_INET
        self._ticker: asyncio.TimerHandle | None = None
        self._closed = False
        self.handshakes: deque[HandshakeRecord] = deque(maxlen=1000)
        """Completed handshakes, newest last."""
        self.refused: deque[RefusedIdentity] = deque(maxlen=1000)
        """Clients the server role refused, newest last."""
        self.on_refused: Callable[[RefusedIdentity], None] | None = None
        self.on_handshake: Callable[[HandshakeRecord], None] | None = None
        self.close_notify_on_shutdown = True
        """False: :meth:`shutdown` leaves without close_notify, as a module entering deep sleep does, so
        that the server keeps the session (a later ClientHello from the same port replaces it)."""
        self.dropped_datagrams = 0
        """Datagrams dropped before reaching a session (not DTLS, or not a ClientHello from a stranger)."""

    # ---- construction ---------------------------------------------------------------------------

    @classmethod
    async def create(
        cls,
        mman: MessageManager,
        *,
        bind: tuple[str, int],
        psk_store: Mapping[str, bytes] | None = None,
        server_options: DTLSOptions | None = None,
        session_store: MutableMapping[SessionKey, bytes] | None = None,
        max_sessions: int = 4096,
        log: logging.Logger | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> DTLSTransport:
        """Bind ``bind`` (port 0: any free port).  Without ``psk_store`` the transport only acts as a
        client and ignores ClientHellos."""
        loop = loop or asyncio.get_running_loop()
        self = cls(
            mman,
            psk_store=psk_store,
            server_options=server_options or DTLSOptions(),
            session_store=session_store,
            max_sessions=max_sessions,
            log=log or logging.getLogger(__name__),
            loop=loop,
        )
        host, port = bind
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._family = family
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        await loop.create_datagram_endpoint(lambda: self, sock=sock)
        return self

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)  # create_datagram_endpoint's transport

    def shape(self, shaper: DatagramShaper) -> None:
        """Pass every datagram of this socket, both ways, through ``shaper`` from now on (a simulated
        radio link under the module's DTLS)."""
        assert self._transport is not None
        self._shaper = shaper
        self._transport = ShapedTransport(self._transport, shaper)

    @property
    def local_address(self) -> SockAddr:
        """The bound (host, port)."""
        assert self._transport is not None
        return _normalise(self._transport.get_extra_info("sockname"))

    @property
    def local_port(self) -> int:
        """The bound UDP port."""
        return self.local_address[1]

    def _local_port(self) -> int:
        """Same as :attr:`local_port`, under the name aiocoap's udp6 transport uses."""
        return self.local_port

    @property
    def hostinfo_local(self) -> str:
        return _hostinfo(self.local_address)

    # ---- client credentials and observability ---------------------------------------------------

    def set_client_credentials(
        self, target: str | Target | None, identity: str, key: bytes, options: DTLSOptions | None = None
    ) -> ClientCredentials:
        """PSK and options for sessions this endpoint opens to ``target`` (``"host:port"``,
        ``(host, port)``, or None for every target without its own)."""
        credentials = ClientCredentials(identity, bytes(key), options or DTLSOptions())
        self._credentials[_target(target) if target is not None else None] = credentials
        return credentials

    def last_handshake(self, role: Role | None = None) -> HandshakeRecord | None:
        """The most recent completed handshake (of that role)."""
        for record in reversed(self.handshakes):
            if role is None or record.role == role:
                return record
        return None

    # ---- MessageInterface ------------------------------------------------------------------------

    async def recognize_remote(self, remote: Any) -> bool:
        return isinstance(remote, DTLSRemote) and remote.transport is self and self._is_current(remote)

    async def determine_remote(self, message: Message) -> DTLSRemote | None:
        if message.requested_scheme != "coaps":
            return None
        if self._closed:
            raise coap_error.LibraryShutdown()
        if isinstance(message.remote, DTLSRemote) and message.remote.transport is self:
            # A remote whose session ended: open a new session to the same target.
            target = message.remote.target or _target(message.remote.hostinfo)
        elif message.remote is not None and message.remote.hostinfo is not None:
            target = _target(message.remote.hostinfo)
        elif message.opt.uri_host:
            target = _target((message.opt.uri_host, message.opt.uri_port or COAPS_PORT))
        else:
            raise ValueError("No location found to send message to (neither in .opt.uri_host nor in .remote)")
        sockaddr = await self._resolve(target)
        peer = self._peers.get(sockaddr)
        if peer is not None and peer.remote is not None and peer.remote.alive:
            return peer.remote
        credentials = self._credentials_for(target, message)
        return self._open_client(target, sockaddr, credentials)

    async def established(self, remote: DTLSRemote) -> bool:
        """Wait until the handshake of ``remote``'s session has ended: True when the session is open,
        False when the handshake failed (its own retransmissions ran out, the key was refused …).

        A client that starts its CoAP retransmission schedule only now does not spend it while the
        handshake runs (and does not send a burst of copies when the handshake ends)."""
        peer = self._peers.get(remote.sockaddr)
        if peer is None or peer.remote is not remote:
            return remote.alive
        if not peer.session.handshaking:
            return peer.session.is_open
        waiter: asyncio.Future[bool] = self.loop.create_future()
        peer.waiting.append(waiter)
        return await waiter

    def send(self, message: Message) -> None:
        remote = message.remote
        if not isinstance(remote, DTLSRemote) or not self._is_current(remote):
            self.log.info("DTLS: no session for %r any more; message not sent", remote)
            if isinstance(remote, DTLSRemote):
                failure = DTLSFailure(0, "DTLS session ended")
                self.loop.call_soon(self._dispatch_error, DTLSError(failure), remote)
            return
        peer = self._peers[remote.sockaddr]
        self._peers.move_to_end(remote.sockaddr)
        data = message.encode()
        if peer.session.handshaking:
            if len(peer.pending) < _MAX_PENDING:
                peer.pending.append(data)
            return
        try:
            self._sendto(peer.session.send(data), remote.sockaddr)
        except DTLSFailure as failure:
            self._remove(peer, failure)

    async def shutdown(self) -> None:
        """Close every session (with close_notify unless told otherwise), then the socket."""
        if self._closed:
            return
        self._closed = True
        if self._ticker is not None:
            self._ticker.cancel()
        for sockaddr, peer in list(self._peers.items()):
            if peer.session.is_open and self.close_notify_on_shutdown:
                self._sendto(peer.session.close(), sockaddr)
        self._peers.clear()
        if self._transport is not None:
            self._transport.close()
        if self._server_cache is not None:
            self._server_cache.close()
        self._mman = None

    # ---- datagrams in ----------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self._shaper is None:
            self._received(data, addr)
            return

        def deliver() -> None:
            if not self._closed:
                self._received(data, addr)

        self._shaper.incoming(deliver)

    def _received(self, data: bytes, addr: Any) -> None:
        sockaddr = _normalise(addr)
        peer = self._peers.get(sockaddr)
        if peer is None:
            if self._server_ctx is None or not is_client_hello(data):
                self.dropped_datagrams += 1
                self.log.debug("DTLS: dropped a %d-byte datagram from %s (no session)", len(data), _hostinfo(sockaddr))
                return
            peer = self._open_server(sockaddr)
        elif not is_dtls_record(data):
            self.dropped_datagrams += 1
            self.log.debug("DTLS: dropped a %d-byte non-DTLS datagram from %s", len(data), _hostinfo(sockaddr))
            return
        self._peers.move_to_end(sockaddr)
        if self.psk_store is not None:
            self.psk_store.looked_up = None
        progress = peer.session.receive(data)
        if peer.role == "server" and self.psk_store is not None and self.psk_store.looked_up is not None:
            peer.identity = self.psk_store.looked_up
        self._apply(peer, sockaddr, progress)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors carry no usable peer on an unconnected socket; the handshake timer and CoAP
        # retransmissions decide when a silent peer has failed.
        self.log.debug("DTLS socket error ignored: %s", exc)

    # ---- internals -------------------------------------------------------------------------------

    def _is_current(self, remote: DTLSRemote) -> bool:
        peer = self._peers.get(remote.sockaddr)
        return peer is not None and peer.remote is remote and remote.alive

    async def _resolve(self, target: Target) -> SockAddr:
        host, port = target
        family = socket.AF_INET if self._family == socket.AF_INET else socket.AF_UNSPEC
        try:
            infos = await self.loop.getaddrinfo(host, port, family=family, type=socket.SOCK_DGRAM)
        except socket.gaierror:
            infos = []
        if not infos:
            raise coap_error.ResolutionError(f"No address information found for requests to {host!r}")
        return _normalise(infos[0][4])

    def _credentials_for(self, target: Target, message: Message) -> ClientCredentials:
        credentials = self._credentials.get(target) or self._credentials.get(None)
        if credentials is not None:
            return credentials
        try:
            identity, key = self._mman.client_credentials.credentials_from_request(message).as_dtls_psk()
        except (CredentialsMissingError, AttributeError, TypeError, ValueError):
            raise CredentialsMissingError(f"no DTLS PSK for coaps://{_hostinfo(target)}") from None
        identity = identity.decode("utf-8") if isinstance(identity, bytes) else str(identity)
        return ClientCredentials(identity, bytes(key))

    def _client_context(self, credentials: ClientCredentials) -> ClientContext:
        context = self._client_contexts.get(credentials)
        if context is None:
            context = client_context(credentials.identity, credentials.key, credentials.options)
            self._client_contexts[credentials] = context
        return context

    def _open_client(self, target: Target, sockaddr: SockAddr, credentials: ClientCredentials) -> DTLSRemote:
        key: SessionKey = (target[0], target[1], credentials.identity)
        blob = self.sessions.get(key) if credentials.options.resume else None
        session = DTLSSession(self._client_context(credentials), resume_blob=blob)
        peer = _Peer(sockaddr, session, "client", identity=credentials.identity, session_key=key)
        peer.remote = DTLSRemote(self, sockaddr, "client", session, identity=credentials.identity, target=target)
        self._replace(sockaddr, peer)
        self._apply(peer, sockaddr, session.start())
        self._ensure_ticker()
        return peer.remote

    def _open_server(self, sockaddr: SockAddr) -> _Peer:
        assert self._server_ctx is not None
        transport_id = f"{sockaddr[0]}:{sockaddr[1]}".encode()
        peer = _Peer(sockaddr, DTLSSession(self._server_ctx, transport_id=transport_id), "server")
        self._replace(sockaddr, peer)
        while len(self._peers) > self.max_sessions:
            oldest = next(iter(self._peers.values()))
            self._remove(oldest, DTLSFailure(0, "evicted: too many sessions"))
        self._ensure_ticker()
        return peer

    def _replace(self, sockaddr: SockAddr, peer: _Peer) -> None:
        old = self._peers.pop(sockaddr, None)
        if old is not None:
            self._remove(old, DTLSFailure(0, "replaced by a new session"))
        self._peers[sockaddr] = peer

    def _apply(self, peer: _Peer, sockaddr: SockAddr, progress: Progress) -> None:
        self._sendto(progress.datagrams, sockaddr)
        if progress.reconnected:
            old = peer.remote
            peer.remote = None
            if old is not None:
                self.log.info("DTLS: %s started a new session from the same port", _hostinfo(sockaddr))
                self._dispatch_error(DTLSError(DTLSFailure(0, "peer reconnected (new DTLS session)")), old)
            self._ensure_ticker()
        if progress.established:
            self._established(peer, sockaddr)
        if progress.records and peer.remote is not None:
            for record in progress.records:
                self._dispatch(record, peer.remote)
        if progress.failure is not None:
            self._remove(peer, progress.failure)
        elif progress.closed:
            self._remove(peer, DTLSFailure(ERR_PEER_CLOSED, "peer closed the session"))

    def _established(self, peer: _Peer, sockaddr: SockAddr) -> None:
        session = peer.session
        if peer.role == "server":
            if session.session_id is not None:
                if session.abbreviated and peer.identity is None:
                    peer.identity = self._identity_of_session.get(session.session_id)
                elif peer.identity is not None:
                    self._identity_of_session[session.session_id] = peer.identity
                    while len(self._identity_of_session) > self.max_sessions:
                        self._identity_of_session.popitem(last=False)
            peer.remote = DTLSRemote(self, sockaddr, "server", session, identity=peer.identity)
        elif peer.session_key is not None:
            blob = session.saved_session()
            if blob is not None:
                self.sessions[peer.session_key] = blob
        record = HandshakeRecord(
            peer=_hostinfo(sockaddr),
            role=peer.role,
            identity=peer.identity,
            cipher=session.cipher,
            version=session.version,
            abbreviated=session.abbreviated,
            seconds=session.handshake_seconds or 0.0,
            resumption_offered=session.offered_resumption,
        )
        self.handshakes.append(record)
        self.log.info(
            "DTLS %s session with %s%s: %s %s%s in %.1f ms",
            peer.role,
            record.peer,
            f" ({peer.identity!r})" if peer.identity else "",
            record.version,
            record.cipher,
            ", resumed" if record.abbreviated else "",
            record.seconds * 1000,
        )
        if self.on_handshake is not None:
            self.on_handshake(record)
        _wake(peer, True)
        pending, peer.pending = peer.pending, []
        for data in pending:
            try:
                self._sendto(session.send(data), sockaddr)
            except DTLSFailure as failure:
                self._remove(peer, failure)
                return

    def _dispatch(self, record: bytes, remote: DTLSRemote) -> None:
        if self._mman is not None:
            receive(self._mman, record, remote)

    def _dispatch_error(self, error: Exception, remote: DTLSRemote) -> None:
        if self._mman is not None and not self._closed:
            self._mman.dispatch_error(error, remote)

    def _remove(self, peer: _Peer, failure: DTLSFailure) -> None:
        """Forget a peer whose session ended; tell aiocoap and, for a refused client, the owner."""
        if self._peers.get(peer.sockaddr) is peer:
            del self._peers[peer.sockaddr]
        if peer.session.handshaking or peer.session.is_open:
            peer.session.state = SessionState.CLOSED  # the remote now reports itself as not alive
        never_opened = peer.session.handshake_seconds is None
        if never_opened and failure.code:
            if peer.role == "server":
                self._refused(peer, failure)
            else:
                self.log.warning(
                    "DTLS handshake with %s as %r failed: %s", _hostinfo(peer.sockaddr), peer.identity, failure.reason
                )
        _wake(peer, False)
        if peer.remote is not None:
            self._dispatch_error(DTLSError(failure), peer.remote)

    def _refused(self, peer: _Peer, failure: DTLSFailure) -> None:
        if peer.identity is None:
            # No identity was presented: garbage that looked like a ClientHello, or a handshake
            # abandoned after the HelloVerifyRequest. Nobody to name.
            self.log.debug("DTLS: handshake from %s ended before a PSK identity: %s", peer.sockaddr, failure.reason)
            return
        refusal = RefusedIdentity(peer.identity, _hostinfo(peer.sockaddr), failure.reason, failure.code)
        self.refused.append(refusal)
        self.log.warning("DTLS: refused identity %r from %s: %s", refusal.identity, refusal.peer, refusal.reason)
        if self.on_refused is not None:
            self.on_refused(refusal)

    def _sendto(self, datagrams: list[bytes], sockaddr: SockAddr) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        if self._family == socket.AF_INET6 and ":" not in sockaddr[0]:
            sockaddr = ("::ffff:" + sockaddr[0], sockaddr[1])  # an IPv4 peer on a dual-stack socket
        for datagram in datagrams:
            self._transport.sendto(datagram, sockaddr)

    # ---- handshake timer -------------------------------------------------------------------------

    def _tick_interval(self) -> float:
        shortest = min(
            [self.server_options.handshake_timeout_min]
            + [c.options.handshake_timeout_min for c in self._credentials.values()]
        )
        return max(0.005, min(0.05, shortest / 4))

    def _ensure_ticker(self) -> None:
        if self._ticker is None and not self._closed:
            self._ticker = self.loop.call_later(self._tick_interval(), self._tick)

    def _tick(self) -> None:
        """Step every handshaking session so Mbed TLS can retransmit; drop handshakes that stalled
        where Mbed TLS runs no timer (a server waiting for the ClientHello after its HelloVerifyRequest)."""
        self._ticker = None
        now = time.monotonic()
        abandon_after = self.server_options.handshake_budget + self.server_options.handshake_timeout_max
        handshaking = False
        for sockaddr, peer in list(self._peers.items()):
            if not peer.session.handshaking:
                continue
            progress = peer.session.tick()
            self._apply(peer, sockaddr, progress)
            if not peer.session.handshaking:
                continue
            if peer.role == "server" and now - peer.session.started > abandon_after:
                self._remove(peer, DTLSFailure(ERR_TIMEOUT, "handshake abandoned"))
            else:
                handshaking = True
        if handshaking:
            self._ensure_ticker()


def _wake(peer: _Peer, open_: bool) -> None:
    """The handshake of ``peer`` ended: tell whoever waits for it."""
    waiting, peer.waiting = peer.waiting, []
    for waiter in waiting:
        if not waiter.done():
            waiter.set_result(open_)


def dtls_transport_of(ctx: Context) -> DTLSTransport | None:
    """The DTLS transport appended to ``ctx`` (by :func:`create_dtls_endpoint` or by hand), if any."""
    return transport_of(ctx, DTLSTransport)


def _target(target: str | Target) -> Target:
    """Normalise ``"host:port"`` / ``"[v6]:port"`` / ``(host, port)`` to ``(host, port)``."""
    if isinstance(target, str):
        host, port = hostportsplit(target)
        return host.lower(), int(port or COAPS_PORT)
    host, port = target
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return host.lower(), int(port)


async def create_dtls_endpoint(
    ctx: Context,
    *,
    bind: tuple[str, int],
    psk_store: Mapping[str, bytes] | None = None,
    server_options: DTLSOptions | None = None,
    session_store: MutableMapping[SessionKey, bytes] | None = None,
    message_manager: Callable[[TokenManager], MessageManager] = CheckingMessageManager,
    token_manager: Callable[[Context], TokenManager] = TokenManager,
    max_sessions: int = 4096,
) -> DTLSTransport:
    """Bind a DTLS-PSK transport on ``bind`` and append it to ``ctx``, so that ``coaps://`` requests
    go through it and its incoming requests reach ``ctx``'s site.

    ``psk_store`` (identity → key) enables the server role.  ``message_manager`` and ``token_manager``
    build the layers above the transport, for owners that subclass them (logging, exchange tracking).
    Client PSKs are set afterwards with :meth:`DTLSTransport.set_client_credentials`.
    """

    async def make_transport(mman: MessageManager) -> DTLSTransport:
        return await DTLSTransport.create(
            mman,
            bind=bind,
            psk_store=psk_store,
            server_options=server_options,
            session_store=session_store,
            max_sessions=max_sessions,
            log=logging.getLogger(ctx.log.name + ".dtls") if ctx.log is not None else None,
            loop=ctx.loop,
        )

    stack = await append_transport(ctx, make_transport, message_manager=message_manager, token_manager=token_manager)
    return stack.transport


__all__ = [
    "COAPS_PORT",
    "ClientCredentials",
    "DTLSError",
    "DTLSOptions",
    "DTLSRemote",
    "DTLSTransport",
    "HandshakeRecord",
    "RecordingPSKStore",
    "RefusedIdentity",
    "create_dtls_endpoint",
    "dtls_transport_of",
]
